"""examples/logistic.py and examples/dcgan.py run at their --small setting (seconds) and learn
(the other tutorial scripts: tests/test_example_scripts.py)."""
import importlib.util
import os

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))


def _script(name):
    spec = importlib.util.spec_from_file_location("example_" + name, os.path.join(ROOT, "examples", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_logistic_small_learns(capsys):
    error, history = _script("logistic").main(["--small", "--quiet"])
    out = capsys.readouterr().out
    assert "test error:" in out and "81 minibatches" in out
    assert [h[0] for h in history] == [0, 50]      # printed every 50 minibatches, as the tutorial
    assert error < 0.25            # chance: 0.5; the classes are nearly separable
    assert history[0][1] > 0.69     # the first minibatch, from zero parameters: log(2)


def test_dcgan_small_trains_both_networks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))   # no data: the stand-in
    mod = _script("dcgan")
    out_png = tmp_path / "grid.png"
    history, generated = mod.main(["--small", "--out", str(out_png)])
    out = capsys.readouterr().out
    assert "generated stand-in" in out and "training: 10 steps" in out
    assert len(history) == 10 and all(np.isfinite(h).all() for h in history)
    # the discriminator learns to tell the stand-in from the first fakes: its loss goes down
    assert history[-1][0] < history[0][0]
    assert generated.shape == (64, 1, 28, 28)
    assert ((generated > 0) & (generated < 1)).all()
    written = [p for p in tmp_path.iterdir() if p.name.startswith("grid")]
    assert len(written) == 1 and written[0].stat().st_size > 0


def test_dcgan_grid_places_images():
    mod = _script("dcgan")
    images = np.zeros((3, 1, 28, 28), np.float32)
    images[1] = 0.5
    picture = mod.grid(images, columns=2)
    assert picture.shape == (2 * 29 + 1, 2 * 29 + 1)
    assert picture[1:29, 1:29].max() == 0 and (picture[1:29, 30:58] == 0.5).all()
    assert (picture[30:58, 30:58] == 1).all()     # no fourth image: background
