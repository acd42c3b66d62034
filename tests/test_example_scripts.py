"""The tutorial scripts in examples/ (mnist_example.py, cifar10_example.py) run at their --small
setting, on their generated stand-in data (the real data sets are not in a fresh checkout), and
print what they promise. (Full settings: see each script's docstring.)"""
import importlib.util
import os
import re

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))


def _script(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(ROOT, "examples", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _result(text):
    found = re.findall(r"^RESULT (\S+) (.*)$", text, flags=re.M)
    assert len(found) == 1, text
    return found[0][0], dict((kv.split("=") + [None])[:2] for kv in found[0][1].split())


def test_mnist_example_small_on_the_stand_in(tmp_path, capsys):
    error = _script("mnist_example").main(["--small", "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "GENERATED STAND-IN" in out and "not Fashion-MNIST" in out
    assert re.search(r"^ Minibatch\[   1-   5\]: loss = [0-9.]+ \* 320, metric = [0-9.]+% \* 320;$", out, re.M)
    assert "Finished Epoch[1]: [Training]" in out
    name, result = _result(out)
    assert name == "mnist_example" and result["samples"] == "1280"
    assert float(result["test_error"]) == pytest.approx(error)
    assert "on 500 test images" in out
    assert error < 0.6  # 10 classes: chance is 0.9; the stand-in's bars are learned in 20 minibatches


@pytest.mark.filterwarnings("ignore:When providing the schedule as a number")  # CNTK 2.7 warns too
def test_cifar10_example_small_on_the_stand_in(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CNTKR_CIFAR10_DIR", raising=False)
    error = _script("cifar10_example").main(["--small"])
    out = capsys.readouterr().out
    assert "GENERATED STAND-IN" in out and "not CIFAR-10" in out
    assert "Finished Epoch[1 of 2]: [Training]" in out and "Finished Epoch[2 of 2]: [Training]" in out
    name, result = _result(out)
    assert name == "cifar10_example" and result["cntkr_py"] is None and result["epochs"] == "2" and result["epoch_size"] == "128"
    assert 0.0 <= error <= 1.0 and "on 128 test images" in out


def test_mnist_example_reads_given_ctf_files(tmp_path, capsys):
    mod = _script("mnist_example")
    import numpy as np
    rng = np.random.default_rng(3)
    mod.write_ctf(str(tmp_path / mod.TRAIN), *mod.stand_in_images(200, rng))
    mod.write_ctf(str(tmp_path / mod.TEST), *mod.stand_in_images(50, rng))
    mod.main(["--small", "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert f"data: Fashion-MNIST CTF files in {tmp_path}" in out and "STAND-IN" not in out
    assert "on 50 test images" in out
