"""Installing cntkr as an R user does, not from this checkout.

In a fresh R library and a fresh folder of virtual environments (temporary folders; RETICULATE_PYTHON
unset): build the R source tarball (tools/build_r_package.sh: R CMD build), R CMD INSTALL it into the
library, `Rscript -e 'cntkr::install_cntkr()'` (a new virtual environment "r-cntkr" with torch,
numpy and cntkr_py, built by pip from the Python sources the tarball carries), then a new Rscript
that loads cntkr, which must find that environment by itself, and evaluates a ConvolutionTranspose.

Slow: pip unpacks the CPU torch wheel (about 1.5 minutes on an idle 2-core machine, 5 when its
cores are busy). pip runs as configured on the machine, with its cache. Runs when CNTKR_TEST_INSTALL=1
(`make test` sets it) or CI is set; skips otherwise, and when R (Rscript, R CMD) or reticulate (.Rlib,
tools/setup_r.sh) is missing.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
RLIB = ROOT / ".Rlib"

pytestmark = [
    # minutes of pip: run by `make test` and in CI, not by every pytest run of a developer
    pytest.mark.skipif(not (os.environ.get("CNTKR_TEST_INSTALL") == "1" or os.environ.get("CI")),
                       reason="installs torch into a fresh virtual environment (minutes): "
                              "set CNTKR_TEST_INSTALL=1 (make test does)"),
    pytest.mark.skipif(shutil.which("Rscript") is None or shutil.which("R") is None,
                       reason="R is not installed (tools/setup_r.sh installs it)"),
    pytest.mark.skipif(not (RLIB / "reticulate").is_dir(),
                       reason="reticulate is not in .Rlib (tools/setup_r.sh installs it)"),
]

# What a user's shell would not have: this checkout's Python, environments or libraries.
_DROP = ("RETICULATE_PYTHON", "RETICULATE_PYTHON_ENV", "RETICULATE_PYTHON_FALLBACK", "VIRTUAL_ENV",
         "PYTHONPATH", "PYTHONHOME", "R_LIBS", "R_LIBS_USER", "R_LIBS_SITE", "CONDA_PREFIX")


def _run(args, env, cwd, timeout, what):
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{what} failed (exit {proc.returncode}) after {seconds:.0f} s:\n{out[-6000:]}"
    print(f"{what}: {seconds:.1f} s")
    return proc


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """A user's machine, as far as R and Python go: an empty R library (holding only reticulate, a
    CRAN dependency the user would have), an empty folder of virtual environments, a working
    folder with no Python project in it."""
    home = tmp_path_factory.mktemp("user")
    lib, venvs, work = home / "Rlib", home / "virtualenvs", home / "work"
    for d in (lib, venvs, work):
        d.mkdir()
    (lib / "reticulate").symlink_to((RLIB / "reticulate").resolve())
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(R_LIBS=str(lib), R_LIBS_USER=str(home / "no-user-library"),
               WORKON_HOME=str(venvs), RETICULATE_VIRTUALENV_ROOT=str(venvs))
    return {"home": home, "lib": lib, "venvs": venvs, "work": work, "env": env}


@pytest.fixture(scope="module")
def installed(user):
    """R CMD build, R CMD INSTALL, install_cntkr(): the steps of the README's install section."""
    env, work = user["env"], user["work"]
    out = _run(["bash", str(ROOT / "tools" / "build_r_package.sh"), str(user["home"] / "build"),
                "--no-build-vignettes", "--no-manual"], env, work, 600, "R CMD build").stdout
    tarball = pathlib.Path(out.strip().splitlines()[-1])
    assert tarball.is_file(), out
    _run(["R", "CMD", "INSTALL", "-l", str(user["lib"]), str(tarball)], env, work, 600, "R CMD INSTALL")
    carried = user["lib"] / "cntkr" / "python"
    assert (carried / "pyproject.toml").is_file() and (carried / "cntkr_py" / "__init__.py").is_file()
    assert not list(carried.rglob("*.so")), "the tarball carries compiled files of this checkout"
    proc = _run(["Rscript", "-e", "cntkr::install_cntkr()"], env, work, 1200, "install_cntkr()")
    out = proc.stdout + proc.stderr
    assert "Installed cntkr_py and torch 2.13.0" in out, out
    return user


def test_a_new_r_session_finds_the_environment_and_computes(installed):
    env, venvs = installed["env"], installed["venvs"]
    script = installed["work"] / "use.R"
    script.write_text(r"""
library(cntkr)
cat("package:", find.package("cntkr"), "\n")
cat("python:", is_cntkr_available(), reticulate::py_config()$python, "\n")
x <- op_input_variable(c(2, 3, 4))
layer <- ConvolutionTranspose(c(2, 2), num_filters = 1, strides = 2, init = 1, bias = FALSE)
f <- layer(x)
input <- array(seq_len(2 * 3 * 4) / 10, c(1, 2, 3, 4))
y <- func_eval(f, input)
cat("dim:", dim(y), "\n")
# stride 2 and a 2 x 2 filter of ones: each input position fills its own 2 x 2 block with the
# sum over the 2 input channels
expected <- kronecker(input[1, 1, , ] + input[1, 2, , ], matrix(1, 2, 2))
cat("max error:", max(abs(y[1, 1, , ] - expected)), "\n")
torch <- reticulate::import("torch")
cat("torch:", torch$`__version__`, "\n")
""")
    out = _run(["Rscript", str(script)], env, installed["work"], 300, "a new R session").stdout
    lines = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    assert pathlib.Path(lines["package"].strip()) == installed["lib"] / "cntkr", out
    available, python = lines["python"].split()
    assert available == "TRUE", out
    assert pathlib.Path(python).parent.parent == venvs / "r-cntkr", out
    assert lines["dim"].split() == ["1", "1", "6", "8"], out
    assert float(lines["max error"]) < 1e-6, out
    if shutil.which("nvidia-smi") is None and not os.path.exists("/proc/driver/nvidia/version"):
        assert lines["torch"].strip().endswith("+cpu"), out  # no CUDA build without a GPU
        site = list((venvs / "r-cntkr" / "lib").glob("python3*/site-packages"))
        assert site and not list(site[0].glob("nvidia*")), "CUDA wheels were installed"


def test_pip_and_python_failures_are_classed_errors(installed):
    env = installed["env"]
    other = installed["venvs"] / "other"
    script = installed["work"] / "errors.R"
    script.write_text(r"""
report <- function(label, expr) {
  e <- tryCatch({ expr; NULL }, error = identity)
  cat(label, ":", class(e)[[1]], ":", gsub("\n", " ", conditionMessage(e)), "\n", sep = "")
}
report("pip", cntkr::install_cntkr(envname = commandArgs(TRUE)[[1]], torch = "torch==0.0.1",
                                   pip_options = "--no-index"))
report("python", cntkr::install_cntkr(envname = commandArgs(TRUE)[[1]],
                                      python = "/nonexistent/python3"))
""")
    proc = subprocess.run(["Rscript", str(script), str(other)], env=env, cwd=installed["work"],
                          capture_output=True, text=True, timeout=300)
    lines = dict(line.split(":", 1) for line in proc.stdout.splitlines() if line.count(":") >= 2)
    assert lines["pip"].startswith("pip_error:pip failed"), proc.stdout + proc.stderr
    assert "torch==0.0.1" in lines["pip"] and "The whole log is" in lines["pip"], proc.stdout
    assert lines["python"].startswith("python_missing_error:`python` is \"/nonexistent/python3\""), proc.stdout
