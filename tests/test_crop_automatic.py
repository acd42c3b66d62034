"""crop_automatic / crop_automatic_with_ancestors: offsets from the graph, as CNTK 2.7 finds them
(the goldens in tests/goldens/ops/crop check values and gradients; here: re-application, the
rejections CNTK makes, and argument errors)."""
import sys
import pathlib

import numpy as np
import pytest

import cntkr_py as C
from goldens_io import errors

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
from goldens import ops_crop  # noqa: E402


def _leaves(operands):
    return {o["name"]: (C.input_variable(tuple(o["shape"]), name=o["name"]) if o["kind"] == "input"
                        else C.parameter(tuple(o["shape"]), name=o["name"]))
            for o in operands}


@pytest.mark.parametrize("entry", errors("ops/crop"), ids=lambda e: e["id"])
def test_rejected_as_cntk_rejects_them(entry):
    graph = entry["graph"]
    with pytest.raises(ValueError, match="crop_automatic"):
        ops_crop.build(C, graph, _leaves(graph["operands"]))


def _unet(x):
    c1 = C.layers.Convolution2D(3, 2, pad=False, activation=C.relu)(x)
    p = C.layers.MaxPooling((2, 2), strides=2)(c1)
    c2 = C.layers.Convolution2D(3, 2, pad=False)(p)
    d = C.layers.ConvolutionTranspose2D(2, 2, strides=2, bias=False)(c2)
    return c1, d, C.crop_automatic(c1, d)


def offsets(f):
    return f._inferred.extra["offset_y"], f._inferred.extra["offset_x"]


def test_unet_skip_offsets_and_values():
    x = C.input_variable((1, 20, 20))
    c1, d, k = _unet(x)
    assert k.shape == (2, 14, 14) and offsets(k) == (2, 2)  # CNTK 2.7: (2, 2)
    assert k.op_name == "Crop" and k.attributes == {}
    xv = np.random.RandomState(0).randn(2, 1, 20, 20).astype(np.float32)
    np.testing.assert_allclose(k.eval({x: xv}), c1.eval({x: xv})[..., 2:16, 2:16], rtol=1e-6)


def test_reapplied_to_another_shape():
    x = C.input_variable((1, 20, 20))
    _, _, k = _unet(x)
    k2 = k.clone(C.CloneMethod.share, {x: C.input_variable((1, 28, 24))})  # every rule runs again
    assert k2.shape == (2, 22, 18) and offsets(k2) == (2, 2)
    xv = np.random.RandomState(1).randn(1, 1, 28, 24).astype(np.float32)
    assert k2.eval(xv).shape == (1, 2, 22, 18)


@pytest.mark.parametrize("kernel,pad,expected", [((3, 5), False, (1, 2)), ((4, 4), False, (1, 1)),
                                                 ((3, 3), True, (0, 0))])
def test_offsets_as_cntk(kernel, pad, expected):  # measured in CNTK 2.7
    x = C.input_variable((1, 20, 20))
    k = C.crop_automatic(x, C.layers.Convolution2D(kernel, 2, pad=pad)(x))
    assert offsets(k) == expected


def test_one_dimensional_pooling_keeps_the_height():  # CNTK 2.7: offsets (0, 1)
    x = C.input_variable((1, 20, 20))
    p = C.layers.MaxPooling((3,), strides=2)(x)
    d = C.layers.ConvolutionTranspose2D((1, 2), 1, strides=(1, 2), bias=False)(p)
    k = C.crop_automatic(x, d)
    assert k.shape == (1, 20, 18) and offsets(k) == (0, 1)


def test_ancestors_stand_for_each_other():
    x, labels = C.input_variable((1, 20, 20)), C.input_variable((3, 20, 20))
    z = C.layers.Convolution2D((5, 3), 2, pad=False)(C.layers.Convolution2D(3, 2, pad=False)(x))
    k = C.crop_automatic_with_ancestors(labels, z, labels, x)
    assert k.shape == (3, 14, 16) and offsets(k) == (3, 2)  # CNTK 2.7: (3, 2)
    with pytest.raises(ValueError, match="no common ancestor"):
        C.crop_automatic(labels, z)
    other = C.input_variable((1, 20, 20))
    with pytest.raises(ValueError, match="ancestor_input is not an ancestor of node_input"):
        C.crop_automatic_with_ancestors(labels, z, other, x)


def test_gradient_only_to_the_cropped_input():
    x = C.input_variable((1, 8, 8), needs_gradient=True)
    c = C.layers.Convolution2D(3, 1, pad=False, bias=False)(x)
    k = C.crop_automatic(x, c)
    g = k.grad(np.ones((1, 1, 8, 8), np.float32), wrt=[x, c.W])
    expected = np.zeros((1, 1, 8, 8), np.float32)
    expected[..., 1:7, 1:7] = 1
    np.testing.assert_array_equal(g[x], expected)
    np.testing.assert_array_equal(g[c.W], 0)


def test_argument_errors_name_the_argument():
    x = C.input_variable((5,))
    with pytest.raises(ValueError, match="node_input of shape"):
        C.crop_automatic(x, x)
    y = C.input_variable((1, 4, 4))
    with pytest.raises(ValueError, match="node_referent of shape"):
        C.crop_automatic(y, C.input_variable((4,)))
    with pytest.raises(ValueError, match="through Slice"):
        C.crop_automatic(y, C.slice(y, 1, 0, 2))
