"""Golden families of ops ("ops/<group>"): one generic case kind for every op of CNTK's Python API.

A case is an op (`C.<op>`), its keyword arguments and its operands, passed positionally in order:

- {"name": "a", "kind": "input", "shape": [2, 3]}: `C.input_variable(shape, needs_gradient=True,
  name="a")`, fed `batch` samples (batched: the value has shape [batch] + shape);
- {"name": "b", "kind": "parameter", "shape": [3]}: `C.parameter(shape, init=value, name="b")`
  (no batch axis; differentiated);
- {"name": "c", "kind": "constant", "shape": [3]}: `C.constant(value, name="c")` (not differentiated);
- {"name": "d", "kind": "number", "value": 2.0}: the plain number.

An operand may say how its values are drawn: "values": "randn" (default), "positive"
(uniform in [0.5, 2)), "ints" (small integers in [-2, 2], ties and zeros on purpose), or an explicit
flat list (row-major, length of the whole value including the batch axis for inputs).

A family module registers with `register(OpFamily("ops/<group>", specs))`, where `specs()` returns
an `OpCases` filled with `add(cid, group, op, operands, kwargs=..., dtype=..., batch=...)`.
Case file format: tests/goldens/FORMAT.md ("ops" families).
"""
import json
import os
from collections import OrderedDict

import numpy as np

from ._base import CaseFamily, Cases, arr


class OpCases(Cases):
    """The case list of an op family."""

    def __init__(self):
        Cases.__init__(self, config_key="op")

    def add(self, cid, group, op, operands, kwargs=None, dtype="float32", batch=2, seed=None,
            expect_error=False):
        config = OrderedDict([("name", op), ("kwargs", kwargs or {}), ("operands", operands)])
        Cases.add(self, cid, group, config, [], dtype=dtype, batch=batch, seed=seed, expect_error=expect_error)
        del self.items[-1]["input_shape"]


def operand(name, kind, shape=None, values=None, value=None):
    """An operand spec (see the module docstring)."""
    o = OrderedDict([("name", name), ("kind", kind)])
    if kind == "number":
        o["value"] = value
    else:
        o["shape"] = list(shape)
        if values is not None:
            o["values"] = values
    return o


def inp(name, shape, values=None):
    """An input operand (with the batch axis)."""
    return operand(name, "input", shape, values)


def par(name, shape, values=None):
    """A parameter operand."""
    return operand(name, "parameter", shape, values)


def const(name, shape, values=None):
    """A constant operand."""
    return operand(name, "constant", shape, values)


def num(name, value):
    """A plain number operand."""
    return operand(name, "number", value=value)


def draw(rs, values, shape, dtype):
    if values is None or values == "randn":
        a = rs.randn(*shape)
    elif values == "positive":
        a = rs.uniform(0.5, 2.0, size=shape)
    elif values == "ints":
        a = rs.randint(-2, 3, size=shape).astype(np.float64)
    elif isinstance(values, list):
        a = np.asarray(values, dtype=np.float64).reshape(shape)
    else:
        raise ValueError("unknown operand values %r" % (values,))
    return np.asarray(a, dtype=dtype)


def recipe(C, spec, stage):
    """One case in CNTK: the op on its operands; y and the gradients of sum(y) w.r.t. every input
    and parameter."""
    dtype = np.float64 if spec["dtype"] == "float64" else np.float32
    rs = np.random.RandomState(spec["seed"])
    op = spec["op"]
    stage("construct")
    args, values, wrt, feed = [], OrderedDict(), [], {}
    for o in op["operands"]:
        kind, name = o["kind"], o["name"]
        if kind == "number":
            args.append(o["value"])
            continue
        shape = tuple(o["shape"])
        if kind == "input":
            v = draw(rs, o.get("values"), (spec["batch"],) + shape, dtype)
            var = C.input_variable(shape, dtype=dtype, needs_gradient=True, name=name)
            feed[var] = v
            wrt.append((name, var))
        elif kind == "parameter":
            v = draw(rs, o.get("values"), shape, dtype)
            var = C.parameter(shape, init=v, dtype=dtype, name=name)
            wrt.append((name, var))
        elif kind == "constant":
            v = draw(rs, o.get("values"), shape, dtype)
            var = C.constant(v, dtype=dtype, name=name)
        else:
            raise ValueError("unknown operand kind %r" % kind)
        values[name] = v
        args.append(var)
    kwargs = dict(op["kwargs"])
    for k, v in kwargs.items():
        if isinstance(v, list):
            kwargs[k] = tuple(v)
    f = getattr(C, op["name"])(*args, **kwargs)
    stage("eval")
    y = f.eval(feed) if feed else f.eval()
    stage("grad")
    grads = {}
    if wrt:
        g = f.grad(feed, wrt=[v for _, v in wrt]) if feed else f.grad({}, wrt=[v for _, v in wrt])
        if not isinstance(g, dict):
            g = {wrt[0][1]: g}
        gd = dict((v.uid, a) for v, a in g.items())
        grads = OrderedDict((n, gd[v.uid]) for n, v in wrt)
    stage("record")
    case = OrderedDict([("id", spec["id"]), ("group", spec["group"]), ("op", op["name"]),
                        ("kwargs", op["kwargs"]), ("operands", op["operands"]), ("dtype", spec["dtype"]),
                        ("batch", spec["batch"])])
    for n, v in values.items():
        case[n] = arr(v)
    case["y"] = arr(y)
    for n, g in grads.items():
        case["grad_" + n] = arr(g)
    for key, a in case.items():
        if isinstance(a, dict) and "dtype" in a and key not in ("kwargs",):
            assert a["dtype"] == spec["dtype"], (key, a["dtype"])
    return case


def backend_failure(e):
    return e["stage"] == "crash"


class OpFamily(CaseFamily):
    """An "ops/<group>" family: cases as above, written in the record's own key order."""

    def __init__(self, name, specs):
        CaseFamily.__init__(self, name, specs, recipe, case_keys=[], config_keys=["op"],
                            backend_failure=backend_failure)

    def dump_case(self, case, path):
        with open(path, "w") as fh:
            fh.write("{\n")
            fh.write(",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in case.items()))
            fh.write("\n}\n")
