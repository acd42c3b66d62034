"""Importing cntkr_py makes torch's OpenMP threads wait passively (they sleep instead of spinning,
which costs 3-5x per training step when another process takes a core), unless the user chose."""
import os
import subprocess
import sys

PROBE = ("import os, cntkr_py, torch; torch.ones(64, 64) @ torch.ones(64, 64); "
         "print(os.environ.get('OMP_WAIT_POLICY'))")


def _run(env):
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_import_sets_the_passive_wait_policy():
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert _run(env) == "PASSIVE"


def test_a_users_wait_policy_is_kept():
    env = dict(os.environ, OMP_WAIT_POLICY="ACTIVE")
    assert _run(env) == "ACTIVE"
