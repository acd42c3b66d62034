"""Reading the golden files in tests/goldens/ (layout and format: tests/goldens/FORMAT.md).

A family is a directory under tests/goldens/ ("layers/ConvolutionTranspose", "initializers");
its eval/grad cases are `<family>/cases/<id>.json`, the configurations CNTK rejects
`<family>/errors.json`.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np

GOLDENS = pathlib.Path(__file__).parent / "goldens"


def load(path):
    return json.loads(pathlib.Path(path).read_text())


def array(a):
    """A golden array as NumPy (None stays None)."""
    if a is None:
        return None
    return np.asarray(a["data"], dtype=a["dtype"]).reshape(a["shape"])


def tolerances(dtype):
    """rtol = atol for comparing with a golden of this dtype (numpy.testing.assert_allclose)."""
    return dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)


def families():
    """Every family on disk: a directory holding a `cases/` directory or JSON files."""
    found = set()
    for p in GOLDENS.rglob("*.json"):
        d = p.parent.parent if p.parent.name == "cases" else p.parent
        found.add(d.relative_to(GOLDENS).as_posix())
    return sorted(found)


def case_files(family=None):
    """The case files of one family, or of every family, sorted."""
    pattern = f"{family}/cases/*.json" if family else "**/cases/*.json"
    return sorted(GOLDENS.glob(pattern))


def family_of(path):
    """The family of a case file (`<family>/cases/<id>.json`)."""
    return pathlib.Path(path).parent.parent.relative_to(GOLDENS).as_posix()


def case_id(path):
    """A case's test id: family and case id."""
    return f"{family_of(path)}/{pathlib.Path(path).stem}"


def errors(family):
    """The configurations CNTK rejects, for one family."""
    return load(GOLDENS / family / "errors.json")


def param_names(case):
    """The parameters a case sets and differentiates: every key with a `grad_<key>` but x, in file
    order ("W", "b"); one that is null (b without bias) is absent from the layer."""
    return [k for k in case if f"grad_{k}" in case and k != "x"]


def layer_kwargs(case, C):
    """The case's layer keyword arguments, with activation names resolved."""
    kw = dict(case["layer"])
    if "activation" in kw:
        kw["activation"] = getattr(C, kw["activation"])
    for key in ("filter_shape", "strides", "pad", "output_shape", "dilation"):
        if isinstance(kw.get(key), list):
            kw[key] = tuple(kw[key])
    return kw
