"""The timed implementations: cntkr_py (CNTK-style API) and raw torch in this process; CNTK 2.7
and cntkr-from-R as subprocess workers that speak a one-JSON-line-per-request protocol
(see bench_cntk.py and bench.R). Every implementation times its own inner loop, so pipe
latency is never counted."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import cntkr_py as C

import cases as _cases  # bench/cases.py (run.py and the tests put bench/ on sys.path)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CNTK_RUNNER = Path(os.environ.get("CNTK_REFERENCE", ROOT.parent / "shared" / "cntk-reference")) / "run"

#: environment for the subprocess workers (run.py adds thread settings). KMP_BLOCKTIME=0 stops
#: CNTK's Intel OpenMP threads from spinning for 200 ms after each call, which would steal the
#: cores from whichever implementation is timed next in the interleaved run.
WORKER_ENV = {"KMP_BLOCKTIME": "0", "OMP_WAIT_POLICY": "PASSIVE"}

_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _input(case) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.standard_normal([case["batch"]] + list(case["input_shape"])).astype(np.float32)


def build_cntkr(case, **extra):
    """(x, layer, f, xv) for a case through the CNTK-style API."""
    kw = dict(case["layer"], **extra)
    x = C.input_variable(tuple(case["input_shape"]), needs_gradient=True)
    layer = getattr(C.layers, _cases.kind(case))(**kw)
    f = layer(x)
    return x, layer, f, _input(case)


class InProcess:
    """Base: `fns[case_id][mode]` are zero-argument callables."""
    name = ""

    def __init__(self):
        self.fns = {}
        self.version = ""

    def setup(self, cases):
        self.fns = {c["id"]: self.build(c) for c in cases}

    def time(self, case_id, mode, inner):
        fn = self.fns[case_id][mode]
        fn()  # one untimed call: caches warm again after the other implementations ran
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        return (time.perf_counter() - t0) / inner

    def close(self):
        pass


class CntkrPy(InProcess):
    """cntkr_py through the CNTK-style API: ``f.eval({x: xv})``, ``f.grad({x: xv}, wrt=[x, W, b])``
    (NumPy in, NumPy out, as a CNTK user calls it)."""
    name = "cntkr_py"

    def __init__(self):
        super().__init__()
        self.version = C.__version__

    def build(self, case):
        x, layer, f, xv = build_cntkr(case)
        self.objects = getattr(self, "objects", {})
        self.objects[case["id"]] = (x, layer, f, xv)
        wrt = [x] + layer.parameters  # the input and every parameter (W, b; pooling has none)
        feed = {x: xv}
        return {"fwd": lambda: f.eval(feed), "fwdbwd": lambda: f.grad(feed, wrt=wrt)}


class TorchRaw(InProcess):
    """Raw torch functional on the same shapes: ``F.conv_transpose{1,2,3}d`` (+ autograd.grad
    w.r.t. input, weight and bias, with a ones output gradient, as CNTK's grad of the sum)."""
    name = "torch"

    def __init__(self):
        super().__init__()
        self.version = torch.__version__

    def build(self, case):
        if _cases.kind(case) == "Dense":
            return self.build_dense(case)
        if _cases.kind(case) == "Convolution2D":
            return self.build_conv2d(case)
        if _cases.kind(case) == "MaxPooling":
            return self.build_maxpool(case)
        lk, tk = case["layer"], case["torch"]
        rank = len(lk["filter_shape"])
        conv = _CONV_T[rank]
        x = torch.from_numpy(_input(case))
        g = torch.Generator().manual_seed(0)
        W = torch.randn(case["input_shape"][0], lk["num_filters"], *lk["filter_shape"], generator=g)
        b = torch.randn(lk["num_filters"], generator=g)
        args = (tk["stride"], tk["padding"], tk["output_padding"])

        def fwd():
            with torch.no_grad():
                return conv(x, W, b, *args).numpy()

        def fwdbwd():
            xs, Ws, bs = (t.detach().requires_grad_() for t in (x, W, b))
            y = conv(xs, Ws, bs, *args)
            return [t.numpy() for t in torch.autograd.grad(y, (xs, Ws, bs), torch.ones_like(y))]
        return {"fwd": fwd, "fwdbwd": fwdbwd}

    def build_dense(self, case):
        """F.linear on the same shapes (weight (out, in), as torch's Linear keeps it)."""
        x = torch.from_numpy(_input(case)).reshape(case["batch"], -1)
        g = torch.Generator().manual_seed(0)
        W = torch.randn(case["layer"]["shape"], x.shape[1], generator=g)
        b = torch.randn(case["layer"]["shape"], generator=g)

        def fwd():
            with torch.no_grad():
                return F.linear(x, W, b).numpy()

        def fwdbwd():
            xs, Ws, bs = (t.detach().requires_grad_() for t in (x, W, b))
            y = F.linear(xs, Ws, bs)
            return [t.numpy() for t in torch.autograd.grad(y, (xs, Ws, bs), torch.ones_like(y))]
        return {"fwd": fwd, "fwdbwd": fwdbwd}

    def build_conv2d(self, case):
        """F.conv2d on the same shapes (weight (out, in, kh, kw), CNTK's layout too)."""
        lk, tk = case["layer"], case["torch"]
        x = torch.from_numpy(_input(case))
        g = torch.Generator().manual_seed(0)
        W = torch.randn(lk["num_filters"], case["input_shape"][0], *lk["filter_shape"], generator=g)
        b = torch.randn(lk["num_filters"], generator=g)

        def fwd():
            with torch.no_grad():
                return F.conv2d(x, W, b, tk["stride"], tk["padding"]).numpy()

        def fwdbwd():
            xs, Ws, bs = (t.detach().requires_grad_() for t in (x, W, b))
            y = F.conv2d(xs, Ws, bs, tk["stride"], tk["padding"])
            return [t.numpy() for t in torch.autograd.grad(y, (xs, Ws, bs), torch.ones_like(y))]
        return {"fwd": fwd, "fwdbwd": fwdbwd}

    def build_maxpool(self, case):
        """F.max_pool2d on the same shapes (gradient w.r.t. the input only: no parameters)."""
        tk = case["torch"]
        x = torch.from_numpy(_input(case))

        def fwd():
            with torch.no_grad():
                return F.max_pool2d(x, tk["kernel_size"], tk["stride"]).numpy()

        def fwdbwd():
            xs = x.detach().requires_grad_()
            y = F.max_pool2d(xs, tk["kernel_size"], tk["stride"])
            return [torch.autograd.grad(y, xs, torch.ones_like(y))[0].numpy()]
        return {"fwd": fwd, "fwdbwd": fwdbwd}


class Worker:
    """A subprocess worker (CNTK 2.7 or R) driven over stdin/stdout, one JSON object a line."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                     env={**os.environ, **WORKER_ENV, **(env or {})})
        self.version = ""

    def _call(self, req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            raise RuntimeError(f"{self.name} worker died: {err.strip()[-2000:]}")
        return json.loads(line)

    def setup(self, cases):
        self.version = self._call({"cmd": "setup", "cases": cases}).get("version", "")

    def time(self, case_id, mode, inner):
        return self._call({"cmd": "time", "case": case_id, "mode": mode, "inner": inner})["t"]

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001 -- best effort
            self.proc.kill()


def cntk_worker():
    """The CNTK 2.7 worker, or (None, why) when the reference runner is not there."""
    if not CNTK_RUNNER.exists():
        return None, f"CNTK 2.7 skipped: no reference runner at {CNTK_RUNNER}"
    return Worker("cntk", [str(CNTK_RUNNER), str(BENCH / "bench_cntk.py")]), None


#: the "R_tuned" worker's R_VSIZE: R starts with this much room for vectors (its default is a
#: few MB, so an R session making MB-sized results runs its garbage collector every call or two)
R_TUNED_VSIZE = "512M"


def r_worker(tuned=False):
    """The cntkr-from-R worker, or (None, why) when R or the cntkr R package is missing. `tuned`:
    a second worker, "R_tuned": R started with R_VSIZE=512M and cntkr::tune_allocator() called
    (two opt-in settings for users with large results, see ?tune_allocator)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, "R skipped: Rscript not found (run tools/setup_r.sh)"
    env = {"RETICULATE_PYTHON": os.environ.get("RETICULATE_PYTHON", str(ROOT / ".venv/bin/python"))}
    rlib = ROOT / ".Rlib"
    if "R_LIBS" not in os.environ and rlib.is_dir():
        env["R_LIBS"] = str(rlib)
    probe = subprocess.run([rscript, "-e", "cat(requireNamespace('cntkr', quietly=TRUE) && "
                            "requireNamespace('jsonlite', quietly=TRUE))"],
                           capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
    if probe.stdout.strip() != "TRUE":
        return None, "R skipped: the cntkr R package (or jsonlite) is not installed (make setup-r)"
    if tuned:
        env["CNTKR_BENCH_TUNE_ALLOCATOR"] = "1"
        env["R_VSIZE"] = R_TUNED_VSIZE
    return Worker("R_tuned" if tuned else "R", [rscript, str(BENCH / "bench.R")], env), None
