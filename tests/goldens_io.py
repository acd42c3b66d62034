"""Reading the golden cases in tests/goldens/ (format: tests/goldens/FORMAT.md)."""
from __future__ import annotations

import json
import pathlib

import numpy as np

GOLDENS = pathlib.Path(__file__).parent / "goldens"


def array(a):
    """A golden array as NumPy (None stays None)."""
    if a is None:
        return None
    return np.asarray(a["data"], dtype=a["dtype"]).reshape(a["shape"])


def convtranspose_cases():
    return sorted((GOLDENS / "convtranspose").glob("*.json"))


def load(path):
    return json.loads(pathlib.Path(path).read_text())


def layer_kwargs(case, C):
    """The case's ConvolutionTranspose keyword arguments, with activation names resolved."""
    kw = dict(case["layer"])
    if "activation" in kw:
        kw["activation"] = getattr(C, kw["activation"])
    for key in ("filter_shape", "strides", "pad", "output_shape", "dilation"):
        if isinstance(kw.get(key), list):
            kw[key] = tuple(kw[key])
    return kw
