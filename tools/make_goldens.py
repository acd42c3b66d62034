#!/usr/bin/env python
"""Writes the golden files in tests/goldens/ from real CNTK 2.7, family by family.

Run from anywhere with the CNTK reference interpreter (or `make goldens`):

    ../shared/cntk-reference/run tools/make_goldens.py [--list] [--out DIR] [FAMILY ...]

FAMILY is a registered family ("layers/ConvolutionTranspose", "initializers") or a folder above
some ("layers"); none means every family. Each family rewrites its own directory under
tests/goldens/ (or DIR) and nothing else. The families and their CNTK recipes are the modules of
tools/goldens/ (one module registers a family; see tools/goldens/__init__.py); the file formats
are in tests/goldens/FORMAT.md. Everything is deterministic: fixed seeds, fixed case order.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import goldens  # noqa: E402  (the registry, tools/goldens/)
from goldens._base import GOLDENS  # noqa: E402


def main(argv):
    if argv[:1] == ["--worker"]:  # a crash-isolated worker of a CaseFamily (see goldens/_base.py)
        family, spec_file, out_file, start = argv[1:5]
        goldens.select([family])[0].work(spec_file, out_file, int(start))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("families", nargs="*", metavar="FAMILY")
    parser.add_argument("--list", action="store_true", help="list the registered families and exit")
    parser.add_argument("--out", default=GOLDENS, help="root of the golden tree (default: tests/goldens)")
    args = parser.parse_args(argv)
    chosen = goldens.select(args.families)
    if args.list:
        print("\n".join(f.name for f in chosen))
        return
    for family in chosen:
        print("== %s" % family.name)
        sys.stdout.flush()
        family.generate(args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
