"""Measures CNTK 2.7's public Python API, module by module, for the "Migrating from CNTK 2.7"
page: run it with CNTK 2.7 (`../shared/cntk-reference/run tools/measure_cntk_api.py`); it writes
docs/migration/cntk27_api.json, which tools/make_migration_table.py turns into the table.

CNTK 2.7 defines no ``__all__`` in any module (measured: ``cntk`` and every submodule), so a
module's public names are those ``dir()`` lists without a leading underscore, leaving out modules,
objects from outside CNTK (``np``, ``warnings``, ``namedtuple``...), CNTK's internal helpers
(``cntk.internal``: ``sanitize_input``, ``typemap``...), the SWIG layer (``cntk.cntk_py``) and,
in a submodule, what it imports from other CNTK modules for its own use.
Constants (numbers, strings) count when their name is in capitals."""
import importlib
import inspect
import json
import os
import sys

import cntk

# The user-facing modules of CNTK 2.7's API reference (contrib, internal, the SWIG layer and the
# sample installer left out).
MODULES = [
    "cntk", "cntk.ops", "cntk.ops.functions", "cntk.ops.sequence", "cntk.variables", "cntk.axis",
    "cntk.layers", "cntk.layers.layers", "cntk.layers.blocks", "cntk.layers.higher_order_layers",
    "cntk.layers.sequence", "cntk.layers.models", "cntk.layers.typing", "cntk.default_options",
    "cntk.losses", "cntk.metrics", "cntk.learners", "cntk.train", "cntk.train.trainer",
    "cntk.train.training_session", "cntk.train.distributed", "cntk.io", "cntk.io.transforms",
    "cntk.logging", "cntk.logging.progress_print", "cntk.logging.graph", "cntk.initializer",
    "cntk.device", "cntk.random", "cntk.core", "cntk.eval", "cntk.debugging", "cntk.misc",
    "cntk.tensor",
]


def public_names(mod):
    names = []
    for name in dir(mod):
        if name.startswith("_"):
            continue
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            continue
        owner = getattr(obj, "__module__", None) if (inspect.isclass(obj) or callable(obj)) else None
        if owner is None:
            if isinstance(obj, (int, float, str)) and name.isupper():
                names.append(name)
            elif inspect.isclass(type(obj)) and getattr(type(obj), "__module__", "").startswith("cntk.") \
                    and not getattr(type(obj), "__module__", "").startswith(("cntk.internal", "cntk.cntk_py")):
                names.append(name)  # e.g. enum members exposed as module constants
            continue
        if not owner.startswith("cntk") or owner.startswith(("cntk.internal", "cntk.cntk_py")):
            continue
        # A submodule's names are those it defines (or, for a package, its submodules define):
        # cntk.losses imports Axis and times for its own use, they are cntk.axis' and cntk.ops'.
        # The package cntk itself counts everything it offers (C.relu, C.Trainer, ...).
        if mod.__name__ != "cntk" and owner != mod.__name__ and not owner.startswith(mod.__name__ + "."):
            continue
        names.append(name)
    return sorted(names)


def main():
    out = {"cntk_version": cntk.__version__, "has___all__": [], "modules": {}}
    for name in MODULES:
        mod = importlib.import_module(name)
        if hasattr(mod, "__all__"):
            out["has___all__"].append(name)
        out["modules"][name] = public_names(mod)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "migration", "cntk27_api.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.normpath(path), sum(len(v) for v in out["modules"].values()), "names", file=sys.stderr)


if __name__ == "__main__":
    main()
