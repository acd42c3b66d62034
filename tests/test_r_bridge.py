"""cntkr_py._r_bridge without R: layout conversions and buffer reuse, with and without the R
package's C kernels (src/layout.c, loaded from the installed package in .Rlib).

R values are simulated as reticulate hands them over: read-only, Fortran-ordered float64 arrays.
"""
from pathlib import Path

import numpy as np
import pytest
import torch

import cntkr_py as C
from cntkr_py import _r_bridge as bridge

ROOT = Path(__file__).resolve().parents[1]
NATIVE_LIB = ROOT / ".Rlib" / "cntkr" / "libs" / "cntkr.so"

SHAPES = [(7,), (3, 1), (9, 17), (2, 3, 5), (13, 1, 9, 10), (3, 2, 9, 4, 11),
          (2, 3, 4, 5, 6, 7), (64, 64, 16, 16), (1, 3, 37, 29), (0, 3, 4)]


def r_array(shape, seed=0):
    """An R double array as reticulate shows it to Python."""
    a = np.asfortranarray(np.random.default_rng(seed).standard_normal(shape))
    a.flags.writeable = False
    return a


@pytest.fixture(params=["python", "native"])
def layout(request):
    """Runs a test with the torch/NumPy conversions and again with the C kernels."""
    if request.param == "native":
        if not NATIVE_LIB.exists():
            pytest.skip(f"{NATIVE_LIB} not built (tools/setup_r.sh installs the R package)")
        assert bridge.use_native(str(NATIVE_LIB))
    yield request.param
    bridge.use_native(None)
    bridge._pinned.clear()
    bridge._scratch.clear()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_from_r_keeps_indexing_and_casts(layout, shape, dtype):
    v = r_array(shape)
    out = bridge.from_r(v, dtype)
    assert out.dtype == dtype and out.flags.c_contiguous and out.shape == shape
    np.testing.assert_array_equal(out, v.astype(dtype))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_to_r_round_trip(layout, shape):
    t = torch.from_numpy(np.random.default_rng(1).standard_normal(shape).astype(np.float32))
    r = bridge.to_r(t)
    if layout == "native":
        # [address, is_f64, threads, *shape] of a pinned C-order buffer holding the values
        assert r[0] == bridge._pinned[-1].data_ptr() and r[1] == 0
        assert tuple(int(d) for d in r[3:]) == shape
        np.testing.assert_array_equal(bridge._pinned[-1].numpy(), t.numpy())
    else:
        if t.dim() > 1 and t.numel() >= bridge._TORCH_MIN:  # what reticulate copies as it is
            assert r.dtype == np.float64 and r.flags.f_contiguous
        np.testing.assert_array_equal(r, t.numpy())


@pytest.mark.parametrize("where", [0, 1234, -1])
def test_nan_anywhere_is_an_r_value_error(layout, where):
    v = np.asfortranarray(np.zeros((4, 8, 33, 65)))
    v.reshape(-1, order="F")[where] = np.nan
    v.flags.writeable = False
    with pytest.raises(bridge.RValueError, match="`xv` must not contain NA"):
        bridge.from_r(v, np.float32, "xv")


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
        if layout == "native":
            out = bridge._pinned[-1].numpy()
        np.testing.assert_array_equal(out, v.astype(np.float32))
        del out  # (a view of the buffer in the native case, which would keep it from reuse)
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
    if layout == "native":  # (the torch/NumPy path keeps buffers only from 16384 values on)
        bridge.from_r(r_array((2, 5, 5)), np.float32, "x", True)
        assert list(bridge._scratch) == [((2, 5, 5), np.dtype(np.float32))]


def r_array_handle(a):
    """What the R package's C caller (src/pycall.c) hands over for R array `a`: its address and
    dim(a); `a` must stay alive while the handle is used."""
    return bridge.RArray(a.ctypes.data, a.shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_r_array_handles_read_like_reticulate_arrays(layout, shape):
    a = r_array(shape, 3)
    for dtype in (np.float32, np.float64):
        got = bridge.from_r(r_array_handle(a), dtype, "xv", True)
        np.testing.assert_array_equal(got, a.astype(dtype))
        assert got.flags.c_contiguous and got.dtype == dtype


def test_r_array_handles_of_vectors_without_dim(layout):
    # R vectors without dim: reticulate sends a list (length > 1) or a float (length 1)
    v = np.array([1.5, -2.0, 3.25])
    np.testing.assert_array_equal(bridge.from_r(bridge.RArray(v.ctypes.data, (3,)), np.float32),
                                  bridge.from_r([1.5, -2.0, 3.25], np.float32))
    one = np.array([2.5])
    got = bridge.from_r(bridge.RArray(one.ctypes.data, ()), np.float32)
    assert got.shape == () and got == bridge.from_r(2.5, np.float32)
    bad = np.array([1.0, np.nan])
    with pytest.raises(bridge.RValueError, match="`v` must not contain NA"):
        bridge.from_r(bridge.RArray(bad.ctypes.data, (2,)), np.float32, "v")


def test_c_entries_return_descriptions_or_messages(layout):
    x = C.input_variable((2, 3), needs_gradient=True)
    f = C.relu(x)
    a = r_array((4, 2, 3), 5)
    out = bridge.eval_c(f, r_array_handle(a), None, None, "arguments")
    assert isinstance(out, tuple) and all(isinstance(v, float) for v in out)
    t = bridge._pinned[-1]
    assert out[0] == t.data_ptr() and out[3:] == (4.0, 2.0, 3.0)
    np.testing.assert_array_equal(t.numpy(), np.maximum(a, 0).astype(np.float32))
    several = bridge.eval_c(f, r_array_handle(a), [x, f], None, "arguments")
    assert several[:2] == (-1.0, 2.0) and len(bridge._pinned) == 2
    grads = bridge.grad_c(f, r_array_handle(a), [x], None, None, "at")
    np.testing.assert_array_equal(bridge._pinned[-1].numpy(), (a > 0).astype(np.float32))
    assert grads[3:] == (4.0, 2.0, 3.0)
    a = a.copy(order="F")  # writable
    a[0, 0, 0] = np.nan
    assert bridge.eval_c(f, r_array_handle(a), None, None, "arguments") == \
        "`arguments` must not contain NA."
    assert bridge.grad_c(f, r_array_handle(a), None, None, None, "at") == "`at` must not contain NA."
