"""cntkr_py.logging.graph: CNTK 2.7's graph walks and plot (text measured with CNTK 2.7)."""
import re
import shutil

import pytest

import cntkr_py as C
from cntkr_py.logging import graph


def _net():
    x = C.input_variable(3, name="x")
    W = C.parameter((3, 2), name="W", init=1.0)
    b = C.parameter(2, name="b")
    return x, W, b, C.sigmoid(C.times(x, W) + b, name="out")


def _num(v):
    return re.sub(r"^\D*", "", v.uid)


def test_plot_text_as_cntk():
    # CNTK 2.7 on the same graph: 'Times(Input3, Parameter4) -> Times6_Output_0;\n\nPlus(Times6_Output_0,
    # Parameter5) -> Plus9_Output_0;\n\nStableSigmoid(Plus9_Output_0) -> StableSigmoid12_Output_0;\n'
    x, W, b, z = _net()
    plus, times = z.inputs[0], z.inputs[0].inputs[0]
    t, p, s = f"Times{_num(times)}", f"Plus{_num(plus)}", f"StableSigmoid{_num(z)}"
    assert graph.plot(z) == (f"Times({x.uid}, {W.uid}) -> {t}_Output_0;\n\n"
                             f"Plus({t}_Output_0, {b.uid}) -> {p}_Output_0;\n\n"
                             f"StableSigmoid({p}_Output_0) -> {s}_Output_0;\n")
    assert C.logging.graph is graph


def test_walks_as_cntk():
    x, W, b, z = _net()
    plus, times = z.inputs[0], z.inputs[0].inputs[0]
    # CNTK 2.7's order: StableSigmoid, Plus, Times, x, W, b
    assert graph.depth_first_search(z, lambda n: True) == [z, plus, times, x, W, b]
    assert graph.depth_first_search(z, lambda n: True, depth=-1) == [z, plus, times, x, W, b]
    assert graph.find_all_with_name(z, "W") == [W]
    assert graph.find_by_name(z, "out") is z
    assert graph.find_by_name(z, "nothing") is None
    assert graph.get_node_outputs(z) == [z, plus, times]
    assert graph.find_by_uid(z, W.uid) is W
    y = C.plus(C.times(x, W, name="same"), b, name="same")
    assert len(graph.find_all_with_name(y, "same")) == 2
    with pytest.raises(ValueError, match="multiple"):
        graph.find_by_name(y, "same")


def test_bad_arguments_name_them():
    x, W, b, z = _net()
    with pytest.raises(ValueError, match="node_name"):
        graph.find_by_name(z, 3)
    with pytest.raises(ValueError, match="node_name"):
        graph.find_all_with_name(z, None)
    with pytest.raises(ValueError, match="extensions"):
        graph.plot(z, "a.jpg")
    with pytest.raises(TypeError, match="root"):
        graph.plot("z")
    with pytest.raises(TypeError, match="visitor"):
        graph.depth_first_search(z, 3)
    with pytest.raises(ValueError, match="depth"):
        graph.depth_first_search(z, lambda n: True, depth=-2)


def test_dot_file(tmp_path):
    x = C.input_variable(3, name="x")
    m = C.layers.Sequential([C.layers.Dense(4, activation=C.relu), C.layers.Dense(2)])(x)
    f = tmp_path / "m.dot"
    text = graph.plot(m * 2.0, str(f))
    dot = f.read_text()
    assert dot.startswith("digraph network_graph {")
    assert text.count("Dense(") == 2 and "ReLU(" in text and "ElementTimes(" in text
    assert f'"{x.uid}" [shape="egg", label="Input\\nx\\n[#](3,)"' in dot  # inputs are eggs
    assert 'label="W\\n(3, 4)"' in dot  # parameters: boxes named by their names
    assert 'label="2.0", color="white"' in dot  # unnamed scalar constants: their value
    assert 'label="*", shape="ellipse"' in dot  # ElementTimes drawn as CNTK's '*'
    assert dot.count(" -> ") == 10  # every input edge and the final output


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_image_files(tmp_path):
    *_, z = _net()
    png, svg, pdf = tmp_path / "g.png", tmp_path / "g.svg", tmp_path / "g.PDF"
    assert graph.plot(z, str(png)) == graph.plot(z)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    graph.plot(z, str(svg))
    assert "<svg" in svg.read_text() and "StableSigmoid" in svg.read_text()
    graph.plot(z, str(pdf))
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_dot_nodes_as_cntk_draws_them(tmp_path):
    # CNTK 2.7's DOT for this graph (pydot_ng): Times6 [... label="@", shape=ellipse, width=0.4],
    # Plus9 [label="+" ... ellipse], StableSigmoid12 [fixedsize=false, fontsize=12, height=0.6,
    # label="StableSigmoid", penwidth=4, shape=box, width=0.6] (named 'out': not shown),
    # StableSigmoid12_Output_0 [label="out\n[#](2,)", shape=egg], Plus9 -> StableSigmoid12
    # [label="Plus9_Output_0\n[#](2,)"], Constant25 -> ElementTimes26 [label="Constant25\n()"]
    x, W, b, z = _net()
    w = C.element_times(z, 2.0)
    f = tmp_path / "w.dot"
    graph.plot(w, str(f))
    dot = f.read_text()
    s, p, t = f"StableSigmoid{_num(z)}", f"Plus{_num(z.inputs[0])}", f"Times{_num(z.inputs[0].inputs[0])}"
    assert (f'"{s}" [label="StableSigmoid", shape="box", fixedsize="false", height=0.6, width=0.6, '
            'fontsize=12, penwidth=4];') in dot
    assert f'"{p}" [label="+", shape="ellipse", fixedsize="true", height=0.4, width=0.4, fontsize=20' in dot
    assert f'"{t}" [label="@", shape="ellipse"' in dot
    assert f'"{p}" -> "{s}" [label="{p}_Output_0\\n[#](2,)"];' in dot
    assert f'"{s}" -> "ElementTimes{_num(w)}" [label="out\\n[#](2,)"];' in dot
    c = w.inputs[1]
    assert f'"{c.uid}" -> "ElementTimes{_num(w)}" [label="{c.uid}\\n()"];' in dot
    assert f'"ElementTimes{_num(w)}_Output_0" [shape="egg", label="\\n[#](2,)"' in dot
