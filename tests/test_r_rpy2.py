"""The golden cases, through cntkr's R API, with R embedded in this pytest process by rpy2.

R runs in-process; reticulate (>= 1.41, in .Rlib, see tools/setup_r.sh) attaches to this very
Python interpreter, so the path is pytest -> rpy2 -> R (cntkr) -> reticulate -> cntkr_py.
Each case is run exactly as an R user writes it (op_input_variable, ConvolutionTranspose with R
vectors/NULL/logicals, layer(x), layer$W$value <- W, func_eval, func_grad); the results come
back to Python and are compared with the goldens read by Python.

Skips only when rpy2 or R is absent.
"""
from __future__ import annotations

import os
import pathlib
import sys

import numpy as np
import pytest

from goldens_io import array, convtranspose_cases, load

ROOT = pathlib.Path(__file__).resolve().parents[1]
RLIB = ROOT / ".Rlib"

# Before R starts: its library path, and the Python reticulate must use (this one).
if RLIB.is_dir():
    os.environ["R_LIBS"] = os.pathsep.join(p for p in (str(RLIB), os.environ.get("R_LIBS", "")) if p)
os.environ["RETICULATE_PYTHON"] = sys.executable

pytest.importorskip("rpy2", reason="rpy2 is not installed (tools/setup_r.sh installs it)")
try:
    import rpy2.robjects as ro
except Exception as exc:  # R itself is missing or cannot start
    pytest.skip(f"R is not available to rpy2: {exc}", allow_module_level=True)

CASES = convtranspose_cases()

# One R function per golden case, written as an R user writes CNTK-R code. Arrays come back as
# list(dim, data) with R's column-major data, so Python rebuilds them exactly (order="F").
R_DRIVER = r"""
local({
  activations <- list(
    identity = activation_identity, relu = op_relu, sigmoid = op_sigmoid, tanh = op_tanh,
    softmax = op_softmax, elu = op_elu, leaky_relu = op_leaky_relu, softplus = op_softplus
  )
  golden_array <- function(a) {
    if (is.null(a)) return(NULL)
    reticulate::array_reshape(as.numeric(unlist(a$data)), as.integer(unlist(a$shape)))
  }
  out <- function(a) list(dim = as.integer(dim(a)), data = as.numeric(a))
  function(path) {
    case <- jsonlite::fromJSON(path, simplifyVector = FALSE)
    args <- lapply(case$layer, function(v) if (is.list(v)) unlist(v) else v)
    if (!is.null(args$activation)) args$activation <- activations[[args$activation]]
    x <- op_input_variable(unlist(case$input_shape), dtype = case$dtype, needs_gradient = TRUE)
    layer <- do.call(ConvolutionTranspose, args)
    f <- layer(x)
    layer$W$value <- golden_array(case$W)
    if (!is.null(case$b)) layer$b$value <- golden_array(case$b)
    xv <- golden_array(case$x)
    y <- func_eval(f, xv)
    if (is.null(case$b)) {
      g <- func_grad(f, xv, wrt = list(layer$W, x))
      list(y = out(y), grad_W = out(g[[1]]), grad_x = out(g[[2]]))
    } else {
      g <- func_grad(f, xv, wrt = list(layer$W, layer$b, x))
      list(y = out(y), grad_W = out(g[[1]]), grad_b = out(g[[2]]), grad_x = out(g[[3]]))
    }
  }
})
"""


@pytest.fixture(scope="module")
def run_case():
    """The R driver, with cntkr as installed from this checkout into .Rlib (tools/setup_r.sh
    reinstalls it whenever its sources change; it has C code, so it is not loaded from source)."""
    ro.r("suppressPackageStartupMessages(library(cntkr))")
    installed = pathlib.Path(str(ro.r("find.package('cntkr')")[0])).resolve()
    assert installed == (RLIB / "cntkr").resolve(), installed
    assert bool(ro.r("cntkr::is_cntkr_available()")[0]), "cntkr_py is not importable from R"
    # reticulate must have attached to this interpreter, not started another one
    r_python = str(ro.r("reticulate::py_config()$python")[0])
    assert pathlib.Path(r_python).resolve() == pathlib.Path(sys.executable).resolve(), r_python
    return ro.r(R_DRIVER)


def _from_r(item):
    dims = tuple(int(d) for d in item.rx2("dim"))
    return np.asarray(item.rx2("data"), dtype=np.float64).reshape(dims, order="F")


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)


def test_goldens_present():
    assert len(CASES) > 0


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case_through_r(run_case, path):
    case = load(path)
    result = run_case(str(path))
    names = list(result.names)
    tol = _tol(case["dtype"])
    for key in ("y", "grad_W", "grad_x") + (("grad_b",) if case.get("b") is not None else ()):
        assert key in names
        expected = array(case[key])
        actual = _from_r(result.rx2(key))
        assert actual.shape == expected.shape, (key, actual.shape, expected.shape)
        np.testing.assert_allclose(actual, expected, err_msg=f"{case['id']} {key}", **tol)
