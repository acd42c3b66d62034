"""Every golden case from real CNTK 2.7 (tests/goldens/<family>/cases/), forward and gradients,
through the CNTK-style Python API; and the generator's case registry (tools/goldens/) against the
files on disk."""
import pathlib
import sys
import types

import numpy as np
import pytest

import cntkr_py as C
from goldens_io import (array, case_files, case_id, errors, families, family_of, layer_kwargs, load, param_names,
                        tolerances)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
import goldens as registry  # noqa: E402  (tools/goldens: the generator's families, read without CNTK)

CASES = case_files()


def build_layer(family, case):
    """layers/<Name>: C.layers.<Name>(**case["layer"]) applied to one input."""
    dtype = np.dtype(case["dtype"])
    x = C.input_variable(tuple(case["input_shape"]), dtype=dtype, needs_gradient=True)
    layer = getattr(C.layers, family.split("/", 1)[1])(**layer_kwargs(case, C))
    return layer(x), x, layer


def build_op(family, case):
    """ops/<group>: C.<op>(*operands, **kwargs); inputs are input_variables named after their operand
    (fed batched), parameters C.parameter, constants C.constant, numbers plain numbers."""
    dtype = np.dtype(case["dtype"])
    args, inputs, owner = [], {}, types.SimpleNamespace()
    for o in case["operands"]:
        name, kind = o["name"], o["kind"]
        if kind == "number":
            args.append(o["value"])
        elif kind == "input":
            inputs[name] = C.input_variable(tuple(o["shape"]), dtype=dtype, needs_gradient=True, name=name)
            args.append(inputs[name])
        elif kind == "parameter":
            setattr(owner, name, C.parameter(tuple(o["shape"]), dtype=dtype, name=name))
            args.append(getattr(owner, name))
        else:
            args.append(C.constant(array(case[name]), dtype=dtype, name=name))
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    return getattr(C, case["op"])(*args, **kwargs), inputs, owner


# How a family's cases are built, by family or by the folder above it: (f, its input x or a dict
# {name: input} of several, the object whose attributes are the case's parameters).
BUILDERS = {"layers": build_layer, "ops": build_op}


def build_composite(family, case):
    """composites: the case's model (tools/goldens/composites.py) as C.layers.Sequential applied
    to one input; its named layers' parameters as "<layer>_<param>" attributes of the owner."""
    import types

    from goldens import composites as cm
    x = C.input_variable(tuple(case["input_shape"]), dtype=np.dtype(case["dtype"]), needs_gradient=True)
    acts = {a: getattr(C, a) for a in cm.ACT}
    z = C.layers.Sequential(cm.build(C.layers, acts, case["model"]))(x)
    owner = types.SimpleNamespace(**dict(cm.param_keys(z, case["model"])))
    return z, x, owner


BUILDERS["composites"] = build_composite


def build_crop_graph(family, case):
    """ops/crop: the case's graph (tools/goldens/ops_crop.py: leaves, then ops applied in order);
    inputs fed by name, parameters reached as attributes of the owner."""
    from goldens import ops_crop
    dtype = np.dtype(case["dtype"])
    leaves, inputs, owner = {}, {}, types.SimpleNamespace()
    for o in case["operands"]:
        if o["kind"] == "input":
            leaves[o["name"]] = inputs[o["name"]] = C.input_variable(
                tuple(o["shape"]), dtype=dtype, needs_gradient=True, name=o["name"])
        else:
            leaves[o["name"]] = C.parameter(tuple(o["shape"]), dtype=dtype, name=o["name"])
            setattr(owner, o["name"], leaves[o["name"]])
    return ops_crop.build(C, {"nodes": case["graph"]}, leaves), inputs, owner


BUILDERS["ops/crop"] = build_crop_graph


def build_learner(family, case):
    """learners: the case's learner (tools/goldens/learners.py: make_learner) over three parameters,
    updated step by step through Learner.update (reset_learning_rate where the case has it); checks
    each update's result and learning_rate(), returns {golden key: value} of the values after each step."""
    from goldens import learners as gl
    dtype = np.dtype(case["dtype"])
    ps = [C.parameter(shape=tuple(case[f"p{k}"]["shape"]), init=array(case[f"p{k}"]), dtype=dtype, name=f"p{k}")
          for k in range(len(gl.SHAPES))]
    learner = gl.make_learner(C, case, ps)
    checks = {}
    for s, step in enumerate(case["steps"]):
        if step["reset"] is not None:
            learner.reset_learning_rate(gl.schedule_value(C, step["reset"]))
        done = learner.update({p: array(case[f"g{s}_p{k}"]) for k, p in enumerate(ps)}, step["mb"], step["sweep_end"])
        assert done == case["returned"][s], f"step {s}: update returned {done}"
        assert learner.learning_rate() == pytest.approx(case["learning_rate"][s], rel=1e-12), f"step {s}"
        checks.update({f"w{s}_p{k}": p.value for k, p in enumerate(ps)})
    return checks


BUILDERS["learners"] = build_learner


def builder(family):
    build = BUILDERS.get(family) or BUILDERS.get(family.split("/")[0])
    assert build is not None, f"no builder for golden family {family} in tests/test_goldens.py"
    return build


def test_golden_set_is_large():
    assert len(case_files("layers/ConvolutionTranspose")) >= 300


@pytest.mark.parametrize("path", CASES, ids=[case_id(p) for p in CASES])
def test_golden(path):
    family = family_of(path)
    case = load(path)
    built = builder(family)(family, case)
    if isinstance(built, dict):  # a family that runs its own steps: {golden key: the value to compare}
        for key, value in built.items():
            assert value.dtype == np.dtype(case["dtype"]), key
            np.testing.assert_allclose(value, array(case[key]), err_msg=key, **tolerances(case["dtype"]))
        return
    f, x, owner = built
    xs = x if isinstance(x, dict) else {"x": x}
    dtype = np.dtype(case["dtype"])
    params = [p for p in param_names(case) if case[p] is not None and p not in xs]
    for p in param_names(case):
        if case[p] is None and p not in xs:
            assert getattr(owner, p) is None, p
    for p in params:
        getattr(owner, p).value = array(case[p])
    feed = {v: array(case[k]) for k, v in xs.items()}
    tol = tolerances(case["dtype"])

    y = f.eval(feed)
    expected = array(case["y"])
    assert y.dtype == dtype and y.shape == expected.shape
    np.testing.assert_allclose(y, expected, **tol)

    wrt = [getattr(owner, p) for p in params] + list(xs.values())
    grads = f.grad(feed, wrt=wrt)
    if len(wrt) == 1:  # CNTK returns the bare array
        grads = {wrt[0]: grads}
    for k, v in xs.items():
        np.testing.assert_allclose(grads[v], array(case[f"grad_{k}"]), err_msg=k, **tol)
    for p in params:
        np.testing.assert_allclose(grads[getattr(owner, p)], array(case[f"grad_{p}"]), err_msg=p, **tol)


def test_every_family_on_disk_is_registered_in_the_generator():
    assert families() == sorted(registry.load_all())


@pytest.mark.parametrize("name", [n for n, f in registry.load_all().items() if hasattr(f, "specs")])
def test_case_registry_lists_exactly_the_cases_on_disk(name):
    """A case family's spec list (built without CNTK) names every case file and every error entry
    once, and nothing else: the registry and the files agree."""
    specs = registry.FAMILIES[name].specs().items
    on_disk = sorted([p.stem for p in case_files(name)] + [e["id"] for e in errors(name)])
    assert sorted(s["id"] for s in specs) == on_disk
    rejected = {e["id"] for e in errors(name)}
    assert all(s["id"] in rejected for s in specs if s["expect_error"])
