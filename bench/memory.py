"""Peak memory of one forward+backward (f.grad w.r.t. input, W, b) of a ConvolutionTranspose at a
given max_temp_mem_size_in_samples, measured in a fresh process.

tracemalloc does not see torch's allocations, so this reads the kernel's resident-set counters:
after building the layer, the input and one small warm-up call (loading the kernels), it resets
the peak (``echo 5 > /proc/self/clear_refs``), records the current RSS, runs f.grad once and
reports VmHWM - RSS before: the extra memory the call needed at its peak, inputs excluded.
torch's CPU allocator hands large blocks back to the OS on free, so the peak is real.

Run: python bench/memory.py CHUNK [CASE_ID BATCH]   -> one JSON line
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cases as _cases  # noqa: E402


def _status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def measure(chunk: int, case_id: str = None, batch: int = None) -> dict:
    from impls import build_cntkr  # imports torch

    case = dict(_cases.by_id(case_id or _cases.MEMORY["case"]))
    case["batch"] = batch or _cases.MEMORY["batch"]
    x, layer, f, xv = build_cntkr(case, max_temp_mem_size_in_samples=chunk)
    wrt = [x, layer.W, layer.b]
    f.grad({x: xv[:1]}, wrt=wrt)            # warm-up on one sample: libraries, kernels
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        reset = True
    except OSError:
        reset = False
    before = _status("VmRSS")
    grads = f.grad({x: xv}, wrt=wrt)
    peak = _status("VmHWM")
    out_bytes = 4 * case["batch"] * int(_prod(f.shape))
    return {"chunk": chunk, "case": case["id"], "batch": case["batch"],
            "peak_extra_bytes": peak - before, "peak_reset": reset,
            "input_bytes": int(xv.nbytes), "output_bytes": out_bytes,
            "grad_bytes": int(sum(g.nbytes for g in grads.values()))}


def _prod(shape):
    p = 1
    for s in shape:
        p *= s
    return p


def run_fresh(chunk: int, case_id: str = None, batch: int = None, python=sys.executable) -> dict:
    """measure() in a fresh subprocess (so earlier allocations cannot hide the peak)."""
    import subprocess
    argv = [python, str(Path(__file__).resolve()), str(chunk)]
    if case_id:
        argv += [case_id, str(batch or _cases.MEMORY["batch"])]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    a = sys.argv[1:]
    print(json.dumps(measure(int(a[0]), a[1] if len(a) > 1 else None,
                             int(a[2]) if len(a) > 2 else None)))
