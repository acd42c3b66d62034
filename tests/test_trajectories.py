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
