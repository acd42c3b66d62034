"""The initializers family: tests/goldens/initializers/statistics.json, what CNTK 2.7 draws for the
W of C.layers.ConvolutionTranspose (and of a bare C.parameter).

Everything recorded is measured from CNTK.  The only thing this module computes itself is
"cntk_formula": the fan rule and range/stdev transcribed from CNTK's source
(Source/ComputationNetworkLib/InputAndParamNodes.cpp, LearnableParameter::InitRandom and
ParseRandomizationType; Source/CNTKv2LibraryDll/Variable.cpp), and every measurement is checked
against it ("formula_ok").  Configurations that may crash CNTK are probed in a fresh process.
"""
import json
import math
import os
import subprocess
import sys

from . import register
from ._base import Family

TARGET_N = 60000          # values pooled per case (over seeds 1000+k when one W is small)
SENTINEL_RANK = 2147483647

PROBE_PRELUDE = r'''
import cntk as C, numpy as np
def W(fs, nf, ish, init, **kw):
    l = C.layers.ConvolutionTranspose(fs, nf, init=init, **kw)
    x = C.input_variable(ish)
    l(x)
    return l.W.value
'''


def probe(code):
    """Runs PROBE_PRELUDE + code in a fresh CNTK process; returns a dict describing the outcome."""
    script = PROBE_PRELUDE + "\ntry:\n" + "".join("    " + ln + "\n" for ln in code.split("\n")) + \
        "    print('@@OK')\nexcept BaseException as e:\n" \
        "    print('@@EXC', type(e).__name__, '|', str(e).strip().split('\\n')[0])\n"
    p = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300)
    res = {"returncode": p.returncode}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("@@")]
    if not lines:
        res["outcome"] = "crash"
        res["stderr_tail"] = p.stderr.strip().splitlines()[-3:]
    elif lines[-1] == "@@OK":
        res["outcome"] = "ok"
    else:
        head, msg = lines[-1][len("@@EXC "):].split(" | ", 1)
        res["outcome"] = "exception"
        res["cntk_error_type"] = head.strip()
        res["cntk_error"] = msg.strip()
    res["stdout"] = [ln for ln in p.stdout.splitlines() if ln.startswith("@@VAL")]
    return res


# --------------------------------------------------------------------------- CNTK's formula (from source)
def cntk_fans(shape, output_rank, filter_rank):
    if output_rank == SENTINEL_RANK:
        output_rank = 1
    if filter_rank == SENTINEL_RANK:
        filter_rank = 0
    dims = list(shape)[::-1]
    rank = len(dims)
    fs = 1
    for d in dims[:filter_rank]:
        fs *= d
    b = filter_rank + max(output_rank, 0)
    e = rank if output_rank >= 0 else rank + output_rank
    fan_in = fs
    for d in dims[b:e]:
        fan_in *= d
    numel = 1
    for d in dims:
        numel *= d
    return fan_in, numel * fs // fan_in


def cntk_formula(kind, scale, shape, output_rank, filter_rank):
    fi, fo = cntk_fans(shape, output_rank, filter_rank)
    table = {
        "uniform": ("uniform", 1.0, "scale"),
        "normal": ("normal", 1.0, "scale"),
        "xavier": ("uniform", math.sqrt(3.0 / fi), "scale*sqrt(3/fan_in)"),
        "glorot_uniform": ("uniform", math.sqrt(6.0 / (fi + fo)), "scale*sqrt(6/(fan_in+fan_out))"),
        "glorot_normal": ("normal", math.sqrt(2.0 / (fi + fo)), "scale*sqrt(2/(fan_in+fan_out))"),
        "he_uniform": ("uniform", math.sqrt(6.0 / fi), "scale*sqrt(6/fan_in)"),
        "he_normal": ("normal", math.sqrt(2.0 / fi), "scale*sqrt(2/fan_in)"),
        "truncated_normal": ("truncated_normal", 1.0, "stdev, truncated to [-2 stdev, 2 stdev]"),
    }
    dist, base, text = table[kind]
    out = {"distribution": dist, "fan_in": fi, "fan_out": fo, "formula": text}
    out["limit" if dist == "uniform" else "stdev"] = base * scale
    return out


def expected_std(f):
    if f["distribution"] == "uniform":
        return f["limit"] / math.sqrt(3.0)
    if f["distribution"] == "normal":
        return f["stdev"]
    # N(0, s) truncated at +-2s: var = s^2 * (1 - 2*2*phi(2)/(2*Phi(2)-1))
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    Z = math.erf(2 / math.sqrt(2))
    return f["stdev"] * math.sqrt(1 - 4 * phi2 / Z)


def rel_se_std(dist, n):
    # relative standard error of the sample std (kurtosis-based)
    kurt = {"uniform": 1.8, "normal": 3.0, "truncated_normal": 2.3}[dist]
    return math.sqrt((kurt - 1) / (4.0 * n))


# --------------------------------------------------------------------------- measuring
def make_init(C, kind, args, seed):
    a = dict(args)
    if seed is not None:
        a["seed"] = seed
    return getattr(C.initializer, kind)(**a)


def measure(C, np, case):
    if case.get("via") != "parameter":
        layer = case["layer"]
        kw = {k: v for k, v in layer.items() if k not in ("filter_shape", "num_filters")}
        fs = tuple(layer["filter_shape"])
        nf = tuple(layer["num_filters"]) if isinstance(layer["num_filters"], list) else layer["num_filters"]
        x = C.input_variable(tuple(case["input_shape"]))
    vals = []
    n = 0
    k = 0
    shape = None
    auto = case.get("seeds") == "auto"
    while n < TARGET_N:
        seed = None if auto else 1000 + k
        if case.get("via") == "parameter":
            p = C.parameter(tuple(case["W_shape"]), init=make_init(C, case["init"], case["init_args"], seed))
            w = p.value
        else:
            l = C.layers.ConvolutionTranspose(fs, nf, init=make_init(C, case["init"], case["init_args"], seed), **kw)
            l(x)
            w = l.W.value
        shape = list(w.shape)
        vals.append(np.asarray(w, dtype=np.float64).ravel())
        n += w.size
        k += 1
    v = np.concatenate(vals)
    case["W_shape"] = shape
    case["W_dtype"] = str(w.dtype)
    case["draws"] = k
    case["seeds"] = "auto (SentinelValueForAutoSelectRandomSeed)" if auto else "1000+k for draw k"
    case["n"] = int(v.size)
    case["mean"] = float(v.mean())
    case["std"] = float(v.std())
    case["min"] = float(v.min())
    case["max"] = float(v.max())
    # check against CNTK's source formula
    ranks = case.get("effective_ranks", {})
    scale = case["init_args"].get("stdev", case["init_args"].get("scale", 1.0))
    f = cntk_formula(case["init"], scale, shape, ranks.get("output_rank", SENTINEL_RANK),
                     ranks.get("filter_rank", SENTINEL_RANK))
    case["cntk_formula"] = f
    es = expected_std(f)
    se = rel_se_std(f["distribution"], case["n"])
    ok = abs(case["std"] / es - 1) < 6 * se and abs(case["mean"]) < 6 * es / math.sqrt(case["n"])
    if f["distribution"] == "uniform":
        ok = ok and case["max"] <= f["limit"] * (1 + 1e-6) and -case["min"] <= f["limit"] * (1 + 1e-6) \
            and case["max"] >= f["limit"] * (1 - 30.0 / case["n"])
    if f["distribution"] == "truncated_normal":
        ok = ok and max(case["max"], -case["min"]) <= 2 * f["stdev"] * (1 + 1e-6)
    case["formula_ok"] = bool(ok)
    return case


CONFIGS = [
    # id,              filter_shape, num_filters, input_shape, extra layer kwargs
    ("2d_i2_o8",        [3, 3],    8,  [2, 10, 10], {}),
    ("2d_i8_o2",        [3, 3],    2,  [8, 10, 10], {}),
    ("2d_nonsq_i3_o16", [3, 5],    16, [3, 9, 9],   {}),
    ("2d_i16_o1_2x4",   [2, 4],    1,  [16, 6, 6],  {}),
    ("1d_i4_o6",        [5],       6,  [4, 12],     {}),
    ("3d_i2_o4",        [3, 3, 3], 4,  [2, 5, 5, 5], {}),
    ("2d_rr0_o8",       [3, 3],    8,  [10, 10],    {"reduction_rank": 0}),
    ("2d_scalarout_i5", [3, 3],    [], [5, 10, 10], {}),
]
FAN_KINDS = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "xavier"]


def layer_of(cfg):
    _, fs, nf, ish, extra = cfg
    d = {"filter_shape": fs, "num_filters": nf}
    d.update(extra)
    return d, ish


def build_cases():
    cases = []

    def add(cid, kind, args, cfg, **more):
        layer, ish = layer_of(cfg)
        c = {"id": cid, "init": kind, "init_args": args, "layer": layer, "input_shape": ish,
             # what the layer's _initializer_for passes (initializer_with_rank):
             "effective_ranks": {"output_rank": -1, "filter_rank": len(layer["filter_shape"])}}
        c.update(more)
        cases.append(c)

    cfg = {c[0]: c for c in CONFIGS}
    for kind in FAN_KINDS:
        for c in CONFIGS:
            add("%s__%s" % (kind, c[0]), kind, {}, c)
    # scale
    add("glorot_uniform_s2.5__2d_i8_o2", "glorot_uniform", {"scale": 2.5}, cfg["2d_i8_o2"])
    add("he_normal_s0.5__1d_i4_o6", "he_normal", {"scale": 0.5}, cfg["1d_i4_o6"])
    add("xavier_s3__2d_nonsq_i3_o16", "xavier", {"scale": 3.0}, cfg["2d_nonsq_i3_o16"])
    add("he_uniform_s0.1__2d_i16_o1_2x4", "he_uniform", {"scale": 0.1}, cfg["2d_i16_o1_2x4"])
    add("glorot_normal_s4__3d_i2_o4", "glorot_normal", {"scale": 4.0}, cfg["3d_i2_o4"])
    # ranks given by the user, equal to what the layer passes (accepted; other values raise)
    add("he_uniform_or-1_fr2__2d_i8_o2", "he_uniform", {"output_rank": -1, "filter_rank": 2}, cfg["2d_i8_o2"])
    add("he_normal_fr1__1d_i4_o6", "he_normal", {"filter_rank": 1}, cfg["1d_i4_o6"])
    add("glorot_uniform_or-1__2d_nonsq_i3_o16", "glorot_uniform", {"output_rank": -1}, cfg["2d_nonsq_i3_o16"])
    # uniform / normal: no fans
    add("uniform_0.3__2d_i2_o8", "uniform", {"scale": 0.3}, cfg["2d_i2_o8"])
    add("uniform_2__2d_i8_o2", "uniform", {"scale": 2.0}, cfg["2d_i8_o2"])
    add("uniform_0.05__3d_i2_o4", "uniform", {"scale": 0.05}, cfg["3d_i2_o4"])
    add("normal_0.7__2d_i2_o8", "normal", {"scale": 0.7}, cfg["2d_i2_o8"])
    add("normal_0.7__2d_i8_o2", "normal", {"scale": 0.7}, cfg["2d_i8_o2"])
    add("normal_0.02__2d_rr0_o8", "normal", {"scale": 0.02}, cfg["2d_rr0_o8"])
    add("normal_1.5_or-1_fr1__1d_i4_o6", "normal", {"scale": 1.5, "output_rank": -1, "filter_rank": 1},
        cfg["1d_i4_o6"])
    # auto-selected seeds (no seed argument)
    add("glorot_uniform_autoseed__2d_i8_o2", "glorot_uniform", {}, cfg["2d_i8_o2"], seeds="auto")
    add("he_normal_autoseed__2d_nonsq_i3_o16", "he_normal", {}, cfg["2d_nonsq_i3_o16"], seeds="auto")
    for c in cases:
        if c["init"] == "uniform":
            c["effective_ranks"] = {}
    # truncated_normal cannot go through the layer (CNTK crashes); measured on a bare parameter
    for sd, shp in ((0.1, [2, 8, 3, 3]), (1.0, [16, 1, 2, 4]), (0.02, [64, 32])):
        cases.append({"id": "truncated_normal_%g__parameter_%s" % (sd, "x".join(map(str, shp))),
                      "init": "truncated_normal", "init_args": {"stdev": sd}, "via": "parameter",
                      "W_shape": shp, "effective_ranks": {}})
    # bare C.parameter: ranks left at the sentinel -> CNTK defaults output_rank=1, filter_rank=0
    for kind, shp in (("he_uniform", [2, 8, 3, 3]), ("glorot_normal", [5, 7]), ("he_normal", [30, 3]),
                      ("glorot_uniform", [3, 30])):
        cases.append({"id": "%s__parameter_%s" % (kind, "x".join(map(str, shp))), "init": kind,
                      "init_args": {}, "via": "parameter", "W_shape": shp, "effective_ranks": {}})
    return cases


ERROR_PROBES = [
    ("truncated_normal_in_layer", "W((3,3), 8, (2,10,10), C.initializer.truncated_normal(0.1))"),
    ("truncated_normal_in_layer_seed", "W((3,3), 8, (2,10,10), C.initializer.truncated_normal(0.1, seed=3))"),
    ("glorot_uniform_output_rank_1", "W((3,3), 8, (2,10,10), C.initializer.glorot_uniform(output_rank=1))"),
    ("glorot_uniform_output_rank_0", "W((3,3), 8, (2,10,10), C.initializer.glorot_uniform(output_rank=0))"),
    ("he_normal_filter_rank_1_for_2d", "W((3,3), 8, (2,10,10), C.initializer.he_normal(filter_rank=1))"),
    ("xavier_filter_rank_0", "W((3,3), 8, (2,10,10), C.initializer.xavier(filter_rank=0))"),
    ("normal_output_rank_1", "W((3,3), 8, (2,10,10), C.initializer.normal(0.5, output_rank=1))"),
    ("numpy_array_init_matching_shape", "W((3,3), 8, (2,10,10), np.full((2,8,3,3), 0.25, np.float32))"),
    ("numpy_array_init_wrong_shape", "W((3,3), 8, (2,10,10), np.full((8,2,3,3), 0.25, np.float32))"),
    ("num_filters_None", "W((3,3), None, (2,10,10), C.initializer.glorot_uniform())"),
    ("num_filters_tuple", "W((3,3), (2,3), (2,10,10), C.initializer.glorot_uniform())"),
    ("init_None", "W((3,3), 8, (2,10,10), None)"),
    ("bilinear_in_ne_out", "W((3,3), 8, (2,10,10), C.initializer.bilinear(3,3))"),
    ("scale_0", "C.initializer.glorot_uniform(scale=0)"),
    ("scale_negative", "C.initializer.he_normal(scale=-0.5)"),
    ("uniform_scale_negative", "C.initializer.uniform(-1)"),
    ("normal_scale_0", "C.initializer.normal(0)"),
    ("truncated_normal_stdev_negative", "C.initializer.truncated_normal(-0.5)"),
    ("output_rank_float", "C.initializer.glorot_uniform(output_rank=1.5)"),
    ("filter_rank_str", "C.initializer.he_uniform(filter_rank='2')"),
    ("seed_negative", "C.initializer.glorot_uniform(seed=-1)"),
    ("seed_float", "C.initializer.glorot_uniform(seed=1.5)"),
    ("scale_str", "C.initializer.glorot_uniform(scale='x')"),
]

CONSTANT_PROBES = [
    ("scalar_float", "0.5", [3, 3], 8, [2, 10, 10], {}),
    ("scalar_negative", "-1.25", [3], 4, [3, 7], {}),
    ("scalar_int", "2", [3, 3], 8, [10, 10], {"reduction_rank": 0}),
    ("scalar_numpy_float32", "np.float32(0.125)", [2, 2], 3, [2, 5, 5], {}),
    ("scalar_zero", "0", [3, 3], 2, [4, 6, 6], {}),
]


def measure_all():
    """Everything statistics.json holds, measured in CNTK (this process and fresh probe processes)."""
    import numpy as np
    import cntk as C
    import inspect

    result = {"cntk_version": C.__version__, "python": sys.version.split()[0]}
    result["signatures"] = {n: str(inspect.signature(getattr(C.initializer, n))) for n in
                            ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "xavier",
                             "uniform", "normal", "truncated_normal", "initializer_with_rank"]}
    result["constants"] = {
        "SentinelValueForInferParamInitRank": int(C.initializer.SentinelValueForInferParamInitRank),
        "SentinelValueForAutoSelectRandomSeed": int(C.initializer.SentinelValueForAutoSelectRandomSeed),
        "DefaultParamInitScale": int(C.initializer.DefaultParamInitScale),
        "DefaultParamInitOutputRank (C++ only)": 1,
        "DefaultParamInitFilterRank (C++ only)": 0,
    }
    import cntk.layers.layers as LL
    src = inspect.getsource(LL.ConvolutionTranspose)
    line = [ln.strip() for ln in src.splitlines() if "_initializer_for(init" in ln]
    result["layer_initializer_call"] = line[0] if line else None

    cases = build_cases()
    for c in cases:
        measure(C, np, c)
        sys.stderr.write("%-45s n=%6d std=%.5f formula_ok=%s\n" % (c["id"], c["n"], c["std"], c["formula_ok"]))
    result["cases"] = cases

    # constants (scalar init)
    consts = []
    for cid, expr, fs, nf, ish, extra in CONSTANT_PROBES:
        kw = ", ".join("%s=%r" % kv for kv in extra.items())
        code = "w = W(tuple(%r), %r, tuple(%r), %s%s)\nprint('@@VAL', list(w.shape), str(w.dtype), float(w.min()), float(w.max()))" % (
            fs, nf, ish, expr, (", " + kw) if kw else "")
        r = probe(code)
        entry = {"id": cid, "init_expr": expr, "layer": dict({"filter_shape": fs, "num_filters": nf}, **extra),
                 "input_shape": ish, "outcome": r["outcome"]}
        if r["outcome"] == "ok":
            parts = r["stdout"][0].split(" ", 1)[1]
            shape_s, rest = parts.split("] ", 1)
            entry["W_shape"] = [int(t) for t in shape_s.strip("[").split(",")]
            dt, mn, mx = rest.split()
            entry["W_dtype"], entry["min"], entry["max"] = dt, float(mn), float(mx)
        else:
            entry.update({k: r[k] for k in ("cntk_error_type", "cntk_error", "stderr_tail") if k in r})
        consts.append(entry)
        sys.stderr.write("%s %s\n" % (cid, entry))
    result["constant_cases"] = consts

    errs = []
    for cid, code in ERROR_PROBES:
        r = probe(code)
        e = {"id": cid, "code": code, "outcome": r["outcome"]}
        e.update({k: r[k] for k in ("cntk_error_type", "cntk_error", "stderr_tail", "returncode") if k in r})
        errs.append(e)
        sys.stderr.write("%s %s\n" % (cid, e))
    result["errors"] = errs

    # seeds
    seed_code = (
        "a = W((3,3), 8, (2,10,10), C.glorot_uniform(seed=5)); b = W((3,3), 8, (2,10,10), C.glorot_uniform(seed=5))\n"
        "c = W((3,3), 8, (2,10,10), C.glorot_uniform(seed=6))\n"
        "i = C.he_normal(seed=7); d = W((3,3), 8, (2,10,10), i); e = W((3,3), 8, (2,10,10), i)\n"
        "f = W((3,3), 8, (2,10,10), C.glorot_uniform()); g = W((3,3), 8, (2,10,10), C.glorot_uniform())\n"
        "print('@@VAL', bool((a == b).all()), bool((a == c).all()), bool((d == e).all()), bool((f == g).all()))")
    r = probe(seed_code)
    flags = r["stdout"][0].split()[1:]
    names = ["same_seed_two_layers_identical", "different_seeds_identical",
             "same_initializer_object_two_layers_identical", "auto_seed_two_layers_identical"]
    result["seed_checks"] = {n: (v == "True") for n, v in zip(names, flags)}
    # auto seeds are deterministic per process: two fresh processes draw the same first W
    r1 = probe("w = W((3,3), 8, (2,10,10), C.glorot_uniform())\nprint('@@VAL', repr(float(w.ravel()[0])))")
    r2 = probe("w = W((3,3), 8, (2,10,10), C.glorot_uniform())\nprint('@@VAL', repr(float(w.ravel()[0])))")
    result["seed_checks"]["auto_seed_same_across_fresh_processes"] = r1["stdout"] == r2["stdout"]

    return result


class Initializers(Family):
    name = "initializers"

    def generate(self, root):
        result = measure_all()
        out_dir = self.directory(root)
        if not os.path.isdir(out_dir):
            os.makedirs(out_dir)
        out_path = os.path.join(out_dir, "statistics.json")
        with open(out_path, "w") as fh:
            json.dump(result, fh, indent=1)
            fh.write("\n")
        bad = [c["id"] for c in result["cases"] if not c["formula_ok"]]
        print("%s: wrote %s: %d cases, formula mismatches: %s" % (self.name, out_path, len(result["cases"]), bad))


register(Initializers())
