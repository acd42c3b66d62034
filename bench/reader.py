"""The CTF reader's speed: one sweep of the Fashion-MNIST train CTF (60,000 lines of 794 values),
minibatch 64, no randomisation, read by cntkr_py.io and by CNTK 2.7 in ONE run, alternating.

    .venv/bin/python bench/reader.py [--file data/fashion-mnist/Train-28x28_cntk_text.txt]
                                     [--repeats 3] [--no-cntk] [--randomize]

The file is written by tools/fashion_mnist_to_ctf.py when missing. Each repeat reads one full
sweep with each reader (the order alternating), through ``MinibatchSource(CTFDeserializer(...),
randomize=False, max_sweeps=1).next_minibatch(64)`` until it is empty; CNTK 2.7 runs as a
subprocess in ../shared/cntk-reference (this file, ``--worker``) and times its own loop, after
its import. Reported: the median samples per second of each, and cntkr / CNTK. The numbers move
by +-20% between runs on a busy machine, alike for both.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CNTK_RUNNER = os.path.join(os.environ.get("CNTK_REFERENCE", os.path.join(ROOT, "..", "shared",
                                                                        "cntk-reference")), "run")
DEFAULT_FILE = os.path.join(ROOT, "data", "fashion-mnist", "Train-28x28_cntk_text.txt")
BATCH = 64


def sweep(io, path, randomize=False):
    """Read one sweep of `path` with module `io` (cntk.io or cntkr_py.io): (samples, seconds)."""
    start = time.perf_counter()
    src = io.MinibatchSource(io.CTFDeserializer(path, io.StreamDefs(
        features=io.StreamDef(field="features", shape=784),
        labels=io.StreamDef(field="labels", shape=10))), randomize=randomize, max_sweeps=1)
    features = src.streams.features
    n = 0
    while True:
        mb = src.next_minibatch(BATCH)
        if not mb:
            break
        n += mb[features].num_samples
    return n, time.perf_counter() - start


def worker(path, randomize):
    import cntk.io
    n, seconds = sweep(cntk.io, path, randomize)
    print(json.dumps({"samples": n, "seconds": seconds}))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-cntk", action="store_true")
    ap.add_argument("--randomize", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.file, args.randomize)
    if not os.path.exists(args.file):
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import fashion_mnist_to_ctf
        fashion_mnist_to_ctf.main(os.path.dirname(args.file))
    sys.path.insert(0, ROOT)
    import cntkr_py.io
    from cntkr_py.io import _ctf
    use_cntk = not args.no_cntk and os.path.exists(CNTK_RUNNER)
    rates = {"cntkr_py": [], "cntk": []}
    for r in range(args.repeats):
        order = ["cntkr_py", "cntk"] if r % 2 == 0 else ["cntk", "cntkr_py"]
        for impl in order:
            if impl == "cntkr_py":
                n, seconds = sweep(cntkr_py.io, args.file, args.randomize)
            elif use_cntk:
                cmd = [CNTK_RUNNER, os.path.abspath(__file__), "--worker", "--file", args.file]
                out = subprocess.run(cmd + (["--randomize"] if args.randomize else []),
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     universal_newlines=True, check=True).stdout
                res = json.loads(out.strip().splitlines()[-1])
                n, seconds = res["samples"], res["seconds"]
            else:
                continue
            rates[impl].append(n / seconds)
            print(f"  repeat {r + 1} {impl:9s} {n} samples in {seconds:.2f} s: {n / seconds:,.0f} samples/s")
    med = {k: sorted(v)[len(v) // 2] for k, v in rates.items() if v}
    parser = "C" if _ctf._C_PARSE is not None else "NumPy (the C parser is not built)"
    print(f"one sweep, minibatch {BATCH}, {'randomised' if args.randomize else 'no randomisation'}; "
          f"cntkr's parser: {parser}")
    for k, v in med.items():
        print(f"{k:9s} {v:10,.0f} samples/s")
    if "cntk" in med:
        print(f"cntkr_py / CNTK 2.7: {med['cntkr_py'] / med['cntk']:.2f}x")
    return med


if __name__ == "__main__":
    main()
