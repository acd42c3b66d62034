"""bench/instructions.py (instruction counts of the training step under callgrind): its parsing
of callgrind's log and its argument check. Running it needs valgrind and minutes per
implementation, so the counts themselves are measured by hand (docs/benchmarks.md)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import instructions  # noqa: E402


def test_the_count_is_read_from_callgrinds_log():
    log = ("==42== Callgrind, a call-graph generating cache profiler\n==42== Events    : Ir\n"
           "==42== Collected : 1186573328\n==42== \n==42== I   refs:      1,186,573,328\n")
    assert instructions.collected(log) == 1186573328
    assert instructions.collected("==42== the worker died before counting\n") is None


def test_steps_must_be_positive():
    with pytest.raises(SystemExit):
        instructions.main(["--steps", "0"])
