"""cntkr benchmark: cntkr_py vs raw torch vs CNTK 2.7 vs cntkr from R, interleaved.

    .venv/bin/python bench/run.py [--quick] [--repeats 60] [--no-cntk] [--no-r] [--no-memory]
                                  [--json docs/benchmarks.json] [--png docs/benchmarks.png]

Every (case, mode) gets an inner-loop count so that one sample lasts about --sample-ms on raw
torch; the same count is used for every implementation. Each repeat then takes one sample of
every (case, mode, implementation), the implementation order rotating from repeat to repeat, so
that machine noise falls on all of them alike. Reported: the median over repeats of the time per
call. CNTK 2.7 and R run as persistent subprocess workers (bench_cntk.py, bench.R) that time
their own loops, so they are interleaved with the in-process ones too. Every sample starts with
one untimed call (caches warm again after the other implementations ran), and the order of the
implementations is shuffled anew for every (case, mode) repeat.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

# Idle OpenMP threads sleep instead of spinning, in this process and in the workers (set before
# torch loads libgomp): on a 2-core machine shared with other work, spinning threads of an
# implementation that just finished steal the cores from the next one, and 2-thread kernels
# then wait whole scheduler ticks (measured: 1 ms calls reported as 16 or 32 ms).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cases as _cases  # noqa: E402
import impls  # noqa: E402
import memory  # noqa: E402

ROOT = impls.ROOT

# targets (docs/benchmarks.md)
TORCH_RATIO_MAX = 1.05       # cntkr_py / torch, every case but tiny
TINY_OVERHEAD_MAX_S = 30e-6  # tiny: cntkr_py - torch
R_RATIO_MAX = 1.10           # R / Python on the DCGAN cases
R_OVERHEAD_MAX_S = 200e-6    # R - Python on tiny (fixed per-call overhead)


def calibrate(ref, cases, sample_s, max_inner=2000):
    """inner[(case, mode)]: calls per sample so that one sample takes about sample_s on `ref`."""
    inner = {}
    for c in cases:
        for m in _cases.MODES:
            ref.time(c["id"], m, 2)  # warm-up
            t = min(ref.time(c["id"], m, 1) for _ in range(3))
            inner[(c["id"], m)] = int(max(1, min(max_inner, round(sample_s / max(t, 1e-7)))))
    return inner


def run_timings(impl_list, cases, repeats, warmup, inner, log=print):
    samples = {(i.name, c["id"], m): [] for i in impl_list for c in cases for m in _cases.MODES}
    for impl in impl_list:           # warm-up: kernels, oneDNN primitives, R/reticulate caches
        for c in cases:
            for m in _cases.MODES:
                impl.time(c["id"], m, max(1, min(warmup * inner[(c["id"], m)], 50)))
    t0 = time.time()
    rng = random.Random(0)
    for r in range(repeats):
        order = rng.sample(impl_list, len(impl_list))  # no implementation always follows another
        for c in cases:
            for m in _cases.MODES:
                for impl in order:
                    samples[(impl.name, c["id"], m)].append(impl.time(c["id"], m, inner[(c["id"], m)]))
        if log and (r + 1) % max(1, repeats // 5) == 0:
            log(f"  repeat {r + 1}/{repeats} ({time.time() - t0:.0f} s)")
    return samples


def summarize(samples, impl_names, cases):
    res = {}
    for c in cases:
        for m in _cases.MODES:
            row = {}
            for n in impl_names:
                s = np.asarray(samples[(n, c["id"], m)])
                row[n] = {"median_s": float(np.median(s)),
                          "p25_s": float(np.percentile(s, 25)), "p75_s": float(np.percentile(s, 75)),
                          "n": int(s.size)}
            res.setdefault(c["id"], {})[m] = row
    return res


def verdicts(res, impl_names):
    """Ratios and target checks per (case, mode)."""
    out = {}
    for cid, modes in res.items():
        for m, row in modes.items():
            med = {n: row[n]["median_s"] for n in impl_names}
            v = {}
            py, tt = med.get("cntkr_py"), med.get("torch")
            if py is not None and tt is not None:
                v["cntkr/torch"] = py / tt
                if cid == "tiny":
                    v["cntkr-torch_us"] = (py - tt) * 1e6
                    v["torch_ok"] = py - tt <= TINY_OVERHEAD_MAX_S
                else:
                    v["torch_ok"] = py / tt <= TORCH_RATIO_MAX
            if "cntk" in med and py is not None:
                v["cntkr/CNTK"] = py / med["cntk"]
                v["cntk_ok"] = py < med["cntk"]
                if "R" in med:
                    v["R/CNTK"] = med["R"] / med["cntk"]
            for r in ("R", "R_tuned"):  # the targets are judged on "R", R's defaults
                if r in med and py is not None:
                    v[f"{r}/Python"] = med[r] / py
                    v[f"{r}-Python_us"] = (med[r] - py) * 1e6
                    if cid.startswith("dcgan"):
                        v[f"{r}_ok"] = med[r] / py <= R_RATIO_MAX
                    elif cid == "tiny":
                        v[f"{r}_ok"] = med[r] - py <= R_OVERHEAD_MAX_S
            out.setdefault(cid, {})[m] = v
    return out


def fmt_ms(s):
    return f"{s * 1e3:.3f}" if s < 0.01 else f"{s * 1e3:.2f}"


def table(res, ver, impl_names, cases):
    mark = lambda ok: "" if ok is None else (" ok" if ok else " MISS")
    rs = [r for r in ("R", "R_tuned") if r in impl_names] or ["R"]
    head = ["case", "mode"] + [f"{n} ms" for n in impl_names] + ["cntkr/torch", "cntkr/CNTK"] + \
        [f"{r}/Python" for r in rs]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    for c in cases:
        for m in _cases.MODES:
            row, v = res[c["id"]][m], ver[c["id"]][m]
            cells = [c["id"], "fwd" if m == "fwd" else "fwd+bwd"]
            cells += [fmt_ms(row[n]["median_s"]) for n in impl_names]
            if "cntkr/torch" in v:
                extra = f" (+{v['cntkr-torch_us']:.0f} µs)" if "cntkr-torch_us" in v else ""
                cells.append(f"{v['cntkr/torch']:.2f}{extra}{mark(v.get('torch_ok'))}")
            else:
                cells.append("-")
            cells.append(f"{v['cntkr/CNTK']:.2f}{mark(v.get('cntk_ok'))}" if "cntkr/CNTK" in v else "-")
            for r in rs:
                if f"{r}/Python" in v:
                    extra = f" (+{v[f'{r}-Python_us']:.0f} µs)" if c["id"] == "tiny" else ""
                    cells.append(f"{v[f'{r}/Python']:.2f}{extra}{mark(v.get(f'{r}_ok'))}")
                else:
                    cells.append("-")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_table(mem):
    lines = ["| max_temp_mem_size_in_samples | peak extra MB | beyond output + gradients MB |",
             "|---:|---:|---:|"]
    for r in mem:
        lines.append(f"| {r['chunk']} | {r['peak_extra_bytes'] / 2**20:.1f} | "
                     f"{r['workspace_bytes'] / 2**20:.1f} |")
    return "\n".join(lines)


def plot(res, impl_names, cases, mem, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot skipped: matplotlib not installed (pip install -r bench/requirements.txt)")
        return False
    colors = {"cntkr_py": "#1f77b4", "torch": "#7f7f7f", "cntk": "#d62728", "R": "#2ca02c",
              "R_tuned": "#98df8a"}
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), gridspec_kw={"width_ratios": [3, 3, 1.6]})
    for ax, m in zip(axes[:2], _cases.MODES):
        xs = np.arange(len(cases))
        w = 0.8 / len(impl_names)
        for k, n in enumerate(impl_names):
            vals = [res[c["id"]][m][n]["median_s"] * 1e3 for c in cases]
            ax.bar(xs + (k - (len(impl_names) - 1) / 2) * w, vals, w, label=n, color=colors.get(n))
        ax.set_yscale("log")
        ax.set_xticks(xs, [c["id"] for c in cases], rotation=20)
        ax.set_ylabel("median ms per call (log)")
        ax.set_title("forward" if m == "fwd" else "forward + backward (input, W, b)")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].legend()
    if mem:
        ax = axes[2]
        labels = [str(r["chunk"]) for r in mem]
        ax.bar(labels, [r["peak_extra_bytes"] / 2**20 for r in mem], color="#9ecae1", label="peak extra")
        ax.bar(labels, [r["workspace_bytes"] / 2**20 for r in mem], color="#08519c", width=0.5,
               label="beyond output + grads")
        ax.set_xlabel("max_temp_mem_size_in_samples")
        ax.set_ylabel("MB")
        ax.set_title("DCGAN block fwd+bwd, batch 256")
        ax.legend()
    else:
        axes[2].axis("off")
    fig.suptitle("cntkr ConvolutionTranspose benchmark (CPU, float32, medians of one interleaved run)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def run_memory(settings, case_id=None, batch=None, log=print, runs=3):
    """Per setting, the run with the median peak of `runs` fresh processes (the allocator's
    behaviour moves a single run's peak by a few MB)."""
    rows = []
    for k in settings:
        tries = sorted((memory.run_fresh(k, case_id, batch) for _ in range(runs)),
                       key=lambda r: r["peak_extra_bytes"])
        r = tries[len(tries) // 2]
        # beyond what every fwd+bwd returns (output y, input and parameter gradients): the
        # output gradient and temporaries, which max_temp_mem_size_in_samples bounds
        r["workspace_bytes"] = r["peak_extra_bytes"] - r["output_bytes"] - r["grad_bytes"]
        rows.append(r)
        if log:
            log(f"  memory chunk={k}: peak extra {r['peak_extra_bytes'] / 2**20:.1f} MB")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="5 repeats, short samples")
    ap.add_argument("--repeats", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--sample-ms", type=float, default=3.0, help="target length of one sample")
    ap.add_argument("--cases", default="", help="comma-separated case ids (default: all)")
    ap.add_argument("--batch", type=int, default=0, help="override every case's batch (smoke test)")
    ap.add_argument("--threads", type=int, default=0,
                    help="intra-op threads for every implementation (default: torch's default, all cores)")
    ap.add_argument("--no-cntk", action="store_true")
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--no-r-alloc", action="store_true",
                    help="skip the second R worker (with cntkr::tune_allocator())")
    ap.add_argument("--memory-batch", type=int, default=_cases.MEMORY["batch"])
    ap.add_argument("--json", default=str(ROOT / "docs" / "benchmarks.json"))
    ap.add_argument("--png", default=str(ROOT / "docs" / "benchmarks.png"))
    ap.add_argument("--train", action="store_true",
                    help="also the training-step family (bench/train_step.py: mnist_example and "
                         "cifar10_example, one train_minibatch), written to --train-json")
    ap.add_argument("--train-json", default=str(ROOT / "docs" / "benchmarks-train.json"))
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.sample_ms = min(args.repeats, 5), min(args.sample_ms, 1.0)

    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
        for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            impls.WORKER_ENV[k] = str(args.threads)
    cases = [c for c in _cases.CASES if not args.cases or c["id"] in args.cases.split(",")]
    if args.batch:
        cases = [_cases.shrink(c, args.batch) for c in cases]
    impl_list, skipped = [impls.CntkrPy(), impls.TorchRaw()], []
    for flag, make in ((args.no_cntk, impls.cntk_worker), (args.no_r, impls.r_worker),
                       (args.no_r or args.no_r_alloc, lambda: impls.r_worker(tuned=True))):
        if flag:
            continue
        w, why = make()
        if w is None:
            print(why)
            skipped.append(why)
        else:
            impl_list.append(w)
    print(f"setting up {', '.join(i.name for i in impl_list)} on {len(cases)} cases ...")
    for i in impl_list:
        i.setup(cases)
    try:
        inner = calibrate(impl_list[1], cases, args.sample_ms / 1e3)
        samples = run_timings(impl_list, cases, args.repeats, args.warmup, inner)
    finally:
        for i in impl_list:
            i.close()
    names = [i.name for i in impl_list]
    res = summarize(samples, names, cases)
    ver = verdicts(res, names)
    print()
    print(table(res, ver, names, cases))

    mem = []
    if not args.no_memory:
        print("\nmemory (fresh process per setting):")
        mem = run_memory(_cases.MEMORY["settings"], _cases.MEMORY["case"], args.memory_batch)
        print(memory_table(mem))

    doc = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "python": platform.python_version(), "gpu": "none (CPU only)"},
        "versions": {i.name: i.version for i in impl_list},
        "settings": {"repeats": args.repeats, "sample_ms": args.sample_ms, "warmup": args.warmup,
                     "inner": {f"{k[0]}/{k[1]}": v for k, v in inner.items()}},
        "skipped": skipped,
        "cases": {c["id"]: {"label": c["label"], "batch": c["batch"]} for c in cases},
        "results": res, "ratios": ver, "memory": mem,
        "targets": {"cntkr/torch": TORCH_RATIO_MAX, "tiny_overhead_us": TINY_OVERHEAD_MAX_S * 1e6,
                    "R/Python": R_RATIO_MAX, "R_overhead_us": R_OVERHEAD_MAX_S * 1e6},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
        print(f"\nwrote {args.json}")
    if args.png and plot(res, names, cases, mem, args.png):
        print(f"wrote {args.png}")
    if args.train:
        import train_step
        print("\ntraining step:")
        train_step.main(["--json", args.train_json] + ["--no-cntk"] * args.no_cntk +
                        ["--no-r"] * args.no_r)
    return doc


if __name__ == "__main__":
    main()
