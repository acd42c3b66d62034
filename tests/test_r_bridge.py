"""cntkr_py._r_bridge without R: layout conversions, buffer reuse, the checks on what the C
passes are given, and the entry points the R package calls, with and without the R package's C
passes (src/layout.c, loaded from the installed package in .Rlib).

R values are simulated as reticulate hands them over: read-only, Fortran-ordered float64 arrays.
"""
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import cntkr_py as C
from cntkr_py import _r_bridge as bridge

ROOT = Path(__file__).resolve().parents[1]
NATIVE_LIB = Path(os.environ.get("CNTKR_NATIVE_LIB", ROOT / ".Rlib" / "cntkr" / "libs" / "cntkr.so"))

SHAPES = [(7,), (3, 1), (9, 17), (2, 3, 5), (13, 1, 9, 10), (3, 2, 9, 4, 11),
          (2, 3, 4, 5, 6, 7), (64, 64, 16, 16), (1, 3, 37, 29), (0, 3, 4), (4, 3, 70, 90),
          (5, 3, 64, 67)]


def r_array(shape, seed=0):
    """An R double array as reticulate shows it to Python."""
    a = np.asfortranarray(np.random.default_rng(seed).standard_normal(shape))
    a.flags.writeable = False
    return a


def native_available():
    return NATIVE_LIB.exists()


@pytest.fixture(params=["python", "native"])
def layout(request):
    """Runs a test with the torch/NumPy conversions and again with the C passes."""
    if request.param == "native":
        if not native_available():
            pytest.skip(f"{NATIVE_LIB} not built (tools/setup_r.sh installs the R package)")
        assert bridge.use_native(str(NATIVE_LIB))
    yield request.param
    bridge.use_native(None)
    bridge._scratch.clear()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_from_r_keeps_indexing_and_casts(layout, shape, dtype):
    v = r_array(shape)
    out = bridge.from_r(v, dtype)
    assert out.dtype == dtype and out.flags.c_contiguous and out.shape == shape
    np.testing.assert_array_equal(out, v.astype(dtype))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_to_r_gives_what_reticulate_copies_as_it_is(layout, shape, dtype):
    t = torch.from_numpy(np.random.default_rng(1).standard_normal(shape)).to(dtype)
    r = bridge.to_r(t)
    np.testing.assert_array_equal(r, t.numpy())
    if t.dim() > 1 and t.numel() >= bridge._TORCH_MIN_OUT:
        # large results: F-ordered float64, which reticulate copies into the R array unchanged
        assert r.dtype == np.float64 and r.flags.f_contiguous


def test_to_r_of_gradients_and_other_dtypes(layout):
    t = torch.ones((3, 4), requires_grad=True) * 2
    np.testing.assert_array_equal(bridge.to_r(t), np.full((3, 4), 2, np.float32))
    r = bridge.to_r(torch.arange(6).reshape(2, 3))
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, np.arange(6).reshape(2, 3))


@pytest.mark.parametrize("where", [0, 1234, -1])
def test_nan_anywhere_is_an_r_value_error(layout, where):
    v = np.asfortranarray(np.zeros((4, 8, 33, 65)))
    v.reshape(-1, order="F")[where] = np.nan
    v.flags.writeable = False
    with pytest.raises(bridge.RValueError, match="`xv` must not contain NA"):
        bridge.from_r(v, np.float32, "xv")
    small = np.asfortranarray(np.zeros((2, 3)))
    small[1, 2] = np.nan
    with pytest.raises(bridge.RValueError, match="`xv` must not contain NA"):
        bridge.from_r(small, np.float32, "xv")


@pytest.mark.parametrize("value, message", [
    (np.asfortranarray(np.zeros((2, 3), np.complex128)), "real numbers, not complex"),
    ([1 + 2j, 3], "real numbers, not complex"),
    (1j, "real numbers, not complex"),
    (["a", "b"], "a numeric array, not a character vector"),
    (np.array(["a"], dtype=object), "a numeric array, not a character vector"),
    (None, "a numeric array, not NULL"),
])
def test_complex_and_non_numeric_values_are_rejected(layout, value, message):
    with pytest.raises(bridge.RValueError, match=f"`v` must be {message}"):
        bridge.from_r(value, np.float32, "v")


def test_vectors_without_dim_and_numbers(layout):
    # R vectors without dim: reticulate sends a list (length > 1) or a float (length 1)
    np.testing.assert_array_equal(bridge.from_r([1.5, -2.0, 3.25], np.float32),
                                  np.array([1.5, -2.0, 3.25], np.float32))
    one = bridge.from_r(2.5, np.float64)
    assert one.shape == () and one == 2.5
    with pytest.raises(bridge.RValueError, match="`v` must not contain NA"):
        bridge.from_r([1.0, float("nan")], np.float32, "v")


def test_inputs_reuse_a_buffer_only_when_nothing_holds_it(layout):
    x = C.input_variable((3, 40, 50))
    f = C.identity(x)
    v1, v2 = r_array((5, 3, 40, 50), 1), r_array((5, 3, 40, 50), 2)
    # as_matrix = FALSE: the output tensor goes to R and may share the input buffer
    held = bridge.eval(f, v1, None, None, False)
    kept = held.numpy().copy()
    second = bridge.eval(f, v2, None, None, False)
    np.testing.assert_array_equal(held.numpy(), kept)  # not overwritten by the second call
    np.testing.assert_array_equal(second.numpy(), v2.astype(np.float32))
    # once nobody holds them, calls of one shape reuse a buffer (no fresh allocation)
    del held, second
    key = ((5, 3, 40, 50), np.dtype(np.float32))
    bridge.eval(f, v1, None, None, True)
    address = bridge._scratch[key].ctypes.data
    for v in (v2, v1, v2):
        out = bridge.eval(f, v, None, None, True)
        assert bridge._scratch[key].ctypes.data == address
        np.testing.assert_array_equal(out, v.astype(np.float32))
        del out  # (identity's output is its input: a view of the buffer keeps it from reuse)
    # two inputs of one shape in one call get two buffers
    y = C.input_variable((3, 40, 50))
    g = C.plus(x, y)
    out = bridge.eval(g, {x: v1, y: v2}, None, None, False)
    np.testing.assert_array_equal(out.numpy(), v1.astype(np.float32) + v2.astype(np.float32))
    assert len(bridge._scratch) <= bridge._SCRATCH_MAX


def test_at_most_a_few_scratch_buffers(layout):
    f = C.identity(C.input_variable((100, 200)))
    for n in range(1, 10):
        bridge.eval(f, r_array((n, 100, 200)), None, None, True)
    assert len(bridge._scratch) == bridge._SCRATCH_MAX


def test_huge_inputs_get_no_kept_buffer(layout, monkeypatch):
    monkeypatch.setattr(bridge, "_SCRATCH_MAX_BYTES", 1000)  # 250 float32 values
    f = C.identity(C.input_variable((100, 200)))
    bridge.eval(f, r_array((1, 100, 200)), None, None, True)
    assert bridge._scratch == {}
    np.testing.assert_array_equal(bridge.from_r(r_array((1, 100, 200)), np.float32, "x", True),
                                  r_array((1, 100, 200)).astype(np.float32))


# ------------------------------------------------------------------------ the C passes
def native_functions():
    if not native_available():
        pytest.skip(f"{NATIVE_LIB} not built (tools/setup_r.sh installs the R package)")
    assert bridge.use_native(str(NATIVE_LIB))
    return bridge._r_to_c, bridge._c_to_r


def test_c_entry_points_reject_bad_arguments():
    r_to_c, c_to_r = native_functions()
    try:
        src = np.zeros(24)
        dst = np.zeros(24, np.float32)
        dims = bridge._dims((2, 3, 4))
        assert r_to_c(src.ctypes.data, dst.ctypes.data, 0, 3, dims, 1) == 0
        assert c_to_r(dst.ctypes.data, 0, src.ctypes.data, 3, dims, 1) == 0
        # a rank past CNTKR_MAX_RANK, a negative rank, no dims, a negative or huge dimension,
        # NULL buffers: refused, nothing written
        assert r_to_c(src.ctypes.data, dst.ctypes.data, 0, 33, bridge._dims((1,) * 33), 1) == -1
        assert r_to_c(src.ctypes.data, dst.ctypes.data, 0, -1, dims, 1) == -1
        assert r_to_c(src.ctypes.data, dst.ctypes.data, 0, 3, None, 1) == -1
        assert r_to_c(src.ctypes.data, dst.ctypes.data, 0, 2, bridge._dims((2, -3)), 1) == -1
        assert c_to_r(dst.ctypes.data, 0, src.ctypes.data, 2, bridge._dims((2**31, 1)), 1) == -1
        assert c_to_r(dst.ctypes.data, 0, src.ctypes.data, 3,
                      bridge._dims((2**30, 2**30, 2**30)), 1) == -1
        assert r_to_c(None, dst.ctypes.data, 0, 3, dims, 1) == -1
        assert c_to_r(dst.ctypes.data, 0, None, 3, dims, 1) == -1
        # empty arrays need no buffers; a bad thread count is read as one thread
        assert r_to_c(None, None, 0, 2, bridge._dims((0, 3)), 1) == 0
        assert r_to_c(src.ctypes.data, dst.ctypes.data, 0, 3, dims, -5) == 0
    finally:
        bridge.use_native(None)


def test_the_python_wrappers_check_what_they_hand_to_c():
    native_functions()
    try:
        v = r_array((4, 5, 6))
        with pytest.raises(ValueError, match="F-contiguous float64 array"):
            bridge._native_r_to_c(np.ascontiguousarray(v), np.empty((4, 5, 6), np.float32))
        with pytest.raises(ValueError, match="writable C-order array of the input's shape"):
            bridge._native_r_to_c(v, np.empty((4, 5, 7), np.float32))
        with pytest.raises(ValueError, match="writable C-order array"):
            bridge._native_r_to_c(v, np.empty((4, 5, 6), np.float32, order="F"))
        with pytest.raises(ValueError, match="writable C-order array"):
            bridge._native_r_to_c(v, np.empty((4, 5, 6), np.int32))
        with pytest.raises(ValueError, match="C-order float32/float64 CPU tensor"):
            bridge._native_c_to_r(torch.zeros((4, 5), dtype=torch.int64))
        with pytest.raises(ValueError, match="C-order float32/float64 CPU tensor"):
            bridge._native_c_to_r(torch.zeros((4, 5)).t())
        # only F-contiguous float64 arrays of at most 32 axes are read as R arrays
        assert bridge._r_array_ok(v)
        assert not bridge._r_array_ok(np.ascontiguousarray(v))
        assert not bridge._r_array_ok(v.astype(np.float32, order="F"))
        assert not bridge._r_array_ok(np.zeros((1,) * 33, order="F"))
        unaligned = np.frombuffer(bytearray(8 * 12 + 1), dtype=np.float64, offset=1, count=12)
        assert not bridge._r_array_ok(unaligned)
    finally:
        bridge.use_native(None)


# ------------------------------------------------------------------------ entry points
def test_eval_and_grad_take_what_r_sends():
    x = C.input_variable((2, 3), needs_gradient=True, name="features")
    f = C.relu(x)
    a = r_array((4, 2, 3), 5)
    expected = np.maximum(a, 0).astype(np.float32)
    np.testing.assert_array_equal(bridge.eval(f, a), expected)
    np.testing.assert_array_equal(bridge.eval(f, {x: a}), expected)
    np.testing.assert_array_equal(bridge.eval(f, {"features": a}), expected)  # R's named list
    np.testing.assert_array_equal(bridge.eval(f, (a,)), expected)             # R's unnamed list
    several = bridge.eval(f, a, [x, f])
    assert isinstance(several, list) and len(several) == 2
    np.testing.assert_array_equal(bridge.grad(f, a, [x]), (a > 0).astype(np.float32))
    grads, outs = bridge.grad(f, a, [x], [f])
    np.testing.assert_array_equal(outs, expected)


def test_entry_points_name_the_r_argument():
    x = C.input_variable((2, 3), needs_gradient=True)
    f = C.relu(x)
    bad = np.asfortranarray(np.zeros((1, 2, 3)))
    bad[0, 1, 1] = np.nan
    bad.flags.writeable = False
    with pytest.raises(bridge.RValueError, match="`arguments` must not contain NA"):
        bridge.eval(f, bad)
    with pytest.raises(bridge.RValueError, match="`at` must not contain NA"):
        bridge.grad(f, bad)
    with pytest.raises(bridge.RValueError, match="`arguments` has 2 values but the Function has 1 input[.]"):
        bridge.eval(f, (bad, bad))
    layer = C.layers.ConvolutionTranspose((3,), 2)
    with pytest.raises(bridge.RValueError, match="`func` is a layer that has not been applied"):
        bridge.eval(layer, bad)
    with pytest.raises(bridge.RValueError, match="`func` must be a cntkr Function such as layer"):
        bridge.eval(x, bad)


def test_set_attribute_sets_only_values_of_parameters_and_constants():
    x = C.input_variable((2, 4))
    layer = C.layers.ConvolutionTranspose((3,), 1, bias=False)
    layer(x)
    w = np.asfortranarray(np.arange(6.0).reshape(2, 1, 3))
    w.flags.writeable = False
    bridge.set_attribute(layer.W, "value", w)
    np.testing.assert_array_equal(layer.W.value, w.astype(np.float32))
    bridge.set_attribute(layer, "W", layer.W)  # the outer `$<-` of layer$W$value <- w: a no-op
    with pytest.raises(bridge.RValueError, match="`W` of a layer cannot be set"):
        bridge.set_attribute(layer, "W", 3.0)
    with pytest.raises(bridge.RValueError, match="`value` can only be set on a Parameter or a "
                                                 "Constant, not on an input Variable"):
        bridge.set_attribute(x, "value", 1.0)
    with pytest.raises(bridge.RValueError, match="`value` must be real numbers, not complex"):
        bridge.set_attribute(layer.W, "value", np.zeros((2, 1, 3), np.complex128))
    k = C.constant(np.zeros((2, 2), np.float32))
    bridge.set_attribute(k, "value", np.asfortranarray(np.eye(2)))
    np.testing.assert_array_equal(k.value, np.eye(2))


def test_describe_and_static_shape():
    f = C.relu(C.input_variable((2, 3)))
    assert bridge.static_shape(f) == [2, 3]
    assert bridge.static_shape(C.device.cpu()) is None
    assert "relu" in bridge.describe(f).lower() or "Composite" in bridge.describe(f)


def test_check_fork_drops_to_one_thread_in_a_child_only():
    assert bridge.check_fork() is False  # the process that imported the bridge
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one thread, once
        ok = bridge.check_fork() is True and torch.get_num_threads() == 1 and \
            bridge.check_fork() is False
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"


def test_set_fixed_random_seed_makes_initial_values_reproducible():
    x = C.input_variable((2, 5, 5))
    bridge.set_fixed_random_seed(7)
    a = C.layers.ConvolutionTranspose((3, 3), 4)
    a(x)
    bridge.set_fixed_random_seed(7)
    b = C.layers.ConvolutionTranspose((3, 3), 4)
    b(x)
    np.testing.assert_array_equal(a.W.value, b.W.value)
