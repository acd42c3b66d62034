"""Walking and drawing a graph, as CNTK 2.7's ``cntk.logging.graph``: ``depth_first_search``,
``find_all_with_name``, ``find_by_name``, ``find_by_uid``, ``get_node_outputs`` and ``plot``.

``plot(root)`` returns CNTK 2.7's text description of the graph, one line per node from the
inputs to the output (``Times(Input3, Parameter4) -> Times6_Output_0;``). With a file name it
also draws the graph as CNTK 2.7 does (the same node shapes, colours and labels: inputs are eggs,
parameters boxes, primitive ops with short names ellipses, edges labelled with the variable's name
or uid and its shape, ``[#]`` marking the batch axis; compared with CNTK 2.7's DOT output through
pydot_ng in tests/test_graph_plot.py). CNTK builds the drawing with pydot_ng;
cntkr writes the DOT text itself and runs graphviz's ``dot`` (it must be on the PATH) for PNG,
SVG and PDF; ``.dot`` files need no graphviz.

Differences from CNTK 2.7: a node of cntkr's graph is a Function and its output in one, so a
Function's uid here is its op's name and the number of its uid (``Times6``), and its output's
``Times6_Output_0``, as CNTK names them; CNTK's layers are block functions (``Block129``), cntkr's
are single ops (a Dense is one ``Dense`` node), so ``depth`` has no blocks to open, the text
lists the layer's own inputs (input, W, b in that order) rather than CNTK's (W, b, input), and a
layer is drawn as its op (a ``Dense`` box, its activation a node of its own) rather than CNTK's
block box labelled with the layer's name. The DOT text lists the nodes, then the edges, each once
(pydot_ng repeats nodes and interleaves them with edges: the same graph).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

from .._shapes import as_int, describe
from ..variables import Variable

__all__ = ["depth_first_search", "find_all_with_name", "find_by_name", "find_by_uid",
           "get_node_outputs", "plot"]


def _is_function(node) -> bool:
    return hasattr(node, "op") and hasattr(node, "inputs")


def _check_root(root, where):
    if not isinstance(root, Variable):
        raise TypeError(f"{where}: root must be a Function or Variable, got "
                        f"{type(root).__name__} {describe(root)}")


def depth_first_search(root, visitor, depth=0):
    """Every node reachable from `root` (Functions, then their inputs, depth first, each once)
    for which ``visitor(node)`` is true, in CNTK 2.7's order. `depth` (a whole number, -1 for
    any depth) is CNTK's depth into block functions; cntkr has none to open."""
    _check_root(root, "depth_first_search")
    if not callable(visitor):
        raise TypeError(f"depth_first_search: visitor must be a function, got {describe(visitor)}")
    as_int(depth, "depth", minimum=-1)
    stack, accum, visited = [root], [], set()
    while stack:
        node = stack.pop(0)
        if id(node) in visited:
            continue
        if _is_function(node):
            stack = list(node.inputs) + stack
        if visitor(node):
            accum.append(node)
        visited.add(id(node))
    return accum


def find_all_with_name(node, node_name, depth=0):
    """The nodes reachable from `node` named `node_name`, in ``depth_first_search``'s order."""
    if not isinstance(node_name, str):
        raise ValueError(f"find_all_with_name: node_name has to be a string, got {describe(node_name)}")
    return depth_first_search(node, lambda x: x.name == node_name, depth)


def find_by_name(node, node_name, depth=0):
    """The one node reachable from `node` named `node_name`, None when there is none;
    ValueError when several are."""
    if not isinstance(node_name, str):
        raise ValueError(f"find_by_name: node_name has to be a string, got {describe(node_name)}")
    result = depth_first_search(node, lambda x: x.name == node_name, depth)
    if len(result) > 1:
        raise ValueError(f'found multiple functions matching "{node_name}". '
                         "If that was expected call find_all_with_name")
    return result[0] if result else None


def find_by_uid(node, node_uid, depth=0):
    """The node reachable from `node` whose uid is `node_uid` (a Function's own uid or the
    ``Op12`` spelling ``plot`` shows), None when there is none."""
    if not isinstance(node_uid, str):
        raise ValueError(f"find_by_uid: node_uid must be a string, got {describe(node_uid)}")
    result = depth_first_search(
        node, lambda x: x.uid == node_uid or (_is_function(x) and _uid(x) == node_uid), depth)
    return result[0] if result else None


def get_node_outputs(node, depth=0):
    """The outputs of every Function reachable from `node` (the Functions themselves: a cntkr
    Function is its output), in ``depth_first_search``'s order."""
    return [n for n in depth_first_search(node, lambda x: True, depth) if _is_function(n)]


# ---- plot -------------------------------------------------------------------------------
_PRIMITIVE_OP_MAP = {"Plus": "+", "Minus": "-", "ElementTimes": "*", "Times": "@"}


def _uid(node) -> str:
    """CNTK's uid of a Function (``Times6``) from cntkr's (``CompositeFunction6``)."""
    digits = re.sub(r"^\D*", "", node.uid)
    return f"{node.op_name}{digits}"


def _var_uid(node) -> str:
    """The uid a node's output goes by (``Times6_Output_0``; leaves: their own)."""
    return f"{_uid(node)}_Output_0" if _is_function(node) else node.uid


def _shape_desc(node) -> str:
    n = len(node.dynamic_axes)
    dyn = "[#" + ",*" * (n - 1) + "]" if n else ""
    return dyn + str(tuple(node.shape))


def _q(text) -> str:
    """A DOT string literal (newlines as DOT's \\n)."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _attrs(**kw) -> str:
    return "[" + ", ".join(f"{k}={v if isinstance(v, (int, float)) else _q(v)}"
                           for k, v in kw.items()) + "]"


class _Dot:
    def __init__(self):
        self.nodes, self.order, self.edges = {}, [], []

    def node(self, uid, **kw):
        if uid not in self.nodes:
            self.order.append(uid)
        self.nodes[uid] = kw

    def edge(self, a, b, label):
        self.edges.append((a, b, label))

    def text(self) -> str:
        lines = ["digraph network_graph {", "rankdir=TB;",
                 "node " + _attrs(shape="rectangle", fixedsize="false", style="filled",
                                  fillcolor="lightgray", height=0.85, width=0.85, fontsize=12) + ";",
                 "edge " + _attrs(fontsize=10) + ";"]
        lines += [f"{_q(u)} {_attrs(**self.nodes[u])};" for u in self.order]
        lines += [f"{_q(a)} -> {_q(b)} {_attrs(label=lab)};" for a, b, lab in self.edges]
        return "\n".join(lines + ["}"]) + "\n"


def _function_node(dot, node):
    uid = _uid(node)
    if uid in dot.nodes:
        return uid
    pen = 1 if node.op_name in ("Pass", "ParameterOrder") else 4
    # CNTK draws a primitive op whose output's name is its own without the name (every cntkr
    # node: a Function is its output), the short ones (+, -, *, @, ReLU) as ellipses; its block
    # functions (layers) as boxes with the layer's name, which cntkr's single-op layers are not
    op_name = _PRIMITIVE_OP_MAP.get(node.op_name, node.op_name)
    prim = len(op_name) <= 4
    size = 0.4 if prim else 0.6
    dot.node(uid, label=op_name, shape="ellipse" if prim else "box",
             fixedsize="true" if prim else "false", height=size, width=size,
             fontsize=20 if prim and len(op_name) == 1 else 12, penwidth=pen)
    return uid


def _leaf_node(dot, leaf):
    if leaf.is_parameter:
        kind = "Parameter"
    elif leaf.is_constant:
        kind = "Constant"
    elif getattr(leaf, "is_placeholder", False):
        kind = "Placeholder"
    else:
        kind = "Input"
    name = kind
    if leaf.name:
        name = leaf.name if kind == "Parameter" else f"{kind}\n{leaf.name}"
    name += "\n" + _shape_desc(leaf)
    if kind in ("Input", "Placeholder"):
        dot.node(leaf.uid, shape="egg", label=name, fixedsize="true", height=1, width=1.3, penwidth=4)
    elif kind == "Constant" and not leaf.name and tuple(leaf.shape) in ((), (1,)):
        value = leaf.value.reshape(-1)[0].item()
        dot.node(leaf.uid, shape="box", label=str(value), color="white", fillcolor="white",
                 height=0.3, width=0.4)
    else:
        dot.node(leaf.uid, shape="box", label=name, height=0.6, width=1)
    return leaf.uid


def _walk(root, dot=None):
    """CNTK 2.7's plot walk: the text lines (output first) and, with `dot`, the drawing."""
    model, stack, visited = [], [root], set()
    while stack:
        node = stack.pop(0)
        if id(node) in visited:
            continue
        visited.add(id(node))
        if not _is_function(node):
            continue
        stack = list(node.inputs) + stack
        cur = _function_node(dot, node) if dot is not None else None
        model.append(f"{node.op_name}({', '.join(_var_uid(i) for i in node.inputs)}) -> "
                     f"{_var_uid(node)};\n")
        if dot is not None:
            for inp in node.inputs:
                src = _function_node(dot, inp) if _is_function(inp) else _leaf_node(dot, inp)
                label = (inp.name or _var_uid(inp)) + "\n" + _shape_desc(inp)
                dot.edge(src, cur, label)
            if node is root:  # only the final output is drawn
                out = _var_uid(node)
                dot.node(out, shape="egg", label=node.name + "\n" + _shape_desc(node),
                         fixedsize="true", height=1, width=1.3, penwidth=4)
                dot.edge(cur, out, _shape_desc(node))
    return "\n".join(reversed(model))


def plot(root, filename=None):
    """CNTK 2.7's text description of the graph below `root` (see the module docstring); with
    `filename` (ending in .dot, .png, .svg or .pdf) also writes the drawing there: DOT text, or
    an image rendered by graphviz's ``dot``."""
    _check_root(root, "plot")
    suffix = None
    if filename is not None:
        if not isinstance(filename, (str, os.PathLike)) or not str(filename):
            raise ValueError(f"plot: filename must be a file name or None, got {describe(filename)}")
        suffix = os.path.splitext(str(filename))[1].lower()
        if suffix not in (".svg", ".pdf", ".png", ".dot"):
            raise ValueError('plot: only file extensions ".svg", ".pdf", ".png", and ".dot" are '
                             f"supported, got filename {describe(str(filename))}")
    dot = _Dot() if suffix else None
    model = _walk(root, dot)
    if suffix == ".dot":
        with open(filename, "w", encoding="utf-8") as fh:
            fh.write(dot.text())
    elif suffix:
        _render(dot.text(), suffix[1:], str(filename))
    return model


def _render(text, fmt, filename):
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("plot: graphviz's 'dot' program is needed to write "
                           f"{fmt.upper()} files and is not on the PATH (Debian: apt-get install "
                           "graphviz); a .dot file needs no graphviz")
    done = subprocess.run([exe, f"-T{fmt}", "-o", filename], input=text.encode("utf-8"),
                          capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"plot: graphviz's dot failed on {filename!r}: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()}")


def _dot_text(root) -> str:
    """The DOT text ``plot`` would write to a .dot file."""
    dot = _Dot()
    _walk(root, dot)
    return dot.text()
