"""Model files: ``Function.save``, ``Function.load``, ``Function.restore`` and ``load_model``, in a
documented format that holds data only (the format: ``docs/model-format.md``).

A model file is a zip archive of two members:

* ``graph.json`` -- the format's name and version, then every node of the graph in topological
  order (inputs before the nodes using them): leaves (input, parameter, constant, placeholder:
  shape, dtype, dynamic axes, name, uid) and functions (CNTK's op name, the op's params as typed
  JSON, the indices of their inputs, name, uid, layer members), and the index of the output;
* ``values.npz`` -- the values of the parameters and constants, as ``.npy`` arrays, read back
  with ``numpy.load(..., allow_pickle=False)``.

Loading never runs code from the file: each function is rebuilt by applying the op declared in
cntkr (``cntkr_py/ops/*``) under the op name the file gives, so every shape is inferred anew, as
``Function.clone`` does. Unknown format versions, unknown op names, malformed graphs and value
archives that hold anything but plain numeric arrays are refused, naming the file. Writing is
deterministic: saving a loaded model again gives the same bytes.
"""
from __future__ import annotations

import contextlib
import enum
import importlib
import io
import json
import math
import os
import pkgutil
import struct
import zipfile

import numpy as np
import torch

__all__ = ["ModelFormat", "save_model", "load_model", "restore_model", "save_values",
           "load_values", "FORMAT_NAME", "FORMAT_VERSION"]

#: the ``format`` field of graph.json
FORMAT_NAME = "cntkr-model"
#: the ``version`` field this cntkr writes (and the versions it reads)
FORMAT_VERSION = 1
_READS = (1,)

_GRAPH, _VALUES = "graph.json", "values.npz"
_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed timestamp for zip members: the same model, the same bytes
_DTYPES = ("float32", "float64", "float16")
_AXES = ("defaultBatchAxis",)
_MAX_GRAPH_BYTES = 1 << 30  # graph.json larger than this is refused (a zip bomb, not a model)


class ModelFormat(enum.Enum):
    """The format of a model file (CNTK 2.7's ``cntk.ModelFormat``). ``CNTKv2`` is cntkr's own
    format here (docs/model-format.md); CNTK 2.7's protobuf files are not read."""

    CNTKv2 = 0
    ONNX = 1


def _check_format(format, what):
    if isinstance(format, int) and not isinstance(format, bool) and format in (0, 1):
        format = ModelFormat(format)
    if format == ModelFormat.ONNX:
        raise NotImplementedError(f"{what}: the ONNX format is not supported; use "
                                  "ModelFormat.CNTKv2 (cntkr's model format)")
    if format != ModelFormat.CNTKv2:
        from ._shapes import describe
        raise ValueError(f"format must be ModelFormat.CNTKv2, got {describe(format)}")


# ---- the op registry -----------------------------------------------------------------------
_PACKAGES = ("cntkr_py.ops", "cntkr_py.layers", "cntkr_py.losses", "cntkr_py.metrics")
_registry = {}   # (op_name, variant or None) -> Op
_keys = {}       # id(Op) -> (op_name, variant or None)


def _modules():
    for pkg_name in _PACKAGES:
        try:
            pkg = importlib.import_module(pkg_name)
        except ModuleNotFoundError as exc:
            if exc.name != pkg_name:
                raise
            continue
        yield pkg
        for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), pkg_name + "."):
            yield importlib.import_module(info.name)


def _build_registry():
    """Every Op declared at module level in cntkr's op, layer, loss and metric modules, keyed by
    CNTK's op name; where several declarations share an op name (``TransposeAxes`` for
    ``transpose`` and ``swapaxes``), by op name and the declaration's name (the variant)."""
    from .ops.primitive import Op
    names = {}  # id(op) -> (op, {attribute names})
    for module in _modules():
        for attr, value in vars(module).items():
            if isinstance(value, Op):
                names.setdefault(id(value), (value, set()))[1].add(attr)
    by_name = {}
    for op, attrs in names.values():
        by_name.setdefault(op.name, []).append((op, attrs))
    _registry.clear()
    _keys.clear()
    for op_name, decls in by_name.items():
        if len(decls) == 1:
            _registry[(op_name, None)] = decls[0][0]
            _keys[id(decls[0][0])] = (op_name, None)
            continue
        # several declarations share the op name: the variant is the declaration's name (every
        # name it is bound to loads it; saving writes the first public one)
        owners = {}
        for op, attrs in decls:
            for attr in attrs:
                owners.setdefault(attr, set()).add(id(op))
        for op, attrs in decls:
            mine = sorted(a for a in attrs if owners[a] == {id(op)})  # a name two ops share: neither
            for attr in mine:
                _registry[(op_name, attr)] = op
            public = [a for a in mine if not a.startswith("_")] or mine
            if public:
                _keys[id(op)] = (op_name, public[0])


def _key_of(op):
    if id(op) not in _keys:
        _build_registry()
    key = _keys.get(id(op))
    if key is None:
        raise ValueError(f"save: the op {op.name!r} cannot be saved: it is not declared at module "
                         "level in cntkr's op modules, so a loader could not rebuild it")
    return key


def _op_for(key):
    if key not in _registry:
        _build_registry()
    return _registry.get(key)


# ---- params as typed JSON ------------------------------------------------------------------
# Plain JSON: int, float (finite), bool, str, None, lists. Tagged (one-key objects):
# {"tuple": [...]}, {"dict": {str: value}}, {"float": "inf" | "-inf" | "nan"},
# {"axis": name}, {"static_axis": k}, {"numpy": [dtype, number]}.
def _encode(value, where):
    from .variables import Axis
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
    if isinstance(value, Axis):
        if value.is_static_axis:
            return {"static_axis": value.static_index}
        if value.name in ("defaultBatchAxis", "AllStaticAxes", "AllAxes"):
            return {"axis": value.name}
    if isinstance(value, (np.bool_, np.integer, np.floating)) and value.dtype.name in \
            ("bool", "int32", "int64", "float32", "float64"):
        return {"numpy": [value.dtype.name, _encode(value.item(), where)]}
    raise ValueError(f"save: {where} is {type(value).__name__} {value!r}, which the model format "
                     "cannot store")


def _decode(value, where):
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v, where) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        (tag, body), = value.items()
        if tag == "tuple" and isinstance(body, list):
            return tuple(_decode(v, where) for v in body)
        if tag == "dict" and isinstance(body, dict):
            return {k: _decode(v, where) for k, v in body.items()}
        if tag == "float" and body in ("inf", "-inf", "nan"):
            return float(body)
        if tag == "axis" and body in ("defaultBatchAxis", "AllStaticAxes", "AllAxes"):
            from .variables import Axis
            return {"defaultBatchAxis": Axis.default_batch_axis(),
                    "AllStaticAxes": Axis.all_static_axes(), "AllAxes": Axis.all_axes()}[body]
        if tag == "static_axis" and isinstance(body, int) and not isinstance(body, bool):
            from .variables import Axis
            return Axis(body)
        if tag == "numpy" and isinstance(body, list) and len(body) == 2 and body[0] in \
                ("bool", "int32", "int64", "float32", "float64"):
            inner = _decode(body[1], where)
            if isinstance(inner, (bool, int, float)):
                return np.dtype(body[0]).type(inner)
    raise _Malformed(f"{where} holds {json.dumps(value)[:80]}, not a value of the format")


class _Malformed(Exception):
    """A structural error in graph.json (reported with the file's name)."""


# ---- saving --------------------------------------------------------------------------------
def _leaf_record(v, index):
    from .ops.graph import Placeholder
    if getattr(v, "is_placeholder", False) or isinstance(v, Placeholder):
        kind = "placeholder"
    elif v.is_parameter:
        kind = "parameter"
    elif v.is_constant:
        kind = "constant"
    elif type(v).__name__ == "Variable":
        kind = "input"
    else:
        raise ValueError(f"save: the graph holds a {type(v).__name__} ({v!r}), which the model "
                         "format cannot store")
    unknown = getattr(v, "_unknown", False)
    rec = {"kind": kind, "name": v.name, "uid": v.uid,
           "shape": None if unknown else [int(d) for d in v.shape],
           "dtype": None if v.dtype is None else np.dtype(v.dtype).name}
    if kind in ("input", "placeholder"):
        axes = [a.name for a in v.dynamic_axes]
        for a in axes:
            if a not in _AXES:
                raise ValueError(f"save: input {v.name!r} has dynamic axis {a!r}, which the "
                                 "model format cannot store")
        rec["dynamic_axes"] = axes
        rec["needs_gradient"] = bool(v.needs_gradient)
    else:
        if not v._resolved():
            raise ValueError(f"save: {type(v).__name__} {v.name!r} of shape {tuple(v.shape)} has "
                             "no value yet (apply its layer to an input first)")
        rec["value"] = f"v{index}"
    return rec


def _graph_and_values(function):
    from . import executor
    from .ops.functions import Function
    if not isinstance(function, Function):
        raise TypeError(f"save: expected a Function, got {type(function).__name__}")
    order = executor.topological_order(function)
    index = {id(n): i for i, n in enumerate(order)}
    nodes, values = [], {}
    for i, n in enumerate(order):
        if not isinstance(n, Function):
            rec = _leaf_record(n, i)
            if "value" in rec:
                values[rec["value"]] = n.data().detach().cpu().numpy()
            nodes.append(rec)
            continue
        op_name, variant = _key_of(n.op)
        where = f"{op_name} node {n.name or n.uid}"
        rec = {"kind": "function", "op": op_name}
        if variant is not None:
            rec["variant"] = variant
        rec["name"] = n.name
        rec["uid"] = n.uid
        rec["inputs"] = [index[id(x)] for x in n.inputs]
        rec["params"] = {k: _encode(v, f"{where}: param {k!r}") for k, v in n._params.items()}
        members = {k: (index[id(v)] if v is not None else None)
                   for k, v in n._members.items() if v is None or id(v) in index}
        if members:
            rec["members"] = members
        nodes.append(rec)
    graph = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "nodes": nodes,
             "output": index[id(function)]}
    return graph, values


def _info(name) -> zipfile.ZipInfo:
    """A zip member's header: fixed timestamp and permissions (the same model, the same bytes)."""
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.external_attr = 0o644 << 16
    return info


_ZIP64_FROM = 2**31 - 2**24  # members that may pass zip's 2 GiB limit get zip64 headers


def _write_npz(fh, arrays):
    """An .npz archive of `arrays` ({key: array}) written to `fh` deterministically (numpy.savez
    stamps the current time into each member), one array at a time."""
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as z:
        for key, arr in arrays.items():
            arr = arr if arr.flags.c_contiguous else np.array(arr, order="C")
            with z.open(_info(f"{key}.npy"), "w", force_zip64=arr.nbytes > _ZIP64_FROM) as out:
                np.lib.format.write_array(out, arr, allow_pickle=False)


def _write_model(fh, text, arrays):
    """The model file: graph.json, then values.npz streamed into the archive."""
    size = sum(a.nbytes + 256 for a in arrays.values())
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as z:
        z.writestr(_info(_GRAPH), text.encode("utf-8"))
        with z.open(_info(_VALUES), "w", force_zip64=size > _ZIP64_FROM) as stream:
            _write_npz(stream, arrays)


def _write_atomically(filename, write):
    """`write(fh)` into a temporary file beside `filename`, then renamed to it."""
    path = os.fspath(filename)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _graph_text(graph) -> str:
    """graph.json's text: one node a line."""
    def dump(v):
        return json.dumps(v, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))
    nodes = ",\n  ".join(dump(n) for n in graph["nodes"])
    head = ", ".join(f"{dump(k)}: {dump(v)}" for k, v in graph.items() if k not in ("nodes", "output"))
    return f"{{{head},\n \"nodes\": [\n  {nodes}\n ],\n \"output\": {dump(graph['output'])}\n}}\n"


def model_bytes(function) -> bytes:
    """The model file of `function` as bytes (the bytes ``save`` writes)."""
    graph, values = _graph_and_values(function)
    buf = io.BytesIO()
    _write_model(buf, _graph_text(graph), values)
    return buf.getvalue()


def save_model(function, filename, format=ModelFormat.CNTKv2,
               use_external_files_to_store_parameters=False):
    """Write `function`'s graph and its parameters' and constants' values to `filename`
    (``Function.save``)."""
    _check_format(format, "save")
    if use_external_files_to_store_parameters:
        raise NotImplementedError("save: use_external_files_to_store_parameters=True is not "
                                  "supported (the values are stored in the model file)")
    if not isinstance(filename, (str, os.PathLike)):
        from ._shapes import describe
        raise TypeError(f"filename must be a path, got {describe(filename)}")
    graph, values = _graph_and_values(function)  # every check before the file is touched
    text = _graph_text(graph)
    _write_atomically(filename, lambda fh: _write_model(fh, text, values))


# ---- values (also for checkpoints) ---------------------------------------------------------
def save_values(path, arrays):
    """Write {str: array} (numbers, booleans or strings, such as a JSON document as a 0-d string
    array) to `path` as an .npz archive readable with
    ``numpy.load(path, allow_pickle=False)`` (deterministic bytes; written atomically). For
    checkpoints (``Trainer.save_checkpoint``). A key may be a path of names (``learner/0/v``);
    none of them empty, ``.`` or ``..``."""
    clean = {}
    for key, arr in arrays.items():
        if not isinstance(key, str) or "\\" in key or \
                any(part in ("", ".", "..") for part in key.split("/")):
            raise ValueError("save_values: keys must be names or paths of names ('a', 'a/b'), "
                             f"got {key!r}")
        a = arr.detach().cpu().numpy() if isinstance(arr, torch.Tensor) else np.asarray(arr)
        if a.dtype.kind not in "biufU":
            raise ValueError(f"save_values: {key!r} must be a numeric or string array, got dtype "
                             f"{a.dtype}")
        clean[key] = a
    _write_atomically(path, lambda fh: _write_npz(fh, clean))


def load_values(path) -> dict:
    """{str: np.ndarray} from an .npz archive, never unpickling (object arrays are refused, naming
    the file)."""
    source = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    label = source if isinstance(source, str) else "the value archive"
    try:
        with np.load(source, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{label}: not a readable value archive ({exc})") from None


# ---- loading -------------------------------------------------------------------------------
class _Window(io.RawIOBase):
    """Bytes [start, start + size) of a seekable binary file, as a read-only seekable file (the
    stored values.npz inside the model file, read in place)."""

    def __init__(self, fh, start, size):
        super().__init__()
        self._fh, self._start, self._size, self._pos = fh, start, size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer):
        n = max(0, min(len(buffer), self._size - self._pos))
        if n == 0:
            return 0
        self._fh.seek(self._start + self._pos)
        got = self._fh.readinto(memoryview(buffer)[:n])
        self._pos += got
        return got


def _member_file(fh, z, name):
    """Member `name` of the zip archive `z` (opened on `fh`) as a seekable file: a window onto
    `fh` when it is stored uncompressed (as cntkr writes it), else its bytes in memory."""
    info = z.getinfo(name)
    if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 1:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) == 30 and header[:4] == b"PK\x03\x04":
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            return _Window(fh, info.header_offset + 30 + name_len + extra_len, info.file_size)
    return io.BytesIO(z.read(name))


class _Values:
    """The arrays of values.npz, each read from the file when a node asks for it. Its .npy header
    is checked against the graph's shape and dtype, and against the bytes the archive really
    holds, before any memory is allocated; nothing is unpickled (object arrays are refused)."""

    def __init__(self, npz, size):
        self._npz = npz
        self._size = size
        self._names = set(npz.files) if npz is not None else set()

    def get(self, key, shape, dtype):
        """The array `key` (None when the archive has none), of `shape` and `dtype`."""
        if not isinstance(key, str) or key not in self._names:
            return None
        try:
            with self._npz.zip.open(f"{key}.npy") as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    stored_shape, _, stored_dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    stored_shape, _, stored_dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f".npy format version {version}")
        except (ValueError, OSError, zipfile.BadZipFile, EOFError, RuntimeError) as exc:
            raise _Malformed(f"{_VALUES}: {key!r} is not a plain array ({exc})") from None
        if stored_dtype.hasobject:
            raise _Malformed(f"{_VALUES}: {key!r} holds Python objects (pickled data), which a "
                             "model file never loads")
        if list(stored_shape) != list(shape) or stored_dtype.name != dtype:
            raise _Malformed(f"the stored value {key!r} has shape {list(stored_shape)} and dtype "
                             f"{stored_dtype.name}; the graph says {shape} and {dtype}")
        if math.prod(stored_shape) * stored_dtype.itemsize > self._size:
            raise _Malformed(f"{_VALUES}: {key!r} claims more bytes than the archive holds")
        try:
            return self._npz[key]
        except (ValueError, OSError, zipfile.BadZipFile, EOFError, RuntimeError) as exc:
            raise _Malformed(f"{_VALUES}: {key!r} is not a plain array ({exc})") from None


@contextlib.contextmanager
def _open_model(model):
    """(label for messages, graph.json's bytes, _Values) of a model file given as a path or as
    its bytes; the file stays open while the model is rebuilt."""
    if isinstance(model, (bytes, bytearray, memoryview)):
        label, fh = "the model buffer", io.BytesIO(model if isinstance(model, bytes) else bytes(model))
    elif isinstance(model, (str, os.PathLike)):
        label = os.fspath(model)
        if not os.path.isfile(label):
            raise ValueError(f"Cannot load the model {label} that is neither a file nor a byte "
                             "buffer")
        fh = open(label, "rb")
    else:
        from ._shapes import describe
        raise TypeError(f"model must be a file path or bytes, got {describe(model)}")
    npz = None
    try:
        try:
            z = zipfile.ZipFile(fh)
            names = z.namelist()
            if _GRAPH not in names:
                raise ValueError(f"{label}: not a cntkr model file (it has no {_GRAPH})")
            if z.getinfo(_GRAPH).file_size > _MAX_GRAPH_BYTES:
                raise ValueError(f"{label}: {_GRAPH} is larger than a model's graph can be")
            graph_bytes = z.read(_GRAPH)
            member = _member_file(fh, z, _VALUES) if _VALUES in names else None
            member_size = z.getinfo(_VALUES).file_size if member is not None else 0
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
                RuntimeError) as exc:
            raise ValueError(f"{label}: not a cntkr model file ({exc})") from None
        if member is not None:
            try:
                npz = np.load(member, allow_pickle=False)
            except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
                raise ValueError(f"{label}: {_VALUES}: not a readable value archive "
                                 f"({exc})") from None
            if not hasattr(npz, "files"):
                raise ValueError(f"{label}: {_VALUES}: not a readable value archive (an .npy "
                                 "array, not an .npz archive)")
        yield label, graph_bytes, _Values(npz, member_size)
    finally:
        if npz is not None:
            npz.close()
        fh.close()


def _parse_graph(label, graph_bytes):
    try:
        graph = json.loads(graph_bytes.decode("utf-8"),
                           parse_constant=lambda c: (_ for _ in ()).throw(_Malformed(c)))
    except (UnicodeDecodeError, json.JSONDecodeError, _Malformed, RecursionError) as exc:
        raise ValueError(f"{label}: not a cntkr model file ({_GRAPH} is not valid JSON: "
                         f"{exc})") from None
    if not isinstance(graph, dict) or graph.get("format") != FORMAT_NAME:
        raise ValueError(f"{label}: not a cntkr model file ({_GRAPH} does not name the format "
                         f"{FORMAT_NAME!r})")
    version = graph.get("version")
    if version not in _READS or isinstance(version, bool):
        raise ValueError(f"{label}: model format version {version!r} is not one this cntkr "
                         f"reads ({', '.join(map(str, _READS))}); a newer cntkr wrote it?")
    return graph


def _int_list(v):
    return isinstance(v, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in v)


def _rebuild(graph, values, device):
    from .ops.functions import Function
    from .ops.graph import Placeholder
    from .variables import Axis, Constant, Parameter, Variable, torch_dtype
    nodes = graph.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise _Malformed("'nodes' must be a non-empty list")
    built = []
    pending_members = []
    for i, rec in enumerate(nodes):
        if not isinstance(rec, dict):
            raise _Malformed(f"node {i} is not an object")
        kind, name, uid = rec.get("kind"), rec.get("name", ""), rec.get("uid")
        if not isinstance(name, str) or not isinstance(uid, str):
            raise _Malformed(f"node {i}: name and uid must be strings")
        if kind == "function":
            op_name, variant = rec.get("op"), rec.get("variant")
            op = _op_for((op_name, variant)) if isinstance(op_name, str) else None
            if op is None:
                what = op_name if variant is None else f"{op_name} ({variant})"
                raise _Malformed(f"node {i}: unknown op {what!r}; this cntkr has no such op")
            ins = rec.get("inputs")
            if not _int_list(ins) or any(not 0 <= j < i for j in ins):
                raise _Malformed(f"node {i} ({op_name}): inputs must be indices of earlier nodes")
            params = rec.get("params", {})
            if not isinstance(params, dict):
                raise _Malformed(f"node {i} ({op_name}): params must be an object")
            params = {k: _decode(v, f"node {i} ({op_name}) param {k!r}") for k, v in params.items()}
            try:
                f = Function(op, [built[j] for j in ins], params, name)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise _Malformed(f"node {i} ({op_name}) cannot be rebuilt: {exc}") from None
            f.uid = uid
            members = rec.get("members", {})
            if not isinstance(members, dict):
                raise _Malformed(f"node {i} ({op_name}): members must be an object")
            pending_members.append((i, f, members))
            built.append(f)
            continue
        shape, dtype = rec.get("shape"), rec.get("dtype")
        if kind == "placeholder" and shape is None:
            pass
        elif not _int_list(shape) or any(d < 0 and d != -1 for d in shape):
            raise _Malformed(f"node {i} ({kind}): shape must be a list of dimensions")
        if dtype not in _DTYPES and not (kind == "placeholder" and dtype is None):
            raise _Malformed(f"node {i} ({kind}): dtype {dtype!r} is not one of {_DTYPES}")
        if kind in ("input", "placeholder"):
            axes = rec.get("dynamic_axes", [])
            if not isinstance(axes, list) or any(a not in _AXES for a in axes):
                raise _Malformed(f"node {i} ({kind}): unknown dynamic axes {axes!r}")
            axes = [Axis.default_batch_axis() for _ in axes]
            if kind == "input":
                v = Variable(tuple(shape), dtype, needs_gradient=bool(rec.get("needs_gradient")),
                             name=name, dynamic_axes=axes)
            else:
                v = Placeholder(None if shape is None else tuple(shape), axes, name)
                if dtype is not None:
                    v._dtype = np.dtype(dtype)
                v.needs_gradient = bool(rec.get("needs_gradient"))
        elif kind in ("parameter", "constant"):
            key = rec.get("value")
            try:
                arr = values.get(key, shape, dtype)
            except _Malformed as exc:
                raise _Malformed(f"node {i} ({kind} {name!r}): {exc}") from None
            if arr is None:
                raise _Malformed(f"node {i} ({kind} {name!r}): its value {key!r} is not in "
                                 f"{_VALUES}")
            if not arr.flags.c_contiguous or not arr.flags.writeable:
                arr = np.array(arr, order="C")
            tensor = torch.from_numpy(arr).to(device=device, dtype=torch_dtype(dtype))
            if kind == "parameter":
                v = Parameter(tuple(shape), init=0, dtype=dtype, device=device, name=name,
                              _defer=True)
            else:
                v = Constant(0.0, shape=(), dtype=dtype, device=device, name=name)
            v._set_data(tensor)
        else:
            raise _Malformed(f"node {i}: unknown kind {kind!r}")
        v.uid = uid
        built.append(v)
    for i, f, members in pending_members:
        resolved = {}
        for k, j in members.items():
            if j is not None and not (isinstance(j, int) and not isinstance(j, bool)
                                      and 0 <= j < len(built)):
                raise _Malformed(f"node {i}: member {k!r} must name a node")
            resolved[k] = None if j is None else built[j]
        f._members.update(resolved)
    out = graph.get("output")
    if not isinstance(out, int) or isinstance(out, bool) or not 0 <= out < len(built) or \
            not isinstance(built[out], Function):
        raise _Malformed("'output' must be the index of a function node")
    return built[out]


def load_model(model, device=None, format=ModelFormat.CNTKv2):
    """The Function saved in `model` (a file path, or the file's bytes), its parameters and
    constants on `device` (default: the default device). ``Function.load``."""
    from .device import as_torch_device
    _check_format(format, "load")
    dev = as_torch_device(device)
    with _open_model(model) as (label, graph_bytes, values):
        graph = _parse_graph(label, graph_bytes)
        try:
            return _rebuild(graph, values, dev)
        except _Malformed as exc:
            raise ValueError(f"{label}: malformed cntkr model file: {exc}") from None
        except RecursionError:
            raise ValueError(f"{label}: malformed cntkr model file: values nested too "
                             "deeply") from None


def restore_model(function, filename):
    """Copy the parameter and constant values saved in `filename` into `function`'s, in place
    (``Function.restore``): the saved model must have the same parameters and constants (same
    order, shapes and dtypes)."""
    saved = load_model(filename)
    pairs = []
    for what in ("parameters", "constants"):
        mine, theirs = getattr(function, what), getattr(saved, what)
        if len(mine) != len(theirs):
            raise ValueError(f"restore: {filename} holds {len(theirs)} {what}; the Function has "
                             f"{len(mine)}")
        for a, b in zip(mine, theirs):
            if tuple(a.shape) != tuple(b.shape) or a.dtype != b.dtype:
                raise ValueError(f"restore: {what[:-1]} {a.name or a.uid} has shape "
                                 f"{tuple(a.shape)} ({a.dtype}); {filename} holds "
                                 f"{tuple(b.shape)} ({b.dtype})")
            pairs.append((a, b))
    with torch.no_grad():
        for a, b in pairs:
            a.data().copy_(b.data())
    return function
