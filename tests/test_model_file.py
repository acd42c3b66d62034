"""Model files (Function.save, Function.load, C.load_model; docs/model-format.md): every op and
layer survives a round trip bitwise (driven by the golden cases, so new goldens are covered);
names, members, shared parameters, running statistics and devices; deterministic bytes; size;
and files that are not cntkr models (garbage, pickles, unknown ops or versions) are refused
without running anything."""
import collections
import sys
import io
import json
import os
import pathlib
import zipfile

import numpy as np
import pytest
import torch

import cntkr_py as C
from cntkr_py import executor, model_file
from cntkr_py.ops.functions import Function
from goldens_io import array, case_files, case_id, family_of, load, param_names
import test_goldens


# ---- every op and layer: the golden cases' graphs, saved and loaded --------------------------
# The golden families whose builder runs its own steps and builds no graph (learners: updates of
# parameters from given gradients); test_families_without_graphs checks the list is exact.
NO_GRAPH_FAMILIES = frozenset({"learners"})


def _sample(paths, per_group=2, per_layer=3):
    """A few cases of each op (ops families) or layer (layers families); every composite and crop
    graph. Deterministic."""
    groups = collections.defaultdict(list)
    for p in paths:
        family = family_of(p)
        if _builder(family) is None:
            continue  # a family test_goldens.py does not build (its own test reports it)
        if family in NO_GRAPH_FAMILIES:
            continue
        if family.startswith("ops/") and family != "ops/crop":
            key, limit = (family, load(p).get("op")), per_group
        elif family.startswith("layers/"):
            key, limit = (family,), 6 if family.endswith("ConvolutionTranspose") else per_layer
        elif family in ("composites", "ops/crop"):
            key, limit = (family, p), 1
        else:
            key, limit = (family,), per_layer
        if len(groups[key]) < limit:
            groups[key].append(p)
    return [p for ps in groups.values() for p in ps]


def _builder(family):
    b = test_goldens.BUILDERS
    return b.get(family) or b.get(family.split("/")[0])


ROUND_TRIP = _sample(case_files())


def _build_case(path):
    family = family_of(path)
    case = load(path)
    built = _builder(family)(family, case)
    if isinstance(built, dict):  # a family that runs its own steps (learners): no graph
        return None, None, case
    f, x, owner = built
    xs = x if isinstance(x, dict) else {"x": x}
    for p in param_names(case):
        if case[p] is not None and p not in xs:
            getattr(owner, p).value = array(case[p])
    return f, xs, case


def _graph_ops(f):
    return {model_file._key_of(n.op) for n in executor.topological_order(f) if isinstance(n, Function)}


def _same(a, b, what):
    if isinstance(a, dict):  # combine: {output: value}, in the outputs' order
        assert len(a) == len(b), what
        for i, (u, v) in enumerate(zip(a.values(), b.values())):
            _same(u, v, f"{what} output {i}")
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert a.tobytes() == b.tobytes(), f"{what}: not bitwise equal"


def _check_round_trip(f, feed_by_name, tmp_path, wrt_names=None):
    """Save f, load it, compare eval and grads (w.r.t. every input and parameter) bitwise."""
    path = tmp_path / "m.model"
    f.save(str(path))
    g = C.load_model(str(path))
    g.save(str(tmp_path / "again.model"))  # saving the loaded model gives the same bytes
    assert (tmp_path / "again.model").read_bytes() == path.read_bytes()
    assert [a.name for a in g.arguments] == [a.name for a in f.arguments]
    assert [(p.name, p.uid, p.shape) for p in g.parameters] == [(p.name, p.uid, p.shape) for p in f.parameters]
    assert g.shape == f.shape and g.name == f.name and g.op_name == f.op_name
    fa = {a: feed_by_name[a.name] for a in f.arguments}
    ga = {a: feed_by_name[a.name] for a in g.arguments}
    _same(f.eval(fa), g.eval(ga), "eval")
    fw = [a for a in f.arguments if a.needs_gradient] + f.parameters
    gw = [a for a in g.arguments if a.needs_gradient] + g.parameters
    if fw:
        torch.manual_seed(1)  # dropout's mask
        df = f.grad(fa, wrt=fw)
        torch.manual_seed(1)
        dg = g.grad(ga, wrt=gw)
        if len(fw) == 1:
            df, dg = {fw[0]: df}, {gw[0]: dg}
        for a, b in zip(fw, gw):
            _same(df[a], dg[b], f"gradient w.r.t. {a.name or a.uid}")
    return g


@pytest.mark.parametrize("path", ROUND_TRIP, ids=[case_id(p) for p in ROUND_TRIP])
def test_golden_graph_round_trip(path, tmp_path):
    f, xs, case = _build_case(path)
    assert f is not None, f"{family_of(path)} builds no graph: list it in NO_GRAPH_FAMILIES"
    feed = {v.name: array(case[k]) for k, v in xs.items()}
    if len(f.arguments) == 1:
        feed = {f.arguments[0].name: array(case[next(iter(xs))])}
    _check_round_trip(f, feed, tmp_path)


def test_families_without_graphs():
    """The families left out of the round trips are exactly those whose builder builds no graph
    (one case of every golden family built)."""
    first = {}
    for p in case_files():
        if _builder(family_of(p)) is not None:
            first.setdefault(family_of(p), p)
    assert NO_GRAPH_FAMILIES <= set(first), sorted(NO_GRAPH_FAMILIES - set(first))
    without = {family for family, p in first.items() if _build_case(p)[0] is None}
    assert without == NO_GRAPH_FAMILIES
    assert {family_of(p) for p in ROUND_TRIP} == set(first) - NO_GRAPH_FAMILIES


def rand(*shape, dtype=np.float32):
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


# graphs for ops and layers the golden cases do not reach (and a few combinations)
def _extra_graphs():
    x = C.input_variable((3, 4), name="x", needs_gradient=True)
    v = C.input_variable(4, name="v", needs_gradient=True)
    img = C.input_variable((2, 6, 6), name="img", needs_gradient=True)
    idx = C.input_variable((3,), name="idx")
    pool = C.layers.MaxPooling((2, 2), strides=2)
    pooled = pool(img)
    yield "one_hot", C.one_hot(idx, 5), {"idx": np.array([[0, 2, 4], [1, 1, 3]], np.float32)}
    yield "combine", C.combine([C.relu(x), C.tanh(x)]), {"x": rand(2, 3, 4)}
    yield "ceil_round", C.ceil(x) + C.round(x), {"x": rand(2, 3, 4)}
    yield "transpose_swapaxes", C.transpose(C.swapaxes(x, 0, 1), (1, 0)), {"x": rand(2, 3, 4)}
    yield "times_transpose", C.times_transpose(x, C.parameter((5, 4), name="P")), {"x": rand(2, 3, 4)}
    yield "unpooling", C.unpooling(pooled, img, C.MAX_UNPOOLING, (2, 2), strides=(2, 2)), \
        {"img": rand(2, 2, 6, 6)}
    yield "crop_manual", C.crop_manual(img, C.slice(img, [1, 2], [0, 0], [4, 4]), 1, 1), \
        {"img": rand(2, 2, 6, 6)}
    yield "argmax_argmin", C.argmax(x, axis=1) + C.argmin(x, axis=0), {"x": rand(2, 3, 4)}
    yield "reduce_axes", C.reduce_sum(x, axis=C.Axis.all_static_axes()) + \
        C.reduce_log_sum_exp(x, axis=C.Axis(1)), {"x": rand(2, 3, 4)}
    yield "dropout", C.layers.Dropout(0.5)(C.layers.Dense(5)(v)), {"v": rand(3, 4)}
    yield "float64", C.layers.Dense(3, activation=C.sigmoid)(
        C.input_variable(4, dtype=np.float64, name="v", needs_gradient=True)), \
        {"v": rand(2, 4, dtype=np.float64)}
    o = C.input_variable(5, name="o", needs_gradient=True)
    t = C.input_variable(5, name="t")
    w = C.input_variable(5, name="w")
    logits, labels = rand(4, 5), np.eye(5, dtype=np.float32)[[0, 3, 1, 3]]
    probs = {"o": 1 / (1 + np.exp(-logits)), "t": labels, "w": np.abs(rand(4, 5)) + 0.5}
    yield "criteria", C.combine([C.cross_entropy_with_softmax(o, t), C.classification_error(o, t),
                                 C.classification_error(o, t, topN=2), C.squared_error(o, t)]), \
        {"o": logits, "t": labels}
    yield "criteria_axis", C.cross_entropy_with_softmax(o, t, axis=0) + C.classification_error(o, t, axis=0) + \
        C.cosine_distance(o, t), {"o": logits, "t": labels}
    yield "binary_criteria", C.binary_cross_entropy(o, t) + C.weighted_binary_cross_entropy(o, t, w), probs
    counter = C.parameter((2,), init=1.0, name="counter")
    yield "assign", C.combine([C.assign(counter, counter * 2), C.relu(v)]), {"v": rand(3, 4)}
    for name, build in [("identity", C.identity), ("softmax", C.softmax), ("operators", lambda t: 2 * t - t + 1),
                        ("square_sqrt_exp", lambda t: C.sqrt(C.square(t)) + C.exp(-C.abs(t)))]:
        yield name, build(x), {"x": rand(2, 3, 4)}


EXTRA = list(_extra_graphs())


@pytest.mark.parametrize("name,f,feed", EXTRA, ids=[e[0] for e in EXTRA])
def test_extra_graph_round_trip(name, f, feed, tmp_path):
    _check_round_trip(f, feed, tmp_path)


# the op library's modules: every op declared in them must be reached by a round trip above
# (families added later are covered through their golden cases)
OP_MODULES = ("activations", "assign", "convolution", "crop", "elementwise", "graph", "linear", "losses",
              "normalization", "pooling", "reductions", "shape")


def test_every_op_declaration_is_covered_by_a_round_trip():
    """Every op declared in the op library (OP_MODULES) can be saved, and the round trips above
    reach it."""
    model_file._build_registry()
    declared = {k for k, op in model_file._registry.items() if op.__class__.__module__ and
                _declared_in_ops(op)}
    covered = set()
    for p in case_files():
        if _builder(family_of(p)) is None:
            continue
        f, _, _ = _build_case(p)
        if f is not None:
            covered |= _graph_ops(f)
    for _, f, _ in EXTRA:
        covered |= _graph_ops(f)
    missing = sorted(declared - covered, key=str)
    assert not missing, f"ops without a model-file round trip: {missing}"


def _declared_in_ops(op):
    import importlib
    for name in OP_MODULES:
        module = importlib.import_module(f"cntkr_py.ops.{name}")
        if any(v is op for v in vars(module).values()):
            return True
    return False


# ---- names, members, sharing, state ----------------------------------------------------------
def test_names_members_and_find_by_name_survive(tmp_path):
    x = C.input_variable((3,), name="features")
    z = C.layers.Sequential([C.layers.Dense(4, activation=C.relu, name="first"),
                             C.layers.Dense(2, name="out")], name="model")(x)
    z.save(str(tmp_path / "m.model"))
    g = C.load_model(str(tmp_path / "m.model"))
    assert g.name == "model" and g.arguments[0].name == "features"
    assert g.first.W.shape == (3, 4) and g.out.b.shape == (2,)
    np.testing.assert_array_equal(g.first.W.value, z.first.W.value)
    assert [n.op_name for n in g.find_all_with_name("first")] == ["ReLU", "Dense"]
    assert g.find_by_name("out").op_name == "Dense" and g.find_by_name("features") is g.arguments[0]
    assert [n.uid for n in executor.topological_order(g)] == [n.uid for n in executor.topological_order(z)]
    assert isinstance(g.first.W, C.Parameter) and g.first.W is not z.first.W


def test_shared_parameters_stay_shared(tmp_path):
    x = C.input_variable(3, name="x")
    d = C.layers.Dense(3)
    z = d(d(x)) + d(x)
    z.save(str(tmp_path / "m.model"))
    g = C.load_model(str(tmp_path / "m.model"))
    assert len(g.parameters) == len(z.parameters) == 2
    ws = {id(n.inputs[1]) for n in executor.topological_order(g) if getattr(n, "op_name", "") == "Dense"}
    assert len(ws) == 1
    g.parameters[0].value = np.zeros(g.parameters[0].shape, np.float32)  # one W for every use
    np.testing.assert_array_equal(g.eval(rand(2, 3)), np.broadcast_to(2 * g.parameters[1].value, (2, 3)))


def test_batch_normalization_running_statistics_are_saved(tmp_path):
    x = C.input_variable((2, 3, 3), name="x", needs_gradient=True)
    bn = C.layers.BatchNormalization(map_rank=1)
    z = bn(x)
    z.grad({x: rand(4, 2, 3, 3) + 3})  # training mode: the running statistics move
    assert bn.aggregate_count.value == 4
    z.save(str(tmp_path / "m.model"))
    g = C.load_model(str(tmp_path / "m.model"))
    for name in ("aggregate_mean", "aggregate_variance", "aggregate_count"):
        np.testing.assert_array_equal(getattr(g, name).value, getattr(bn, name).value)
    v = rand(2, 2, 3, 3)
    _same(z.eval(v), g.eval(v), "eval")


def test_training_goes_on_identically_after_save_and_load(tmp_path):
    """A model trained a little, saved and loaded, trains on from the same state: the Trainer over
    the loaded model (its Parameters in the same order, BatchNormalization's statistics saved)
    takes the same steps bit for bit as the Trainer over the original."""
    def trainer(z, x, y):
        lr = C.learning_rate_schedule(0.1, C.UnitType.minibatch)
        return C.Trainer(z, (C.cross_entropy_with_softmax(z, y), C.classification_error(z, y)),
                         [C.sgd(z.parameters, lr)])
    x, y = C.input_variable(4, name="x"), C.input_variable(3, name="y")
    z = C.layers.Sequential([C.layers.Dense(5, activation=C.relu), C.layers.BatchNormalization(),
                             C.layers.Dense(3, name="out")])(x)
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((8, 4)).astype(np.float32),
                np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]) for _ in range(4)]
    t = trainer(z, x, y)
    for xv, yv in batches[:2]:
        t.train_minibatch({x: xv, y: yv})
    z.save(str(tmp_path / "m.model"))
    g = C.load_model(str(tmp_path / "m.model"))
    gx = g.arguments[0]
    gy = C.input_variable(3, name="y")
    tg = trainer(g, gx, gy)
    for xv, yv in batches[2:]:
        t.train_minibatch({x: xv, y: yv})
        tg.train_minibatch({gx: xv, gy: yv})
        assert tg.previous_minibatch_loss_average == t.previous_minibatch_loss_average
    for a, b in zip(z.parameters + z.constants, g.parameters + g.constants):
        _same(a.value, b.value, a.name)


def test_load_from_bytes_and_function_load(tmp_path):
    z = C.layers.Dense(2)(C.input_variable(3, name="x"))
    z.save(str(tmp_path / "m.model"))
    data = (tmp_path / "m.model").read_bytes()
    for g in (C.Function.load(data), C.load_model(bytearray(data)), C.Function.load(tmp_path / "m.model"),
              C.ops.functions.load_model(str(tmp_path / "m.model"), device=C.device.cpu())):
        _same(g.eval(np.ones((1, 3), np.float32)), z.eval(np.ones((1, 3), np.float32)), "eval")


def test_placeholder_graph_round_trip(tmp_path):
    p = C.placeholder(name="ph")
    f = C.relu(p) + 1
    f.save(str(tmp_path / "m.model"))
    g = C.load_model(str(tmp_path / "m.model"))
    assert [q.name for q in g.placeholders] == ["ph"]
    x = C.input_variable(3, name="x")
    g.replace_placeholders({g.placeholders[0]: x})
    np.testing.assert_array_equal(g.eval(-np.ones((1, 3), np.float32)), np.ones((1, 3), np.float32))


def test_restore_copies_the_saved_values_in_place(tmp_path):
    z = C.layers.Dense(2)(C.input_variable(3, name="x"))
    z.save(str(tmp_path / "m.model"))
    saved = [p.value for p in z.parameters]
    live = [p.data() for p in z.parameters]
    for p in z.parameters:
        p.value = np.full(p.shape, 7, np.float32)
    assert z.restore(str(tmp_path / "m.model")) is None  # CNTK 2.7's
    for p, s, t in zip(z.parameters, saved, live):
        np.testing.assert_array_equal(p.value, s)
        assert p.data() is t  # in place
    other = C.layers.Dense(5)(C.input_variable(3))
    with pytest.raises(ValueError, match=r"restore: parameter W has shape \(3, 5\).*holds \(3, 2\)"):
        other.restore(str(tmp_path / "m.model"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_load_onto_a_gpu(tmp_path):
    z = C.layers.Dense(2)(C.input_variable(3, name="x"))
    z.save(str(tmp_path / "m.model"))
    g = C.load_model(str(tmp_path / "m.model"), device=C.device.gpu(0))
    assert all(p.data().is_cuda for p in g.parameters)
    np.testing.assert_allclose(g.eval(np.ones((1, 3), np.float32)),
                               z.eval(np.ones((1, 3), np.float32)), rtol=1e-6)
    g.save(str(tmp_path / "gpu.model"))  # values come back to the file from the GPU
    assert (tmp_path / "gpu.model").read_bytes() == (tmp_path / "m.model").read_bytes()


# ---- the file itself ---------------------------------------------------------------------------
def test_size_is_the_parameters_bytes_plus_a_little(tmp_path):
    z = C.layers.Dense(500)(C.layers.Dense(1000)(C.input_variable(300, name="x")))
    z.save(str(tmp_path / "m.model"))
    nbytes = sum(p.value.nbytes for p in z.parameters)
    size = os.path.getsize(tmp_path / "m.model")
    assert nbytes < size < nbytes + 4096


def test_the_archive_holds_graph_json_and_values_npz(tmp_path):
    z = C.layers.Dense(2, name="d")(C.input_variable(3, name="x"))
    z.save(str(tmp_path / "m.model"))
    with zipfile.ZipFile(tmp_path / "m.model") as zf:
        assert zf.namelist() == ["graph.json", "values.npz"]
        graph = json.loads(zf.read("graph.json"))
        values = np.load(io.BytesIO(zf.read("values.npz")), allow_pickle=False)
        assert graph["format"] == "cntkr-model" and graph["version"] == 1
        kinds = [n["kind"] for n in graph["nodes"]]
        assert kinds == ["input", "parameter", "parameter", "function"]
        assert graph["nodes"][-1]["op"] == "Dense" and graph["nodes"][-1]["name"] == "d"
        np.testing.assert_array_equal(values[graph["nodes"][1]["value"]], z.W.value)


def test_a_model_rezipped_with_compression_still_loads(tmp_path):
    """The values are read in place from the stored archive; a compressed one (a zip tool's
    repacking) is read through memory."""
    z = C.layers.Dense(3)(C.input_variable(4, name="x"))
    z.save(str(tmp_path / "m.model"))
    with zipfile.ZipFile(tmp_path / "m.model") as src, \
            zipfile.ZipFile(tmp_path / "packed.model", "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    g = C.load_model(str(tmp_path / "packed.model"))
    _same(g.eval(np.ones((2, 4), np.float32)), z.eval(np.ones((2, 4), np.float32)), "eval")


FIXTURES = pathlib.Path(__file__).parent / "model_files"


def test_files_of_format_version_1_keep_loading(tmp_path):
    """A committed version-1 file (tests/model_files/make_fixture.py made it) loads, computes its
    recorded output, keeps its names and variants, and saves again to the same bytes."""
    io_ = np.load(FIXTURES / "v1_io.npz")
    g = C.load_model(str(FIXTURES / "v1.cntkr"))
    np.testing.assert_allclose(g.eval(io_["x"]), io_["y"], rtol=1e-6, atol=1e-7)
    assert g.name == "out" and g.conv.W.shape == (3, 2, 3, 3) and g.arguments[0].name == "img"
    assert g.bn.aggregate_variance.value.min() >= 0.5
    g.save(str(tmp_path / "again.cntkr"))
    assert (tmp_path / "again.cntkr").read_bytes() == (FIXTURES / "v1.cntkr").read_bytes()


def test_typed_params_round_trip():
    from cntkr_py.variables import Axis
    values = [None, True, 3, -2.5, float("inf"), float("-inf"), "max", (1, (2, 3)), [True, (4,)],
              {"a": (1,), "b": [None]}, Axis(2), Axis.all_static_axes(), Axis.default_batch_axis(),
              np.float32(0.1), np.int64(7)]
    for v in values:
        enc = model_file._encode(v, "p")
        back = model_file._decode(json.loads(json.dumps(enc, allow_nan=False)), "p")
        assert back == v and type(back) is type(v), v
    nan = model_file._decode(model_file._encode(float("nan"), "p"), "p")
    assert nan != nan
    with pytest.raises(ValueError, match="cannot store"):
        model_file._encode(lambda t: t, "Relu node: param 'fn'")


def test_save_refuses_what_it_cannot_store(tmp_path):
    from cntkr_py.ops.primitive import Op, same_shape
    mine = Op("MyOwnOp", shape=same_shape, forward=lambda t: t)  # not declared in cntkr's modules
    f = mine([C.input_variable(3)])
    with pytest.raises(ValueError, match="'MyOwnOp' cannot be saved"):
        f.save(str(tmp_path / "m.model"))
    assert not (tmp_path / "m.model").exists()
    z = C.relu(C.input_variable(3))
    with pytest.raises(NotImplementedError, match="ONNX"):
        z.save(str(tmp_path / "m.onnx"), format=C.ModelFormat.ONNX)
    with pytest.raises(NotImplementedError, match="use_external_files_to_store_parameters"):
        z.save(str(tmp_path / "m.model"), use_external_files_to_store_parameters=True)
    with pytest.raises(TypeError, match="filename must be a path"):
        z.save(3)


# ---- files that are not models ------------------------------------------------------------------
def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _good_graph():
    z = C.layers.Dense(2)(C.input_variable(3, name="x"))
    with zipfile.ZipFile(io.BytesIO(model_file.model_bytes(z))) as zf:
        return json.loads(zf.read("graph.json")), zf.read("values.npz")


def _with(graph_edit=None, values=None):
    graph, vals = _good_graph()
    if graph_edit:
        graph_edit(graph)
    return _zip({"graph.json": json.dumps(graph), "values.npz": vals if values is None else values})


class _Boom:
    """Unpickling this would create the file named by SENTINEL."""

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(os.environ["CNTKR_TEST_SENTINEL"]),))


def test_a_pickle_in_values_npz_is_refused_without_running(tmp_path, monkeypatch):
    sentinel = tmp_path / "pwned"
    monkeypatch.setenv("CNTKR_TEST_SENTINEL", str(sentinel))
    evil = np.empty((3, 2), dtype=object)
    evil[...] = _Boom()
    npz = io.BytesIO()
    np.savez(npz, v1=evil, v2=np.zeros(2, np.float32))
    path = tmp_path / "evil.model"
    path.write_bytes(_with(values=npz.getvalue()))
    with pytest.raises(ValueError, match=f"{path}: .*'v1' holds Python objects"):
        C.load_model(str(path))
    assert not sentinel.exists()
    # a plain .npy of objects as values.npz: refused by numpy's allow_pickle=False
    npy = io.BytesIO()
    np.save(npy, evil, allow_pickle=True)
    path.write_bytes(_with(values=npy.getvalue()))
    with pytest.raises(ValueError, match=f"{path}: values.npz: not a readable value archive.*pickle"):
        C.load_model(str(path))
    assert not sentinel.exists()


def test_an_array_header_claiming_more_than_the_file_holds_is_refused(tmp_path):
    """The .npy header is checked before any memory is allocated for it."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "<f4", "fortran_order": False,
                                                "shape": (100000, 1000)})

    def huge(graph):
        graph["nodes"][1]["shape"] = [100000, 1000]
    path = tmp_path / "huge.model"
    path.write_bytes(_with(huge, values=_zip({"v1.npy": head.getvalue(),
                                               "v2.npy": _npy(np.zeros(2, np.float32))})))
    with pytest.raises(ValueError, match=f"{path}: .*'v1' claims more bytes than the archive holds"):
        C.load_model(str(path))


def _npy(arr):
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


def _set(key, value, node=None):
    def edit(graph):
        (graph if node is None else graph["nodes"][node])[key] = value
    return edit


BAD = [
    ("garbage", b"hello world, not a model", "not a cntkr model file"),
    ("empty", b"", "not a cntkr model file"),
    ("truncated", None, "not a cntkr model file"),
    ("zip_without_graph", _zip({"values.npz": b""}), "has no graph.json"),
    ("graph_not_json", _zip({"graph.json": b"{nope"}), "not valid JSON"),
    ("graph_with_nan", _zip({"graph.json": b'{"format": NaN}'}), "not valid JSON"),
    ("deep_nesting", _zip({"graph.json": b"[" * 100000 + b"]" * 100000}), "not valid JSON"),
    ("other_format", _with(_set("format", "onnx")), "does not name the format"),
    ("future_version", _with(_set("version", 99)), "version 99 is not one this cntkr reads"),
    ("unknown_op", _with(_set("op", "os.system", node=3)), "unknown op 'os.system'"),
    ("forward_reference", _with(_set("inputs", [0, 1, 3], node=3)), "indices of earlier nodes"),
    ("unknown_kind", _with(_set("kind", "code", node=0)), "unknown kind 'code'"),
    ("bad_dtype", _with(_set("dtype", "object", node=1)), "dtype 'object'"),
    ("value_shape_mismatch", _with(_set("shape", [4, 2], node=1)), "stored value 'v1' has shape \\[3, 2\\]"),
    ("missing_value", _with(_set("value", "nothere", node=1)), "is not in values.npz"),
    ("unknown_tag", _with(_set("params", {"output_rank": {"eval": "1"}}, node=3)), "not a value of the format"),
    ("shape_rule_refuses", _with(_set("params", {"output_rank": 5}, node=3)), "cannot be rebuilt"),
    ("output_not_function", _with(_set("output", 0)), "'output' must be"),
    ("npz_not_zip", _with(values=b"not an npz"), "not a readable value archive"),
]


@pytest.mark.parametrize("name,data,match", BAD, ids=[b[0] for b in BAD])
def test_files_that_are_not_models_are_refused_naming_the_file(name, data, match, tmp_path):
    if data is None:
        data = model_file.model_bytes(C.relu(C.input_variable(3)))[:60]
    path = tmp_path / f"{name}.model"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=match) as info:
        C.load_model(str(path))
    assert str(path) in str(info.value)
    with pytest.raises(ValueError, match=match) as info:
        C.load_model(data)
    assert "model buffer" in str(info.value)


def test_missing_file_and_bad_arguments():
    with pytest.raises(ValueError, match="Cannot load the model /no/such.model that is neither"):
        C.load_model("/no/such.model")
    with pytest.raises(TypeError, match="model must be a file path or bytes"):
        C.load_model(3)
    with pytest.raises(NotImplementedError, match="ONNX"):
        C.load_model(b"", format=C.ModelFormat.ONNX)
    with pytest.raises(TypeError, match="device must be a DeviceDescriptor"):
        C.load_model(b"", device="gpu")


def test_save_values_and_load_values(tmp_path):
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "count": np.array(5, np.int64),
              "t": torch.ones(2, dtype=torch.float64)}
    model_file.save_values(tmp_path / "s.npz", arrays)
    first = (tmp_path / "s.npz").read_bytes()
    back = model_file.load_values(tmp_path / "s.npz")
    assert sorted(back) == ["count", "t", "w"] and back["count"].shape == ()
    np.testing.assert_array_equal(back["w"], arrays["w"])
    np.testing.assert_array_equal(np.load(tmp_path / "s.npz", allow_pickle=False)["t"], np.ones(2))
    model_file.save_values(tmp_path / "s.npz", back)
    assert (tmp_path / "s.npz").read_bytes() != b"" and first == (tmp_path / "s.npz").read_bytes()
    model_file.save_values(tmp_path / "meta.npz", {"meta.json": np.array('{"a": 1}')})
    assert str(model_file.load_values(tmp_path / "meta.npz")["meta.json"]) == '{"a": 1}'
    with pytest.raises(ValueError, match="numeric or string array"):
        model_file.save_values(tmp_path / "x.npz", {"a": np.array([{}], dtype=object)})
    model_file.save_values(tmp_path / "p.npz", {"learner/0/v": np.zeros(2)})  # a path of names
    assert list(np.load(tmp_path / "p.npz", allow_pickle=False)) == ["learner/0/v"]
    for bad in ("", "a//b", "/a", "a/", "../a", "a/./b", "a\\b", 3):
        with pytest.raises(ValueError, match="keys must be names or paths of names"):
            model_file.save_values(tmp_path / "x.npz", {bad: np.zeros(1)})


# ---- between the languages --------------------------------------------------------------------
ROOT = pathlib.Path(__file__).resolve().parents[1]

R_SCRIPT = r"""
suppressPackageStartupMessages(library(cntkr))
d <- commandArgs(trailingOnly = TRUE)[1]
n <- 2 * 3 * 5 * 5
xv <- array(seq_len(n) / n, c(2, 3, 5, 5))
m <- func_load(file.path(d, "py.model"))
y <- func_eval(m, xv)
py_y <- array(readBin(file.path(d, "py_y.bin"), "double", length(y)), dim(y))
stopifnot(identical(as.double(y), as.double(py_y)), m$first$W$value[1] == readBin(file.path(d, "w0.bin"), "double", 1))
func_save(m, file.path(d, "again.model"))
w <- m$first$W
w$value <- w$value * 2
func_save(m, file.path(d, "r.model"))
writeBin(as.double(func_eval(m, xv)), file.path(d, "r_y.bin"))
cat("ok\n")
"""


@pytest.mark.skipif(not (ROOT / ".Rlib" / "cntkr").is_dir(), reason="the R package is not installed "
                    "(tools/setup_r.sh)")
def test_a_model_moves_python_to_r_and_back_with_identical_outputs(tmp_path):
    """Python saves; R (a fresh Rscript) loads it, checks Python's output bit for bit, saves it
    again (the same bytes), doubles a weight and saves; Python loads R's model and gets R's output
    bit for bit."""
    import subprocess
    x = C.input_variable((3, 5, 5), name="img")
    z = C.layers.Sequential([C.layers.Convolution2D((3, 3), 2, activation=C.relu, name="first"),
                             C.layers.BatchNormalization(map_rank=1), C.layers.Dense(2, name="out")])(x)
    xv = (np.arange(1, 151) / 150).reshape((2, 3, 5, 5), order="F")
    z.save(str(tmp_path / "py.model"))
    np.asarray(z.eval(xv.astype(np.float32)), np.float64).ravel(order="F").tofile(tmp_path / "py_y.bin")
    np.array([z.first.W.value.reshape(-1, order="F")[0]], np.float64).tofile(tmp_path / "w0.bin")
    (tmp_path / "check.R").write_text(R_SCRIPT)
    env = dict(os.environ, RETICULATE_PYTHON=sys.executable)
    run = subprocess.run([str(ROOT / "tools" / "run_r.sh"), "Rscript", str(tmp_path / "check.R"), str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stdout + run.stderr
    assert (tmp_path / "again.model").read_bytes() == (tmp_path / "py.model").read_bytes()
    g = C.load_model(str(tmp_path / "r.model"))
    y = np.asarray(g.eval(xv.astype(np.float32)), np.float64)
    r_y = np.fromfile(tmp_path / "r_y.bin").reshape(y.shape, order="F")
    assert y.tobytes() == r_y.tobytes()
    np.testing.assert_array_equal(g.first.W.value, 2 * z.first.W.value)
