"""The training step's speed: one ``train_minibatch`` (forward, backward, update) of CNTK-R's
mnist_example and cifar10_example networks, minibatch 64, timed in ONE interleaved run for

* ``cntkr_py``: ``Trainer.train_minibatch({x: X, y: Y})`` with NumPy arrays, as a CNTK user calls it;
* ``torch``: a hand-written torch loop of the same network (nn.Conv2d / nn.Linear with cntkr's
  initial weights, ``F.cross_entropy(reduction="sum")``, ``torch.optim.SGD`` set to CNTK's rule);
* ``cntk``: CNTK 2.7 (this file run as a worker in ../shared/cntk-reference), when it is set up;
* ``R``: cntkr from R (bench/train_step.R: ``train_minibatch(trainer, list(x = X, y = Y))`` with R
  arrays), when R and the cntkr R package are set up; ``R_numpy``: the same fed float32 NumPy
  arrays made once, as a reader's minibatch arrives (the R call without the arrays' conversion).

    .venv/bin/python bench/train_step.py [--nets mnist,cifar10] [--repeats 15] [--no-cntk] [--no-r]
                                         [--json docs/benchmarks-train.json]

Each repeat times `inner` steps of every implementation (one untimed step first), the order
shuffled anew each repeat; reported: the median time per step over the repeats, and the ratios
cntkr_py / torch, cntkr_py / cntk and R / cntkr_py. Before timing, the torch loop's and cntkr's
parameters after 3 steps of mnist_example are checked equal (the two compute the same network).
Runs in Python 3.6 too (the CNTK worker imports it).
"""
import argparse
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import time

# idle OpenMP threads sleep (see bench/run.py): set before torch (or CNTK) loads its runtime
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CNTK_RUNNER = os.path.join(os.environ.get("CNTK_REFERENCE", os.path.join(ROOT, "..", "shared",
                                                                        "cntk-reference")), "run")
WORKER_ENV = {"KMP_BLOCKTIME": "0", "OMP_WAIT_POLICY": "PASSIVE"}

BATCH = 64
#: the networks (CNTK-R's vignettes): input shape, learner, and steps per timed sample
NETS = {
    "mnist": {"label": "mnist_example: 1x28x28/255, Conv 5x5x8 s2 pad relu, Conv 5x5x16 s2 pad "
                       "relu, Dense 10; sgd 0.2 per minibatch",
              "input": [1, 28, 28], "inner": 10},
    "cifar10": {"label": "cifar10_example: 3x32x32, (x-128)/256, 2x[Conv 3x3x64 pad relu x2, "
                         "MaxPool 3x3/2 pad], Dense 256 relu, Dropout .5, Dense 128 relu, Dropout "
                         ".5, Dense 10; momentum_sgd 0.001/sample, m 0.9, l2 0.002",
                "input": [3, 32, 32], "inner": 1},
}
RATIO_TORCH_MAX = 1.05   # cntkr_py / torch
RATIO_R_MAX = 1.05       # R / cntkr_py


def data(net, batch=BATCH):
    """The minibatch every implementation trains on: pixels 0..255 and one-hot labels."""
    rng = np.random.RandomState(0)
    X = np.floor(rng.rand(batch, *NETS[net]["input"]) * 256).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.randint(0, 10, batch)]
    return X, Y


def build_cntk_style(C, net):
    """(trainer, x, y, z) through CNTK's Python API: the same code for CNTK 2.7 and cntkr_py."""
    L = C.layers
    x = C.input_variable(tuple(NETS[net]["input"]), np.float32, name="x")
    y = C.input_variable(10, np.float32, name="y")
    if net == "mnist":
        h = C.element_times(1 / 255, x)
        h = L.Convolution2D((5, 5), 8, strides=(2, 2), pad=True, activation=C.relu,
                            name="first_conv")(h)
        h = L.Convolution2D((5, 5), 16, strides=(2, 2), pad=True, activation=C.relu, name="conv")(h)
        z = L.Dense(10, activation=None, name="classify")(h)
        learner = C.learners.sgd(z.parameters,
                                 C.learners.learning_rate_schedule(0.2, C.learners.UnitType.minibatch))
    else:
        h = C.element_times(C.constant(0.00390625), C.minus(x, C.constant(128)))
        z = L.Sequential([
            L.For(range(2), lambda: [
                L.Convolution2D((3, 3), 64, activation=C.relu, pad=True),
                L.Convolution2D((3, 3), 64, activation=C.relu, pad=True),
                L.MaxPooling((3, 3), (2, 2), pad=True)]),
            L.Dense(256, activation=C.relu), L.Dropout(0.5),
            L.Dense(128, activation=C.relu), L.Dropout(0.5),
            L.Dense(10, activation=None)])(h)
        learner = C.learners.momentum_sgd(
            z.parameters, C.learners.learning_rate_schedule(0.001, C.learners.UnitType.sample),
            C.learners.momentum_schedule(0.9), l2_regularization_weight=0.002)
    loss = C.cross_entropy_with_softmax(z, y)
    err = C.classification_error(z, y)
    return C.Trainer(z, (loss, err), [learner]), x, y, z


# ---- in-process implementations ---------------------------------------------------------------
class InProcess:
    name = ""

    def time(self, net, inner):
        step = self.steps[net]
        step()  # untimed: caches warm again after the other implementations ran
        t0 = time.perf_counter()
        for _ in range(inner):
            step()
        return (time.perf_counter() - t0) / inner


class CntkrPy(InProcess):
    name = "cntkr_py"

    def __init__(self, nets):
        import cntkr_py as C
        self.version = C.__version__
        self.models, self.steps = {}, {}
        for net in nets:
            trainer, x, y, z = build_cntk_style(C, net)
            X, Y = data(net)
            feed = {x: X, y: Y}
            self.models[net] = (trainer, z)
            self.steps[net] = lambda t=trainer, f=feed: t.train_minibatch(f)


def _torch_modules(net, z):
    """The torch network of `net` with cntkr's current parameter values."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def W(p):  # a cntkr parameter's value as a torch tensor
        return p.data().detach().clone()

    if net == "mnist":
        c1, c2, d = nn.Conv2d(1, 8, 5, 2, 2), nn.Conv2d(8, 16, 5, 2, 2), nn.Linear(16 * 7 * 7, 10)
        with torch.no_grad():
            for m, layer in ((c1, z.first_conv), (c2, z.conv)):
                m.weight.copy_(W(layer.W))
                m.bias.copy_(W(layer.b).reshape(-1))
            d.weight.copy_(W(z.classify.W).reshape(-1, 10).t())
            d.bias.copy_(W(z.classify.b))
        mods = nn.ModuleList([c1, c2, d])

        def forward(x, training=True):
            h = x * (1 / 255)
            h = F.relu(c1(h))
            h = F.relu(c2(h))
            return d(h.flatten(1))
        return mods, forward
    convs = [nn.Conv2d(3 if i == 0 else 64, 64, 3, 1, 1) for i in range(4)]
    dense = [nn.Linear(64 * 8 * 8, 256), nn.Linear(256, 128), nn.Linear(128, 10)]
    # cntkr's parameters, output first: Dense 10, 128, 256, then the convolutions last first
    ps = list(z.parameters)
    with torch.no_grad():
        for k, lin in enumerate(reversed(dense)):
            w, b = ps[2 * k], ps[2 * k + 1]
            lin.weight.copy_(W(w).reshape(-1, lin.out_features).t())
            lin.bias.copy_(W(b))
        for k, conv in enumerate(reversed(convs)):
            w, b = ps[6 + 2 * k], ps[6 + 2 * k + 1]
            conv.weight.copy_(W(w))
            conv.bias.copy_(W(b).reshape(-1))
    mods = nn.ModuleList(convs + dense)

    def forward(x, training=True):
        h = (x - 128) * 0.00390625
        for i, conv in enumerate(convs):
            h = F.relu(conv(h))
            if i % 2 == 1:
                h = F.max_pool2d(h, 3, 2, 1)
        h = F.dropout(F.relu(dense[0](h.flatten(1))), 0.5, training)
        h = F.dropout(F.relu(dense[1](h)), 0.5, training)
        return dense[2](h)
    return mods, forward


class TorchLoop(InProcess):
    """The hand-written loop: zero_grad, forward, F.cross_entropy(sum), backward, SGD step, the
    loss and error sums read back once."""
    name = "torch"

    def __init__(self, nets, models):
        import torch
        import torch.nn.functional as F
        self.version = torch.__version__
        self.steps, self.nets = {}, {}
        for net in nets:
            mods, forward = _torch_modules(net, models[net][1])
            if net == "mnist":  # CNTK's sgd, 0.2 per minibatch: lr / 64 on the summed gradient
                opt = torch.optim.SGD(mods.parameters(), lr=0.2 / BATCH)
            else:  # unit-gain momentum (dampening = momentum), CNTK's l2 * minibatch on the sum
                opt = torch.optim.SGD(mods.parameters(), lr=0.001, momentum=0.9, dampening=0.9,
                                      weight_decay=0.002 * BATCH)
            X, Y = data(net)
            xt, yt = torch.from_numpy(X), torch.from_numpy(Y.argmax(1))

            def step(opt=opt, forward=forward, xt=xt, yt=yt):
                opt.zero_grad(set_to_none=True)
                out = forward(xt)
                loss = F.cross_entropy(out, yt, reduction="sum")
                loss.backward()
                opt.step()
                err = (out.detach().argmax(1) != yt).sum()
                return torch.stack([loss.detach(), err.to(loss.dtype)]).tolist()
            self.steps[net] = step
            self.nets[net] = mods


def check_same_network(cntkr):
    """3 mnist steps of both from the same weights: the parameters must agree (the torch loop
    computes the network cntkr does)."""
    import torch
    if "mnist" not in cntkr.steps:
        return None
    trainer, z = cntkr.models["mnist"]
    mods, _ = _torch_modules("mnist", z)
    keep = [p.data().clone() for p in z.parameters]
    loop = TorchLoop.__new__(TorchLoop)
    TorchLoop.__init__(loop, ["mnist"], cntkr.models)
    for _ in range(3):
        cntkr.steps["mnist"]()
        loop.steps["mnist"]()
    c1 = loop.nets["mnist"][0]
    err = float((c1.weight.detach() - z.first_conv.W.data()).abs().max())
    with torch.no_grad():
        for p, k in zip(z.parameters, keep):
            p.data().copy_(k)
    return err


# ---- workers (CNTK 2.7, R) ----------------------------------------------------------------------
class Worker:
    """A subprocess timing its own loop; one JSON request/reply a line."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, universal_newlines=True, cwd=ROOT,
                                     env=dict(os.environ, **dict(WORKER_ENV, **(env or {}))))
        self.version = ""

    def call(self, req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("%s worker died: %s" % (self.name, self.proc.stderr.read()[-2000:]))
        return json.loads(line)

    def setup(self, nets):
        self.version = self.call({"cmd": "setup", "nets": nets, "batch": BATCH}).get("version", "")

    def time(self, net, inner):
        return self.call({"cmd": "time", "net": net, "inner": inner})["t"]

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except Exception:  # noqa: BLE001 -- best effort
            self.proc.kill()


def cntk_worker():
    if not os.path.exists(CNTK_RUNNER):
        return None, "CNTK 2.7 skipped: no reference runner at %s" % CNTK_RUNNER
    return Worker("cntk", [CNTK_RUNNER, os.path.abspath(__file__), "--worker"]), None


@functools.lru_cache(maxsize=None)
def _r_setup():
    """(Rscript, environment) for the R workers, or (None, why they are skipped); probed once a
    run for both of them (R, R_numpy)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, "R skipped: Rscript not found (run tools/setup_r.sh)"
    env = {"RETICULATE_PYTHON": os.environ.get("RETICULATE_PYTHON",
                                               os.path.join(ROOT, ".venv", "bin", "python"))}
    rlib = os.path.join(ROOT, ".Rlib")
    if "R_LIBS" not in os.environ and os.path.isdir(rlib):
        env["R_LIBS"] = rlib
    probe = subprocess.run([rscript, "-e", "cat(requireNamespace('cntkr', quietly=TRUE) && "
                            "requireNamespace('jsonlite', quietly=TRUE) && "
                            "'Trainer' %in% getNamespaceExports('cntkr'))"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, env=dict(os.environ, **env), cwd=ROOT)
    if probe.stdout.strip() != "TRUE":
        return None, "R skipped: the cntkr R package (with Trainer) or jsonlite is not installed"
    return rscript, env


def r_worker(name="R", env_extra=None):
    rscript, env_or_why = _r_setup()
    if rscript is None:
        return None, env_or_why
    return Worker(name, [rscript, os.path.join(HERE, "train_step.R")],
                  dict(env_or_why, **(env_extra or {}))), None


def r_numpy_worker():
    """cntkr from R fed float32 NumPy arrays made once (a reader's minibatch costs the same):
    the R call without the conversion of R arrays."""
    return r_worker("R_numpy", {"CNTKR_BENCH_R_INPUT": "numpy"})


def worker_main():
    """The CNTK 2.7 side (run in the reference environment)."""
    out = sys.stdout
    sys.stdout = sys.stderr  # CNTK's chatter off the protocol channel
    import cntk as C
    steps = {}
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "setup":
            for net in req["nets"]:
                trainer, x, y, _ = build_cntk_style(C, net)
                X, Y = data(net, req["batch"])
                steps[net] = (lambda t, f: lambda: t.train_minibatch(f))(trainer, {x: X, y: Y})
            reply = {"version": C.__version__}
        elif req["cmd"] == "time":
            step = steps[req["net"]]
            step()
            t0 = time.perf_counter()
            for _ in range(int(req["inner"])):
                step()
            reply = {"t": (time.perf_counter() - t0) / int(req["inner"])}
        else:
            break
        out.write(json.dumps(reply) + "\n")
        out.flush()


# ---- the run -------------------------------------------------------------------------------------
def run(nets, repeats, impls, log=print):
    samples = {(i.name, n): [] for i in impls for n in nets}
    for impl in impls:  # warm-up
        for n in nets:
            impl.time(n, NETS[n]["inner"])
    rng = random.Random(0)
    for r in range(repeats):
        for n in nets:
            for impl in rng.sample(impls, len(impls)):
                samples[(impl.name, n)].append(impl.time(n, NETS[n]["inner"]))
        if log and (r + 1) % max(1, repeats // 5) == 0:
            log("  repeat %d/%d" % (r + 1, repeats))
    return {k: float(np.median(v)) for k, v in samples.items()}


def report(res, nets, names):
    lines = ["%-10s %s" % ("net", "  ".join("%12s" % n for n in names))]
    verdicts = []
    for n in nets:
        lines.append("%-10s %s" % (n, "  ".join("%9.2f ms" % (1e3 * res[(i, n)]) if (i, n) in res
                                                 else "%12s" % "-" for i in names)))
        c = res[("cntkr_py", n)]
        for other, limit, label in (("torch", RATIO_TORCH_MAX, "cntkr_py / torch"),
                                    ("cntk", 1.0, "cntkr_py / CNTK 2.7")):
            if (other, n) in res:
                ratio = c / res[(other, n)]
                verdicts.append("%-8s %-22s %.3f  (target <= %.2f%s) %s" % (
                    n, label, ratio, limit, "" if other == "torch" else ": faster",
                    "ok" if ratio <= limit else "MISSED"))
        if ("R", n) in res:
            ratio = res[("R", n)] / c
            verdicts.append("%-8s %-22s %.3f  (target <= %.2f) %s" % (
                n, "R / cntkr_py", ratio, RATIO_R_MAX, "ok" if ratio <= RATIO_R_MAX else "MISSED"))
        if ("R_numpy", n) in res:  # for information: the R call without the R arrays' conversion
            verdicts.append("%-8s %-22s %.3f  (R fed float32 NumPy, as from a reader)" % (
                n, "R_numpy / cntkr_py", res[("R_numpy", n)] / c))
    return "\n".join(lines), "\n".join(verdicts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nets", default="mnist,cifar10")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--no-cntk", action="store_true")
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--json", default="")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker_main()
    import torch
    nets = [n for n in args.nets.split(",") if n]
    for n in nets:
        if n not in NETS:
            ap.error("unknown net %r (known: %s)" % (n, ", ".join(NETS)))
    print("training step, minibatch %d, torch %s, %d threads" % (BATCH, torch.__version__,
                                                                   torch.get_num_threads()))
    for n in nets:
        print("  %-8s %s" % (n, NETS[n]["label"]))
    cntkr = CntkrPy(nets)
    err = check_same_network(cntkr)
    if err is not None:
        print("check: after 3 mnist steps from the same weights, max |torch - cntkr| of the first "
              "conv's W = %.2e" % err)
    impls = [cntkr, TorchLoop(nets, cntkr.models)]
    skipped = []
    for flag, make in ((args.no_cntk, cntk_worker), (args.no_r, r_worker),
                       (args.no_r, r_numpy_worker)):
        if flag:
            continue
        w, why = make()
        if w is None:
            skipped.append(why)
            continue
        try:
            w.setup(nets)
            impls.append(w)
        except RuntimeError as e:
            skipped.append("%s skipped: %s" % (w.name, str(e)[-500:]))
    for s in skipped:
        print(s)
    try:
        res = run(nets, args.repeats, impls)
    finally:
        for i in impls:
            if isinstance(i, Worker):
                i.close()
    names = [i.name for i in impls]
    table, verdicts = report(res, nets, names)
    print(table)
    print(verdicts)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"batch": BATCH, "nets": {n: NETS[n]["label"] for n in nets},
                       "versions": {i.name: i.version for i in impls},
                       "median_s": {"%s/%s" % k: v for k, v in res.items()},
                       "skipped": skipped}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
