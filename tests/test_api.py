"""The CNTK-style API around the layer: variables, eval/grad conventions, ops, devices."""
import numpy as np
import pytest
import torch

import cntkr_py as C
from cntkr_py import executor

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")


def test_input_variable():
    x = C.input_variable((3, 4), name="x")
    assert x.shape == (3, 4) and x.dtype == np.float32 and x.name == "x" and not x.needs_gradient
    assert x.dynamic_axes == (C.Axis.default_batch_axis(),)
    assert C.input_variable(5).shape == (5,)
    assert C.input_variable(2, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match=r"shape\[1\] must be a non-negative dimension"):
        C.input_variable((2, -3))
    with pytest.raises(TypeError, match="dtype must be float32, float64 or float16"):
        C.input_variable(2, dtype=np.int32)
    with pytest.raises(NotImplementedError, match="is_sparse"):
        C.input_variable(2, is_sparse=True)


def test_parameter_and_constant():
    p = C.parameter((2, 3), init=C.glorot_uniform(seed=1), name="p")
    assert p.shape == (2, 3) and p.value.dtype == np.float32 and p.name == "p"
    p.value = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(p.value, np.arange(6).reshape(2, 3))
    assert C.parameter(init=np.ones((4, 1))).shape == (4, 1)
    c = C.constant(2.5, shape=(2, 2))
    np.testing.assert_array_equal(c.value, np.full((2, 2), 2.5, np.float32))
    x = C.input_variable(3)
    f = x * c.value[0, :1] + C.constant(np.float32(1))
    np.testing.assert_allclose(f.eval(np.ones((2, 3), np.float32)), np.full((2, 3), 3.5))
    with pytest.raises(ValueError, match="parameter: give shape"):
        C.parameter()


def test_eval_forms():
    x = C.input_variable(2)
    f = C.relu(x)
    a = np.array([[1.0, -2.0], [-3.0, 4.0]], np.float32)
    np.testing.assert_array_equal(f.eval({x: a}), np.maximum(a, 0))
    np.testing.assert_array_equal(f.eval(a), np.maximum(a, 0))
    assert f.eval(np.array([1.0, -1.0])).shape == (1, 2)        # single sample -> batch of 1
    assert isinstance(f.eval(a, as_numpy=False), torch.Tensor)
    assert f.arguments == [x] and f.parameters == [] and f.shape == (2,)


def test_eval_fast_path_agrees_with_the_general_path(monkeypatch):
    # Function.eval's common case (one batched input, a C-contiguous array of its dtype, CPU)
    # skips the general machinery; device=cpu() forces the general path
    cpu = C.device.cpu()
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = C.input_variable((2, 5, 4), dtype=dtype)
        layer = C.layers.ConvolutionTranspose((3, 2), num_filters=3, strides=2, pad=True,
                                              init=C.glorot_uniform(seed=2), init_bias=0.5)
        f = C.tanh(layer(x))
        v = rng.standard_normal((3, 2, 5, 4)).astype(dtype)
        for args in (v, {x: v}):
            assert executor._eval_fast(f, args) is not None
            np.testing.assert_array_equal(f.eval(args), f.eval(args, device=cpu))
        # cases it leaves to the general path, which still answers them
        calls = []
        monkeypatch.setattr(executor.Plan, "run",
                            lambda self, *a, _run=executor.Plan.run, **k:
                            calls.append(1) or _run(self, *a, **k))
        want = f.eval(v, device=cpu)
        calls.clear()
        spaced = np.zeros(v.shape[:-1] + (8,), dtype)
        spaced[..., ::2] = v  # spaced[..., ::2]: v's values, not contiguous
        for other in (np.asfortranarray(v), v.astype(np.float64 if dtype == np.float32 else np.float32),
                      v.tolist(), {x: spaced[..., ::2]}):
            assert executor._eval_fast(f, other) is None
            np.testing.assert_allclose(f.eval(other), want, rtol=1e-6, atol=1e-6)
        assert len(calls) == 4  # the general path's Plan.run
        assert executor._eval_fast(f, v[0]) is None  # one sample without its batch axis
        np.testing.assert_allclose(f.eval(v[0]), want[:1], rtol=1e-6, atol=1e-6)
        monkeypatch.undo()
        with pytest.raises(ValueError, match=r"must have shape \(batch, 2, 5, 4\)"):
            f.eval(v[:, :1])
        # a new bias value (in place) and a new bias tensor both show in the next call
        before = f.eval(v)
        layer.b.value = np.full((3, 1, 1), 1.5)
        np.testing.assert_allclose(f.eval(v), f.eval(v, device=cpu))
        assert not np.allclose(f.eval(v), before)
        layer.b._set_data(torch.zeros((3, 1, 1), dtype=layer.b.data().dtype))
        np.testing.assert_allclose(f.eval(v), np.tanh(layer(x).eval(v, device=cpu)), rtol=1e-6)
    # another default device: the general path (which moves the input there)
    class Elsewhere:
        torch_device = torch.device("meta")
    monkeypatch.setattr(C.device, "use_default_device", lambda: Elsewhere())
    assert executor._eval_fast(f, v) is None
    monkeypatch.undo()
    assert executor._eval_fast(f, v) is not None
    # two inputs: the general path
    a, b = C.input_variable(2), C.input_variable(2)
    g = C.plus(a, b)
    assert executor._eval_fast(g, {a: np.ones((1, 2), np.float32)}) is None
    np.testing.assert_array_equal(g.eval({a: np.ones((1, 2), np.float32),
                                          b: np.ones((1, 2), np.float32)}), [[2, 2]])


def test_eval_outputs_and_multiple_inputs():
    x, y = C.input_variable(2, name="x"), C.input_variable(2, name="y")
    s = C.plus(x, y, name="s")
    f = C.element_times(s, x)
    a, b = np.ones((1, 2), np.float32), np.full((1, 2), 2, np.float32)
    out = f.eval({x: a, y: b}, outputs=[s, f])
    np.testing.assert_array_equal(out[s], a + b)
    np.testing.assert_array_equal(out[f], (a + b) * a)
    with pytest.raises(ValueError, match="this Function has 2 inputs"):
        f.eval(a)
    with pytest.raises(ValueError, match="no value given for input 'y'"):
        f.eval({x: a})
    with pytest.raises(ValueError, match="different batch sizes"):
        f.eval({x: a, y: np.ones((3, 2), np.float32)})


def test_grad_conventions():
    x = C.input_variable(3, needs_gradient=True)
    w = C.parameter((3,), init=2.0)
    f = x * w
    xv = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    g = f.grad({x: xv})                                     # default wrt: inputs needing gradient
    np.testing.assert_array_equal(g, np.full((2, 3), 2.0))
    g = f.grad({x: xv}, wrt=[w])                            # one entry -> a bare array
    np.testing.assert_array_equal(g, xv.sum(0))
    g = f.grad({x: xv}, wrt=[w, x])                         # several -> a dict
    assert set(g) == {w, x}
    g, out = f.grad({x: xv}, wrt=[w], outputs=[f])
    np.testing.assert_array_equal(out, xv * 2)
    with pytest.raises(ValueError, match="needs_gradient=True"):
        C.relu(C.input_variable(3)).grad(xv)
    with pytest.raises(ValueError, match="is not an input or parameter of this Function"):
        f.grad({x: xv}, wrt=[C.parameter((3,), init=1.0)])


def test_grad_root():
    x = C.input_variable(2, needs_gradient=True)
    h = C.element_times(x, x)
    f = C.relu(h)
    xv = np.array([[-1.0, 2.0]], np.float32)
    np.testing.assert_array_equal(f.grad({x: xv}, wrt=[x], grad_root=h), 2 * xv)


@pytest.mark.parametrize("op,ref", [
    (C.relu, lambda a: np.maximum(a, 0)),
    (C.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    (C.tanh, np.tanh),
    (C.elu, lambda a: np.where(a >= 0, a, np.exp(a) - 1)),
    (C.leaky_relu, lambda a: np.where(a >= 0, a, 0.01 * a)),
    (C.softplus, lambda a: np.log1p(np.exp(a))),
    (C.softmax, lambda a: np.exp(a) / np.exp(a).reshape(len(a), -1).sum(1).reshape(-1, 1, 1)),
    (C.identity, lambda a: a),
])
def test_activations(op, ref):
    x = C.input_variable((2, 3), dtype=np.float64)
    a = np.random.default_rng(0).standard_normal((4, 2, 3))
    np.testing.assert_allclose(op(x).eval({x: a}), ref(a), rtol=1e-12)


def test_softmax_axis():
    x = C.input_variable((2, 3))
    a = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    e = np.exp(a)
    np.testing.assert_allclose(C.softmax(x, axis=0).eval(a), e / e.sum(1, keepdims=True), rtol=1e-6)
    with pytest.raises(ValueError, match=r"axis must be in \[-2, 1\]"):
        C.softmax(x, axis=2)


def test_devices():
    cpu = C.device.cpu()
    assert cpu.type() == C.device.DeviceKind.CPU and cpu.id() == 0 and str(cpu) == "CPU"
    assert C.device.all_devices()[-1] == cpu
    assert C.device.try_set_default_device(cpu) and C.device.use_default_device() == cpu
    with pytest.raises(ValueError, match="GPU device id"):
        C.device.gpu(torch.cuda.device_count())
    with pytest.raises(ValueError, match="device_id must be >= 0"):
        C.device.gpu(-1)
    with pytest.raises(TypeError, match="new_default_device must be a DeviceDescriptor"):
        C.device.try_set_default_device("cpu")
    x = C.input_variable(2)
    assert C.relu(x).eval(np.ones((1, 2)), device=cpu).shape == (1, 2)


@CUDA
def test_cuda_layer_matches_cpu():
    gpu = C.device.gpu(0)
    x = C.input_variable((3, 5, 5), needs_gradient=True)
    layer = C.layers.ConvolutionTranspose((3, 3), 4, strides=2, pad=True)
    f = layer(x)
    xv = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(f.eval({x: xv}, device=gpu), f.eval({x: xv}, device=C.device.cpu()),
                               rtol=1e-4, atol=1e-4)
    g_gpu = f.grad({x: xv}, wrt=[layer.W, x], device=gpu)
    g_cpu = f.grad({x: xv}, wrt=[layer.W, x], device=C.device.cpu())
    for k in g_cpu:
        np.testing.assert_allclose(g_gpu[k], g_cpu[k], rtol=1e-4, atol=1e-4)


@CUDA
def test_cuda_default_device_holds_parameters():
    assert C.device.try_set_default_device(C.device.gpu(0))
    try:
        layer = C.layers.ConvolutionTranspose(3, 2)
        f = layer(C.input_variable((1, 4)))
        assert layer.W.data().is_cuda and f.eval(np.ones((1, 1, 4))).shape == (1, 2, 6)
    finally:
        C.device.try_set_default_device(C.device.cpu())
