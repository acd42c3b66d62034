"""Benchmark worker for real CNTK 2.7 (runs in the Python 3.6 reference env).

Run: ../shared/cntk-reference/run bench/bench_cntk.py
Speaks the worker protocol of bench/run.py: one JSON request per stdin line, one JSON reply per
stdout line. Requests: {"cmd": "setup", "cases": [...]}, {"cmd": "time", "case": id,
"mode": "fwd"|"fwdbwd", "inner": n} -> {"t": seconds per call}, {"cmd": "quit"}.
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cntk as C  # noqa: E402


def build(case):
    x = C.input_variable(tuple(case["input_shape"]), np.float32, needs_gradient=True)
    kw = dict(case["layer"])
    for k in ("filter_shape", "output_shape"):
        if kw.get(k) is not None:
            kw[k] = tuple(kw[k])
    if "shape" in kw:
        kw["shape"] = tuple(kw["shape"]) if isinstance(kw["shape"], list) else kw["shape"]
    f = getattr(C.layers, case.get("kind", "ConvolutionTranspose"))(**kw)(x)
    rng = np.random.RandomState(0)
    xv = rng.standard_normal([case["batch"]] + case["input_shape"]).astype(np.float32)
    wrt = [x] + list(f.parameters)
    return {"fwd": lambda: f.eval({x: xv}),
            "fwdbwd": lambda: f.grad({x: xv}, wrt=wrt)}


def main():
    out = sys.stdout
    sys.stdout = sys.stderr  # keep CNTK chatter off the protocol channel
    fns = {}
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "setup":
            fns = {c["id"]: build(c) for c in req["cases"]}
            reply = {"ok": True, "version": C.__version__}
        elif req["cmd"] == "time":
            fn = fns[req["case"]][req["mode"]]
            n = int(req["inner"])
            fn()  # one untimed call: caches warm again after the other implementations ran
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            reply = {"t": (time.perf_counter() - t0) / n}
        else:
            break
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
