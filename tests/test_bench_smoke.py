"""Smoke test of the benchmark code (bench/) on tiny sizes, so that it never rots.

No timing is asserted; CNTK 2.7 and R are not needed (their workers are skipped here, and the
table/ratio code for their columns runs on made-up numbers)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import cases  # noqa: E402
import impls  # noqa: E402
import run  # noqa: E402


@pytest.mark.parametrize("case", cases.CASES, ids=[c["id"] for c in cases.CASES])
def test_torch_baseline_computes_what_cntkr_computes(case):
    """The raw-torch arguments of each case give cntkr's output (so the comparison is fair)."""
    case = cases.shrink(case, 2)
    x, layer, f, xv = impls.build_cntkr(case)
    if cases.kind(case) == "Dense":  # F.linear with torch's (out, in) weight
        ref = torch.nn.functional.linear(torch.from_numpy(xv), layer.W.data().T, layer.b.data())
        np.testing.assert_allclose(f.eval({x: xv}), ref.numpy(), rtol=1e-5, atol=1e-5)
        return
    if cases.kind(case) == "Convolution2D":  # F.conv2d with CNTK's (out, in, kh, kw) weight
        t = case["torch"]
        ref = torch.nn.functional.conv2d(torch.from_numpy(xv), layer.W.data(),
                                         layer.b.data().reshape(-1), t["stride"], t["padding"])
        np.testing.assert_allclose(f.eval({x: xv}), ref.numpy(), rtol=1e-4, atol=1e-4)
        return
    if cases.kind(case) == "MaxPooling":
        t = case["torch"]
        ref = torch.nn.functional.max_pool2d(torch.from_numpy(xv), t["kernel_size"], t["stride"])
        np.testing.assert_array_equal(f.eval({x: xv}), ref.numpy())
        return
    conv = impls._CONV_T[len(case["layer"]["filter_shape"])]
    t = case["torch"]
    ref = conv(torch.from_numpy(xv), layer.W.data(), layer.b.data().reshape(-1),
               t["stride"], t["padding"], t["output_padding"])
    np.testing.assert_allclose(f.eval({x: xv}), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_run_end_to_end_tiny(tmp_path):
    out = tmp_path / "b.json"
    doc = run.main(["--batch", "1", "--repeats", "2", "--warmup", "1", "--sample-ms", "0.05",
                    "--no-cntk", "--no-r", "--no-memory", "--json", str(out), "--png", ""])
    saved = json.loads(out.read_text())
    assert set(saved["results"]) == {c["id"] for c in cases.CASES}
    for cid, modes in saved["results"].items():
        for m in cases.MODES:
            for impl in ("cntkr_py", "torch"):
                assert modes[m][impl]["median_s"] > 0
            assert "cntkr/torch" in saved["ratios"][cid][m]
    assert doc["versions"]["cntkr_py"]


def test_memory_child_runs_and_reports():
    r = run.run_memory([0, 2], "dcgan_block", 4, log=None)
    assert [x["chunk"] for x in r] == [0, 2]
    for x in r:
        assert x["batch"] == 4 and x["peak_extra_bytes"] > 0 and "workspace_bytes" in x


def test_table_and_ratios_with_all_columns():
    names = ["cntkr_py", "torch", "cntk", "R", "R_tuned"]
    speed = {"cntkr_py": 1.0, "torch": 1.0, "cntk": 2.0, "R": 1.05, "R_tuned": 1.2}
    samples = {(n, c["id"], m): [1e-3 * speed[n]] * 3
               for n in names for c in cases.CASES for m in cases.MODES}
    res = run.summarize(samples, names, cases.CASES)
    ver = run.verdicts(res, names)
    assert ver["dcgan_block"]["fwd"]["cntk_ok"] and ver["dcgan_block"]["fwd"]["R_ok"]
    assert not ver["dcgan_block"]["fwd"]["R_tuned_ok"]  # 1.2x the Python time
    assert ver["tiny"]["fwd"]["torch_ok"]
    text = run.table(res, ver, names, cases.CASES)
    assert "dcgan_last" in text and "cntkr/CNTK" in text and "R_tuned/Python" in text
    assert "1.20 MISS" in text
    mem = [{"chunk": k, "peak_extra_bytes": 2**20 * (10 + k), "workspace_bytes": 2**20 * k}
           for k in (0, 4)]
    assert "max_temp_mem_size_in_samples" in run.memory_table(mem)


def test_plot(tmp_path):
    # matplotlib is installed by the setup (make test / make bench)
    names = ["cntkr_py", "torch"]
    samples = {(n, c["id"], m): [1e-3] for n in names for c in cases.CASES for m in cases.MODES}
    res = run.summarize(samples, names, cases.CASES)
    mem = [{"chunk": 0, "peak_extra_bytes": 2**20, "workspace_bytes": 2**19}]
    assert run.plot(res, names, cases.CASES, mem, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000
