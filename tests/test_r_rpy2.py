"""The golden cases, through cntkr's R API, with R embedded in this pytest process by rpy2.

R runs in-process; reticulate (>= 1.41, in .Rlib, see tools/setup_r.sh) attaches to this very
Python interpreter, so the path is pytest -> rpy2 -> R (cntkr) -> reticulate -> cntkr_py.
Each case is run by the R golden driver tests/testthat/helper-goldens.R (the one testthat uses), as
an R user writes it (op_input_variable, ConvolutionTranspose with R vectors/NULL/logicals, layer(x),
layer$W$value <- W, func_eval, func_grad); the results come back to Python and are compared with the
goldens read by Python.

Skips only when rpy2 or R is absent.
"""
from __future__ import annotations

import os
import pathlib
import sys

import numpy as np
import pytest

from goldens_io import array, case_files, case_id, family_of, load, tolerances

ROOT = pathlib.Path(__file__).resolve().parents[1]
RLIB = ROOT / ".Rlib"
# The R golden driver, written once: testthat sources it as a helper, this file through rpy2.
DRIVER = ROOT / "tests" / "testthat" / "helper-goldens.R"

# Before R starts: its library path, and the Python reticulate must use (this one).
if RLIB.is_dir():
    os.environ["R_LIBS"] = os.pathsep.join(p for p in (str(RLIB), os.environ.get("R_LIBS", "")) if p)
os.environ["RETICULATE_PYTHON"] = sys.executable

pytest.importorskip("rpy2", reason="rpy2 is not installed (tools/setup_r.sh installs it)")
try:
    import rpy2.robjects as ro
except Exception as exc:  # R itself is missing or cannot start
    pytest.skip(f"R is not available to rpy2: {exc}", allow_module_level=True)

CASES = case_files()


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
    driver = ro.r("function(path) { env <- new.env(); sys.source(path, envir = env, keep.source = FALSE); env }")
    yield driver(str(DRIVER))["golden_run_case"]
    # loading cntkr switched this Python's messages to R's words (for R users); the test
    # modules after this one check Python's
    from cntkr_py import _shapes
    _shapes.set_message_style("python")


def _from_r(value):
    """An R array (column-major) as NumPy, its dims kept."""
    dims = tuple(int(d) for d in ro.baseenv["dim"](value))
    return np.asarray(value, dtype=np.float64).reshape(dims, order="F")


def test_goldens_present():
    assert len(case_files("layers/ConvolutionTranspose")) > 300


@pytest.mark.parametrize("path", CASES, ids=[case_id(p) for p in CASES])
def test_golden_case_through_r(run_case, path):
    """The case through the R driver, activations given as R functions (function(v) op_relu(v));
    testthat runs each case with the ops themselves (activation = op_relu)."""
    case = load(path)
    checks = run_case(str(path), family_of(path), r_activation=True)
    assert len(checks) > 0, "the R driver gave no checks"
    labels = list(checks.names)
    grads = {k for k in case if k.startswith("grad_") and case[k] is not None}  # inputs and parameters
    assert ({"y"} & set(case)) | grads <= set(labels), labels
    tol = tolerances(case["dtype"])
    for label in labels:
        check = checks.rx2(label)
        key = check.rx2("key")[0]
        expected = array(case[key])
        actual = _from_r(check.rx2("value"))
        assert actual.shape == expected.shape, (label, actual.shape, expected.shape)
        np.testing.assert_allclose(actual, expected, err_msg=f"{case['id']} {label}", **tol)


# ----------------------------------------------------------------------------------------------
# Training runs recorded with CNTK 2.7 (tests/goldens/training/trajectories), replayed by the R
# driver tests/testthat/helper-trajectories.R (the one testthat uses) through the R API.
TRAJECTORY_DRIVER = ROOT / "tests" / "testthat" / "helper-trajectories.R"
TRAJECTORIES = sorted((ROOT / "tests" / "goldens" / "training" / "trajectories").glob("*.json"))


@pytest.fixture(scope="module")
def replay_run(run_case):
    """trajectory_replay() of the R driver (sourced with helper-goldens.R, whose readers it uses)."""
    source = ro.r("function(paths) { env <- new.env(); "
                  "for (p in paths) sys.source(p, envir = env, keep.source = FALSE); env }")
    return source(ro.StrVector([str(DRIVER), str(TRAJECTORY_DRIVER)]))["trajectory_replay"]


@pytest.mark.parametrize("path", TRAJECTORIES, ids=[p.stem for p in TRAJECTORIES])
def test_trajectory_through_r(replay_run, path):
    """Every loss and metric average, sample count, test result and final parameter of the run,
    from R, within the check's tolerance (1e-4 relative; final values 1e-4)."""
    checks = replay_run(str(path))
    assert len(checks) >= 20
    for chk in checks:
        label = chk.rx2("label")[0]
        actual, expected = chk.rx2("actual"), chk.rx2("expected")
        assert tuple(ro.baseenv["dim"](actual) or ()) == tuple(ro.baseenv["dim"](expected) or ()), label
        a = np.asarray(actual, dtype=np.float64).ravel()
        e = np.asarray(expected, dtype=np.float64).ravel()
        np.testing.assert_allclose(a, e, rtol=chk.rx2("rtol")[0], atol=chk.rx2("atol")[0], err_msg=label)
