"""Instructions per training step, counted by valgrind's callgrind: a measure of cntkr's overhead
that the machine's load cannot move (wall-clock and CPU times of a ~3 ms step vary by 10% and
more between runs here; the count repeats to within 0.1%).

    .venv/bin/python bench/instructions.py [--net mnist] [--steps 20] [--no-r]

Each implementation of bench/train_step.py -- cntkr_py's ``Trainer.train_minibatch``, the torch
loop, and cntkr from R (``train_minibatch(trainer, list(x = X, y = Y))`` with R arrays, and the
same trainer stepped by a Python loop inside that R process, so that the difference is what the
R call costs) -- runs in a process of its own under callgrind with one torch thread. Counting
starts after a warm-up (``callgrind_control -i on``) and stops after `steps` steps, before the
process exits (``-i off``); reported: the instructions per step and their ratios.

Instruction counts leave out memory stalls, page faults and the CPU's own speed, and valgrind
runs torch's AVX2 kernels where the machine would run AVX-512 ones: read them beside
bench/train_step.py's times, not instead of them. Needs valgrind (``apt-get install valgrind``);
takes a few minutes (each process starts torch under valgrind).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")

#: one worker: build, warm up, say its pid, wait for counting to start, run `steps` steps
PY_WORKER = r"""
import os, sys, time
sys.path.insert(0, {bench!r})
import torch
torch.set_num_threads(1)
import train_step
cntkr = train_step.CntkrPy([{net!r}])
step = cntkr.steps[{net!r}] if {impl!r} == "cntkr_py" else \
    train_step.TorchLoop([{net!r}], cntkr.models).steps[{net!r}]
for _ in range(5):
    step()
open({tag!r} + ".tmp", "w").write(str(os.getpid()))
os.replace({tag!r} + ".tmp", {tag!r})
while not os.path.exists({tag!r} + ".go"):
    time.sleep(0.05)
for _ in range({steps}):
    step()
open({tag!r} + ".done", "w").close()  # counting stops before the exit (whose teardown is not a step)
while not os.path.exists({tag!r} + ".exit"):
    time.sleep(0.05)
"""

R_WORKER = r"""
suppressPackageStartupMessages(library(cntkr))
source({script!r})
step <- build({net!r}, 64L)
env <- environment(step)
reticulate::import("torch")$set_num_threads(1L)
reticulate::py_run_string("
def steps(trainer, X, Y, n):
    import numpy as np
    feed = {{'x': np.ascontiguousarray(X, dtype=np.float32), 'y': np.ascontiguousarray(Y, dtype=np.float32)}}
    for _ in range(n):
        trainer.train_minibatch(feed)
")
main <- reticulate::import_main(convert = TRUE)
for (i in 1:5) step()
main$steps(env$trainer, env$X, env$Y, 5L)
writeLines(as.character(Sys.getpid()), paste0({tag!r}, ".tmp"))
file.rename(paste0({tag!r}, ".tmp"), {tag!r})
while (!file.exists(paste0({tag!r}, ".go"))) Sys.sleep(0.05)
if ({impl!r} == "R") {{
  for (i in seq_len({steps}L)) step()
}} else {{
  main$steps(env$trainer, env$X, env$Y, {steps}L)
}}
file.create(paste0({tag!r}, ".done"))  # counting stops before the exit
while (!file.exists(paste0({tag!r}, ".exit"))) Sys.sleep(0.05)
"""


def collected(log_text):
    """The instruction count from callgrind's log ("Collected : N"), or None."""
    m = re.search(r"Collected\s*:\s*([0-9]+)", log_text)
    return int(m.group(1)) if m else None


def count(impl, net, steps, tmp, timeout=1800):
    """Instructions per step of `impl` ("cntkr_py", "torch", "R", "python_in_R")."""
    tag = os.path.join(tmp, impl + ".pid")
    log = os.path.join(tmp, impl + ".log")
    out = os.path.join(tmp, impl + ".callgrind")
    if impl in ("cntkr_py", "torch"):
        script = os.path.join(tmp, "worker_" + impl + ".py")  # not cntkr_py.py: it would shadow the package
        with open(script, "w") as f:
            f.write(PY_WORKER.format(bench=HERE, net=net, impl=impl, tag=tag, steps=steps))
        argv = [PYTHON, script]
        env = dict(os.environ)
    else:
        script = os.path.join(tmp, "worker_" + impl + ".R")
        with open(script, "w") as f:
            f.write(R_WORKER.format(script=os.path.join(HERE, "train_step.R"), net=net, impl=impl,
                                    tag=tag, steps=steps))
        r_home = subprocess.check_output(["R", "RHOME"], text=True).strip()
        argv = [os.path.join(r_home, "bin", "exec", "R"), "--no-echo", "--no-restore",
                "--file=" + script]
        env = dict(os.environ, R_HOME=r_home,
                   RETICULATE_PYTHON=os.environ.get("RETICULATE_PYTHON", PYTHON))
        rlib = os.path.join(ROOT, ".Rlib")
        if os.path.isdir(rlib):
            env["R_LIBS"] = rlib + (os.pathsep + env["R_LIBS"] if env.get("R_LIBS") else "")
    with open(log, "w") as lf:
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                 "--callgrind-out-file=" + out] + argv,
                                stdout=lf, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    t0 = time.time()
    while not os.path.exists(tag):
        if proc.poll() is not None or time.time() - t0 > timeout:
            proc.kill()
            raise RuntimeError(f"{impl}: the worker stopped before its warm-up ended:\n"
                               + open(log).read()[-2000:])
        time.sleep(0.5)
    pid = open(tag).read().strip()
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    open(tag + ".go", "w").close()
    while not os.path.exists(tag + ".done"):
        if proc.poll() is not None or time.time() - t0 > timeout:
            proc.kill()
            raise RuntimeError(f"{impl}: the worker stopped during its steps:\n"
                               + open(log).read()[-2000:])
        time.sleep(0.05)
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    open(tag + ".exit", "w").close()
    proc.wait(timeout=timeout)
    n = collected(open(log).read())
    if n is None:
        raise RuntimeError(f"{impl}: no instruction count in callgrind's log:\n"
                           + open(log).read()[-2000:])
    return n / steps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--net", default="mnist", choices=["mnist", "cifar10"])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args(argv)
    if args.steps < 1:
        ap.error("--steps must be at least 1")
    missing = [t for t in ("valgrind", "callgrind_control") if shutil.which(t) is None]
    if missing:
        sys.exit(f"bench/instructions.py needs valgrind ({', '.join(missing)} not found): "
                 "apt-get install valgrind")
    impls = ["cntkr_py", "torch"]
    if not args.no_r:
        if shutil.which("R") is None:
            print("R skipped: R not found (run tools/setup_r.sh)")
        else:
            impls += ["R", "python_in_R"]
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for impl in impls:
            res[impl] = count(impl, args.net, args.steps, tmp)
            print(f"  {impl:12s} {res[impl] / 1e6:9.2f} M instructions per step", flush=True)
    print(f"{args.net}, {args.steps} steps, one torch thread:")
    print(f"  cntkr_py / torch      {res['cntkr_py'] / res['torch']:.3f}")
    if "R" in res:
        extra = res["R"] - res["python_in_R"]
        print(f"  R / python_in_R      {res['R'] / res['python_in_R']:.3f}  (the R call: "
              f"{extra / 1e6:.2f} M instructions per step)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
