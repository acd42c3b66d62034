"""Writes docs/migrating-from-cntk.md, the "Migrating from CNTK 2.7" page of the Python site: CNTK
2.7's public API module by module (measured with CNTK 2.7 by tools/measure_cntk_api.py into
docs/migration/cntk27_api.json) against what cntkr_py offers under the same module path.

    .venv/bin/python tools/make_migration_table.py          # rewrite the page
    .venv/bin/python tools/make_migration_table.py --check  # exit 1 when the page is stale

tests/test_docs_sites.py and tools/build_sites.sh run --check, so the page stays true: adding a
CNTK name to cntkr_py means rerunning this script."""
import argparse
import importlib
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MEASURED = os.path.join(ROOT, "docs", "migration", "cntk27_api.json")
PAGE = os.path.join(ROOT, "docs", "migrating-from-cntk.md")

HEADER = """\
# Migrating from CNTK 2.7

<!-- Written by tools/make_migration_table.py from docs/migration/cntk27_api.json; do not edit
     by hand (a test fails when this page is stale). -->

**What changes**: `import cntk as C` becomes `import cntkr_py as C`. Function names, argument
names, defaults, shapes (channels first, no batch axis in a variable's shape) and numbers are CNTK
2.7's; the module paths are the same (`cntkr_py.layers.layers`, `cntkr_py.ops.functions`, ...).
Models run on torch, on the CPU or on CUDA (`C.device.gpu(0)`); model files are cntkr's own
format ([model files](model-format.md)), not CNTK's protobuf.

**What is covered**: below, every public name of CNTK 2.7's user-facing modules, as measured with
CNTK {version} (CNTK defines no `__all__` in any module, so a module's public names are those
`dir()` lists without a leading underscore, less imported modules, objects from outside CNTK,
CNTK's internal helpers and SWIG layer, and in a submodule what it imports from other CNTK
modules), against `cntkr_py`'s module of the same path. A name counts as covered when
`cntkr_py.<module>.<name>` exists; what each op and layer is checked against (goldens recorded
from CNTK 2.7, forward and gradients) is in [CNTK semantics](cntk-semantics.md) §15.

**What goes beyond CNTK**: configurations that CNTK 2.7 rejects but that have one sensible
meaning (for instance `ConvolutionTranspose` with `num_filters=None`, a single number as
`output_shape`, padded kernels larger than the output, dilation on the CPU) are computed; they
are listed in [CNTK semantics](cntk-semantics.md) §10, with the other differences in §15.

## Summary

| CNTK 2.7 module | public names | in cntkr_py | not yet |
| --- | ---: | ---: | ---: |
"""


def module_coverage(cntk_module, names):
    target = "cntkr_py" + cntk_module[len("cntk"):]
    try:
        mod = importlib.import_module(target)
    except ImportError:
        mod = None
    covered = [n for n in names if mod is not None and hasattr(mod, n)]
    missing = [n for n in names if n not in covered]
    return target, mod is not None, covered, missing


def code_list(names):
    return ", ".join("`%s`" % n for n in names) if names else "none"


def render():
    with open(MEASURED) as f:
        measured = json.load(f)
    rows, sections = [], []
    total = total_covered = 0
    for cntk_module in sorted(measured["modules"], key=lambda m: (m != "cntk", m)):
        names = measured["modules"][cntk_module]
        target, exists, covered, missing = module_coverage(cntk_module, names)
        total += len(names)
        total_covered += len(covered)
        anchor = "migrate-" + cntk_module.replace(".", "-").replace("_", "-")
        rows.append("| {ref}`%s <%s>` | %d | %d | %d |" % (cntk_module, anchor, len(names), len(covered), len(missing)))
        where = "`%s`" % target if exists else "no `%s` module yet" % target
        sections.append("(%s)=\n### `%s`\n\n%s: %d of %d names.\n\n- Covered: %s\n- Not yet: %s\n"
                        % (anchor, cntk_module, where, len(covered), len(names), code_list(covered),
                           code_list(missing)))
    rows.append("| all modules | %d | %d | %d |" % (total, total_covered, total - total_covered))
    return (HEADER.format(version=measured["cntk_version"]) + "\n".join(rows) + "\n\n## Module by module\n\n"
            + "\n".join(sections))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the page differs from what it would be")
    args = parser.parse_args()
    text = render()
    if args.check:
        current = open(PAGE).read() if os.path.exists(PAGE) else ""
        if current != text:
            print("docs/migrating-from-cntk.md is stale: run .venv/bin/python tools/make_migration_table.py",
                  file=sys.stderr)
            return 1
        return 0
    with open(PAGE, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
