"""The layer base, through ConvolutionTranspose: members and names survive activations and
re-application, initializers get the layer's ranks (checked against CNTK 2.7's draws), bad
arguments and oversized parameters are refused."""
import math

import numpy as np
import pytest
import torch

import cntkr_py as C
from cntkr_py.layers import base
from goldens_io import GOLDENS, load

STATS = load(GOLDENS / "initializers" / "statistics.json")["cases"]
Z = 5.0
KURT = {"uniform": 1.8, "normal": 3.0, "truncated_normal": 2.3}


@pytest.mark.parametrize("act", [C.identity, C.relu, lambda v: C.leaky_relu(v, 0.3)],
                         ids=["identity", "relu", "lambda"])
def test_name_and_members_survive_the_activation(act):
    layer = C.layers.ConvolutionTranspose((3, 3), 2, activation=act, name="up")
    f = layer(C.input_variable((1, 4, 4)))
    assert f.name == "up" and f.W is layer.W and f.b is layer.b
    g = f(C.input_variable((1, 4, 4)))  # re-applied
    assert g.name == "up" and g.W is layer.W and g.b is layer.b
    assert C.layers.ConvolutionTranspose(3, 2, bias=False)(C.input_variable((1, 4))).b is None


def test_layer_members_cannot_be_replaced():
    layer = C.layers.ConvolutionTranspose(3, 2)
    with pytest.raises(AttributeError, match=r"W is a parameter of the layer.*W.value = "):
        layer.W = 3
    layer(C.input_variable((1, 4)))
    layer.W.value = np.ones((1, 2, 3))
    np.testing.assert_array_equal(layer.W.value, np.ones((1, 2, 3)))


@pytest.mark.parametrize("num_filters", [(2, 3), [1, 1], np.array([2, 2])])
def test_num_filters_is_one_number(num_filters):
    with pytest.raises((ValueError, TypeError), match="num_filters"):
        C.layers.ConvolutionTranspose(3, num_filters)


def test_output_shape_needs_one_value_per_filter_axis():
    # CNTK 2.7 rejects (9,) for a 2-D filter ("input and kernel tensors must have the same rank")
    with pytest.raises(ValueError, match=r"output_shape must have one value per filter axis \(2\)"):
        C.layers.ConvolutionTranspose((3, 3), 2, output_shape=(9,))
    # one number is used on every axis (cntkr's reading; CNTK 2.7 raises a TypeError)
    f = C.layers.ConvolutionTranspose((3, 3), 2, output_shape=9)(C.input_variable((1, 7, 7)))
    assert f.shape == (2, 9, 9)


def _layer_cases():
    return [c for c in STATS if c.get("via") != "parameter" and c["init"] in
            ("he_uniform", "he_normal", "xavier", "glorot_uniform", "glorot_normal", "normal")]


@pytest.mark.parametrize("case", _layer_cases(), ids=lambda c: c["id"])
def test_layer_draws_w_as_cntk_did(case):
    """The layer passes its ranks (output_rank=-1, filter_rank=len(filter_shape)) to its
    initializer: W drawn *through the layer* has the spread CNTK 2.7's layer drew (a fan_in/
    fan_out swap changes it by sqrt(fan_in/fan_out), see test_initializers.py)."""
    kw = dict(case["layer"])
    for key in ("filter_shape", "strides", "pad", "output_shape"):
        if isinstance(kw.get(key), list):
            kw[key] = tuple(kw[key])
    if kw.get("num_filters") == []:
        kw["num_filters"] = ()
    vals = []
    for k in range(case["draws"]):
        init = getattr(C, case["init"])(**case["init_args"], seed=k + 1)
        layer = C.layers.ConvolutionTranspose(**kw, init=init)
        layer(C.input_variable(tuple(case["input_shape"])))
        assert list(layer.W.shape) == case["W_shape"]
        vals.append(torch.from_numpy(layer.W.value).reshape(-1).double())
    ours = torch.cat(vals)
    dist = case["cntk_formula"]["distribution"]
    se = math.sqrt((KURT[dist] - 1) / (4.0 * ours.numel()))
    s = ours.std(unbiased=False).item()
    assert abs(s / case["std"] - 1) < Z * math.sqrt(2) * se, (s, case["std"])


def test_oversized_parameters_are_refused(monkeypatch):
    monkeypatch.setattr(base, "_available_memory", lambda: 2**30)
    layer = C.layers.ConvolutionTranspose(2**31 - 1, 4)
    with pytest.raises(MemoryError, match=r"W of shape \(1, 4, 2147483647\) needs 32\.0 GiB"):
        layer(C.input_variable((1, 3)))
    assert not layer.W._resolved()


def test_large_parameters_warn(monkeypatch):
    monkeypatch.setattr(base, "_WARN_BYTES", 1000)
    layer = C.layers.ConvolutionTranspose(300, 4)
    with pytest.warns(UserWarning, match=r"W of shape \(1, 4, 300\) takes 0\.0 GiB"):
        layer(C.input_variable((1, 3)))
    assert layer.W.shape == (1, 4, 300)


def test_set_fixed_random_seed_makes_initial_values_reproducible():
    def draw():
        return C.layers.ConvolutionTranspose((3, 3), 2)(C.input_variable((2, 4, 4))).W.value
    C.cntk_py.set_fixed_random_seed(7)
    a = draw()
    C.cntk_py.set_fixed_random_seed(7)
    np.testing.assert_array_equal(draw(), a)
    assert not np.array_equal(draw(), a)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        C.cntk_py.set_fixed_random_seed(-1)
