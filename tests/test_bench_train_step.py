"""Smoke test of bench/train_step.py (the training-step benchmark) on its real networks, so that
it never rots: the torch loop computes cntkr's network (same outputs, same parameters after a few
steps), one short interleaved run and the report. No timing is asserted; CNTK 2.7 and R are not
needed."""
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import train_step  # noqa: E402


def test_the_torch_loop_trains_the_mnist_network_cntkr_trains():
    cntkr = train_step.CntkrPy(["mnist"])
    assert train_step.check_same_network(cntkr) < 1e-6


def test_the_torch_cifar10_network_is_cntkrs():
    cntkr = train_step.CntkrPy(["cifar10"])
    trainer, z = cntkr.models["cifar10"]
    mods, forward = train_step._torch_modules("cifar10", z)
    X, _ = train_step.data("cifar10", batch=2)
    with torch.no_grad():
        ref = forward(torch.from_numpy(X), training=False).numpy()
    np.testing.assert_allclose(z.eval({z.arguments[0]: X}), ref, rtol=1e-4, atol=1e-4)


def test_one_short_run_and_its_report():
    cntkr = train_step.CntkrPy(["mnist"])
    impls = [cntkr, train_step.TorchLoop(["mnist"], cntkr.models)]
    res = train_step.run(["mnist"], 1, impls, log=None)
    assert res[("cntkr_py", "mnist")] > 0 and res[("torch", "mnist")] > 0
    res.update({("cntk", "mnist"): 1.0, ("R", "mnist"): 1.0})
    table, verdicts = train_step.report(res, ["mnist"], ["cntkr_py", "torch", "cntk", "R"])
    assert "cntkr_py / torch" in verdicts and "R / cntkr_py" in verdicts and "mnist" in table
