"""Training trajectories recorded with real CNTK 2.7 (tests/goldens/training/trajectories/, written
by tools/goldens/training.py): the run descriptions on disk are the generator's."""
import json
import pathlib
import sys

import pytest

from goldens_io import GOLDENS, load

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
from goldens import training  # noqa: E402  (the runs' descriptions and their builder)

FAMILY = GOLDENS / "training" / "trajectories"
RUNS = sorted(FAMILY.glob("*.json"))


def test_the_runs_on_disk_are_the_generators_runs():
    assert sorted(p.stem for p in RUNS) == sorted(r["id"] for r in training.runs())


@pytest.mark.parametrize("run", training.runs(), ids=lambda r: r["id"])
def test_a_run_on_disk_has_its_description(run):
    case = load(FAMILY / f"{run['id']}.json")
    assert {k: case[k] for k in run} == json.loads(json.dumps(run))
    assert [[s["trainer"], s["samples"]] for s in case["steps"]] == run["minibatches"]
    assert [t["inputs"][next(iter(t["inputs"]))]["shape"][0] for t in case["test_results"]] == run["tests"]


# ----------------------------------------------------------------------------------------------
# the replay: each run built by the generator's own build_run with cntkr_py as C
def _close(actual, expected, what, rtol=1e-4, atol=1e-6):
    assert abs(actual - expected) <= rtol * abs(expected) + atol, f"{what}: cntkr {actual!r}, CNTK 2.7 {expected!r}"


@pytest.mark.parametrize("path", RUNS, ids=[p.stem for p in RUNS])
def test_trajectory_replays_cntk(path):
    import numpy as np

    import cntkr_py as C
    from goldens_io import array
    run = load(path)
    built = training.build_run(C, run)
    assert [k for k, _ in built.params] == list(run["initial"])
    for k, p in built.params:
        p.value = array(run["initial"][k])
    for i, step in enumerate(run["steps"]):
        t = built.trainers[step["trainer"]]
        updated = t.train_minibatch({built.inputs[k]: array(a) for k, a in step["inputs"].items()})
        where = f"minibatch {i + 1} ({step['trainer']})"
        assert updated is step["updated"], f"{where}: train_minibatch returned {updated!r}"
        assert t.previous_minibatch_sample_count == step["samples"], where
        assert t.total_number_of_samples_seen == step["total_samples_seen"], where
        if run["train_random"]:
            continue
        _close(t.previous_minibatch_loss_average, step["loss"], f"{where}: loss average")
        if step["metric"] is not None:
            _close(t.previous_minibatch_evaluation_average, step["metric"], f"{where}: evaluation average")
    for i, res in enumerate(run["test_results"]):
        feed = {built.inputs[k]: array(a) for k, a in res["inputs"].items()}
        _close(built.trainers["main"].test_minibatch(feed), res["metric"], f"test minibatch {i + 1}")
        out = built.model.eval({built.inputs["features"]: array(res["inputs"]["features"])})
        np.testing.assert_allclose(out, array(res["output"]), rtol=1e-4, atol=1e-4, err_msg=f"test output {i + 1}")
    for k, p in built.params + built.constants:
        np.testing.assert_allclose(p.value, array((run["final"] if k in run["final"] else run["final_constants"])[k]),
                                   rtol=1e-4, atol=1e-4, err_msg=f"final {k}")
