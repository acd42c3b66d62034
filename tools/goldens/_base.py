"""What golden families share: the family kinds, the case list, and the CNTK-side helpers.

A family is registered with `goldens.register(...)` (see __init__.py) and writes its files under
`<root>/<family name>/` (root: tests/goldens). Format of the files: tests/goldens/FORMAT.md.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDENS = os.path.join(ROOT, "tests", "goldens")
SCRIPT = os.path.join(ROOT, "tools", "make_goldens.py")


class Family(object):
    """A golden family: `name` (its directory under tests/goldens) and `generate(root)`, which runs
    inside CNTK's interpreter and writes the family's files under `root/name/`."""
    name = None

    def generate(self, root):
        raise NotImplementedError

    def directory(self, root):
        return os.path.join(root, *self.name.split("/"))


# ----------------------------------------------------------------------------------------------
# the case list of a CaseFamily
class Cases(object):
    """Case specifications in order. Each has an id, a group, the configuration under
    `config_key` ("layer": the layer's keyword arguments; an op family names its own), the input
    shape, dtype, batch size, seed, and whether CNTK is expected to reject it. A repeated id gets
    "_v2", "_v3", ...; a case without a seed gets 1000 + its position in the list."""

    def __init__(self, config_key="layer"):
        self.config_key = config_key
        self.items = []
        self.ids = set()

    def add(self, cid, group, config, input_shape, dtype="float32", batch=1, seed=None, expect_error=False):
        base = cid
        i = 2
        while cid in self.ids:
            cid = "%s_v%d" % (base, i)
            i += 1
        self.ids.add(cid)
        if seed is None:
            seed = 1000 + len(self.items)
        spec = dict(id=cid, group=group)
        spec[self.config_key] = config
        spec.update(input_shape=list(input_shape), dtype=dtype, batch=batch, seed=seed, expect_error=expect_error)
        self.items.append(spec)


# ----------------------------------------------------------------------------------------------
# CNTK-side helpers (the recipes run inside the CNTK interpreter)
_UID = re.compile(r"(Placeholder|Parameter|Input|Convolution|ConvolutionTranspose|Plus|Constant|Block|Reshape|"
                  r"Times|Combine|Composite|Output|__noSequenceAxis|Function)(\d+)")


def fmt(v):
    """A configuration value as it appears in case ids: T/F, dash-joined lists, "none"."""
    if isinstance(v, bool):
        return "T" if v else "F"
    if isinstance(v, (list, tuple)):
        return "-".join(fmt(a) for a in v) if len(v) else "none"
    if v is None:
        return "none"
    return str(v)


def first_line(e):
    """The first line of an exception's message, CNTK's object numbers written as "#"."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    msg = lines[0] if lines else type(e).__name__
    return _UID.sub(r"\1#", msg)


def arr(a):
    """A golden array: {"shape", "dtype", "data"} with the data flat in C order."""
    a = np.asarray(a)
    assert np.all(np.isfinite(a)), "non-finite value"
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data": [float(v) for v in a.ravel()]}


def _randn(rs, name, shape, dtype):
    return rs.randn(*shape).astype(dtype)


def _randn_x(rs, spec, dtype):
    return rs.randn(spec["batch"], *spec["input_shape"]).astype(dtype)


def layer_recipe(layer_name, params, to_kwargs, draw_param=_randn, draw_x=_randn_x, after=None):
    """The recipe of a layer family: `C.layers.<layer_name>(**to_kwargs(C, spec["layer"]))` applied
    to one input (float64 through `default_options(dtype=...)`), its parameters `params` (those the
    layer has) set from `draw_param(rs, name, shape, dtype)` and the input from `draw_x(rs, spec,
    dtype)`, in that order, from the case's numpy seed; records x, the parameters, y and the
    gradients of sum(y) w.r.t. x and every parameter (None for a parameter the layer lacks).
    `after(C, layer, f, x, rs, spec, dtype, case, stage)` adds family-specific fields."""
    def recipe(C, spec, stage):
        dtype = np.float64 if spec["dtype"] == "float64" else np.float32
        rs = np.random.RandomState(spec["seed"])
        stage("construct")
        kw = to_kwargs(C, spec["layer"])
        x = C.input_variable(tuple(spec["input_shape"]), needs_gradient=True, dtype=dtype)
        factory = getattr(C.layers, layer_name)
        if dtype == np.float64:
            with C.layers.default_options(dtype=np.float64):
                layer = factory(**kw)
        else:
            layer = factory(**kw)
        stage("call")
        f = layer(x)
        stage("set_params")
        values, pvars = {}, []
        for name in params:
            try:
                var = getattr(layer, name)
            except AttributeError:
                var = None
            if var is not None:
                values[name] = draw_param(rs, name, var.shape, dtype)
                var.value = values[name]
                pvars.append((name, var))
        xv = draw_x(rs, spec, dtype)
        stage("eval")
        y = f.eval({x: xv})
        stage("grad")
        wrt = [v for _, v in pvars] + [x]
        g = f.grad({x: xv}, wrt=wrt)
        if not isinstance(g, dict):
            g = {wrt[0]: g}
        gd = dict((v.uid, a) for v, a in g.items())
        stage("record")
        case = dict(id=spec["id"], group=spec["group"], layer=spec["layer"], input_shape=spec["input_shape"],
                    dtype=spec["dtype"], x=arr(xv), y=arr(y), grad_x=arr(gd[x.uid]))
        found = dict(pvars)
        for name in params:
            case[name] = arr(values[name]) if name in found else None
            case["grad_" + name] = arr(gd[found[name].uid]) if name in found else None
        if after is not None:
            after(C, layer, f, x, rs, spec, dtype, case, stage)
        return case
    return recipe


class Stage(object):
    """Where a recipe is (construct, call, eval, ...): recorded when CNTK raises."""

    def __init__(self, name="construct"):
        self.name = name

    def __call__(self, name):
        self.name = name


# ----------------------------------------------------------------------------------------------
class CaseFamily(Family):
    """A family of eval/grad cases: `cases/<id>.json`, one file per case CNTK computed, and
    `errors.json`, every case CNTK rejected (a deliberate probe or not).

    - `specs()`: the case list (a `Cases`), built without CNTK;
    - `recipe(C, spec, stage)`: runs one case in CNTK (`C` is the cntk module; `stage("eval")`
      marks progress) and returns the case's record; an exception makes it an error entry;
    - `case_keys`: the record's keys, in file order; `config_keys`: the spec's keys that an error
      entry repeats (after "id" and "group");
    - `backend_failure(error)`: whether a rejection is only CNTK's CPU engine failing.

    The recipes run in a worker process (tools/make_goldens.py --worker), restarted after a hard
    crash of CNTK, which then costs only that case (recorded as stage "crash").
    """

    def __init__(self, name, specs, recipe, case_keys, config_keys, backend_failure):
        self.name = name
        self.specs = specs
        self.recipe = recipe
        self.case_keys = list(case_keys)
        self.config_keys = list(config_keys)
        self.backend_failure = backend_failure

    def error_entry(self, spec, stage, exception, message):
        e = dict((k, spec[k]) for k in ["id", "group"] + self.config_keys)
        e.update(stage=stage, exception=exception, cntk_error=message)
        return e

    def run(self, C, spec):
        stage = Stage()
        try:
            return {"ok": self.recipe(C, spec, stage)}
        except Exception as e:  # CNTK rejected it (or something else went wrong: recorded, never dropped)
            return {"error": self.error_entry(spec, stage.name, type(e).__name__, first_line(e))}

    def work(self, spec_file, out_file, start):
        """The worker: runs specs[start:] and appends one JSON line per case to out_file."""
        import cntk as C
        with open(spec_file) as fh:
            specs = json.load(fh)
        with open(out_file, "a") as out:
            for i in range(start, len(specs)):
                res = self.run(C, specs[i])
                res["index"] = i
                out.write(json.dumps(res) + "\n")
                out.flush()

    def results(self, specs):
        """Every spec's result, by index, running workers until all are done."""
        tmp = tempfile.mkdtemp(prefix="goldens_")
        spec_file = os.path.join(tmp, "specs.json")
        out_file = os.path.join(tmp, "results.jsonl")
        with open(spec_file, "w") as fh:
            json.dump(specs, fh)
        results = {}
        start = 0
        while start < len(specs):
            proc = subprocess.run([sys.executable, SCRIPT, "--worker", self.name, spec_file, out_file, str(start)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if os.path.exists(out_file):
                with open(out_file) as fh:
                    for line in fh:
                        r = json.loads(line)
                        results[r["index"]] = r
            nxt = 0
            while nxt in results:
                nxt += 1
            if nxt >= len(specs):
                break
            if proc.returncode == 0:
                raise RuntimeError("worker exited cleanly but case %d is missing" % nxt)
            results[nxt] = {"index": nxt, "error": self.error_entry(
                specs[nxt], "crash", "process crashed", "process crashed (exit status %d)" % proc.returncode)}
            with open(out_file, "a") as fh:
                fh.write(json.dumps(results[nxt]) + "\n")
            start = nxt + 1
        shutil.rmtree(tmp)
        return results

    def dump_case(self, case, path):
        with open(path, "w") as fh:
            fh.write("{\n")
            fh.write(",\n".join("  %s: %s" % (json.dumps(k), json.dumps(case[k])) for k in self.case_keys))
            fh.write("\n}\n")

    def generate(self, root):
        specs = self.specs().items
        results = self.results(specs)
        family_dir = self.directory(root)
        case_dir = os.path.join(family_dir, "cases")
        if os.path.isdir(case_dir):
            shutil.rmtree(case_dir)
        os.makedirs(case_dir)
        errors, counts, unexpected_ok, unexpected_err = [], {}, [], []
        for i, s in enumerate(specs):
            r = results[i]
            if "ok" in r:
                if s["expect_error"]:
                    unexpected_ok.append(s["id"])
                    continue
                self.dump_case(r["ok"], os.path.join(case_dir, s["id"] + ".json"))
                counts[s["group"]] = counts.get(s["group"], 0) + 1
            else:
                e = r["error"]
                if not s["expect_error"] and s["group"] == "grid":
                    unexpected_err.append((s["id"], e["cntk_error"]))
                e["backend_failure"] = bool(self.backend_failure(e))
                errors.append(e)
        with open(os.path.join(family_dir, "errors.json"), "w") as fh:
            fh.write("[\n" + ",\n".join("  " + json.dumps(e) for e in errors) + "\n]\n")
        err_by_group = {}
        for e in errors:
            err_by_group[e["group"]] = err_by_group.get(e["group"], 0) + 1
        print("%s: cases written: %s total %d" % (self.name, counts, sum(counts.values())))
        print("%s: error cases: %s total %d" % (self.name, err_by_group, len(errors)))
        if unexpected_ok:
            print("expected-error configurations that CNTK ACCEPTED (not written):", unexpected_ok)
        if unexpected_err:
            print("grid configurations CNTK rejected (in the error file):")
            for cid, msg in unexpected_err:
                print("  ", cid, ":", msg[:150])
