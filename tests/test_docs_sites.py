"""The documentation sites' checked content (tools/build_sites.sh builds the sites themselves):
the "Migrating from CNTK 2.7" table is the one tools/make_migration_table.py derives from CNTK 2.7's
measured API and the cntkr_py of this tree, and the worked examples of the ConvolutionTranspose
page give the numbers the page prints."""
import doctest
import importlib.util
import json
import os
import re

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_migration_table_is_current():
    table = _load("tools/make_migration_table.py", "make_migration_table")
    with open(table.PAGE) as f:
        on_disk = f.read()
    assert on_disk == table.render(), (
        "docs/migrating-from-cntk.md is stale (cntkr_py's names changed): "
        "run .venv/bin/python tools/make_migration_table.py and commit the page")


def test_migration_table_counts_what_cntkr_py_offers():
    table = _load("tools/make_migration_table.py", "make_migration_table")
    with open(table.MEASURED) as f:
        measured = json.load(f)
    assert measured["has___all__"] == []  # CNTK 2.7 defines no __all__: the names are dir()'s
    target, exists, covered, missing = table.module_coverage("cntk.layers.layers", measured["modules"]["cntk.layers.layers"])
    assert target == "cntkr_py.layers.layers" and exists
    assert "ConvolutionTranspose2D" in covered and not set(covered) & set(missing)
    _, exists, covered, _ = table.module_coverage("cntk.no_such_module", ["x"])
    assert not exists and covered == []
    assert "| all modules | %d |" % sum(map(len, measured["modules"].values())) in table.render()


def _doctest_blocks(path):
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    return re.findall(r"```\{doctest\}\n(.*?)```", text, flags=re.S)


def test_convolution_transpose_page_examples():
    blocks = _doctest_blocks("docs/convolution-transpose.md")
    assert len(blocks) == 3
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    # one session, as sphinx's doctest builder runs a page's blocks
    runner.run(parser.get_doctest("\n".join(blocks), {}, "convolution-transpose.md", None, 0))
    result = runner.summarize(verbose=False)
    assert result.attempted >= 20 and result.failed == 0


@pytest.mark.parametrize("n,k,s,pad,o,start", [(4, 3, 2, False, 9, 0), (4, 3, 2, True, 7, 1), (4, 3, 2, True, 8, 1),
                                               (3, 5, 2, True, 5, 2), (3, 1, 3, True, 9, -1), (16, 5, 2, True, 32, 2)])
def test_convolution_transpose_page_window_formula(n, k, s, pad, o, start):
    # the page's formula for the window start against the layer's numbers: a one-hot input at
    # position 0 with a ones filter puts ones on the full grid's [0, k); the output shows where
    # the window starts
    import numpy as np
    import cntkr_py as C
    from cntkr_py.kernels.conv_transpose import admissible_output_lengths
    assert o in admissible_output_lengths(n, k, s, 1, pad)
    off = ((k - 1) // 2 - ((o - 1) % s) // 2) if pad else 0
    assert off == start
    x = C.input_variable((1, n))
    f = C.layers.ConvolutionTranspose1D(k, 1, strides=s, pad=pad, init=1, output_shape=(o,))(x)
    data = np.zeros((1, 1, n), np.float32)
    data[..., 0] = 1
    y = f.eval({x: data})[0, 0]
    full = np.zeros(max(o + abs(off) + k, (n - 1) * s + k) + 2)
    full[:k] = 1
    expected = np.array([full[p] if p >= 0 else 0.0 for p in range(off, off + o)])
    np.testing.assert_array_equal(y, expected)


def _rd_section(text, tag):
    """The body of the first \\tag{...} of an Rd file (braces matched), or None."""
    start = text.find("\\%s{" % tag)
    if start < 0:
        return None
    i = start + len(tag) + 2
    depth = 1
    while depth and i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "{}%":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start + len(tag) + 2:i - 1]


def test_every_exported_r_topic_has_an_example_and_r_words():
    # The R site's reference shows every topic's example, run (tools/build_sites.sh fails when one
    # errors or warns); here: every exported topic has one, and its arguments are documented in
    # R's words (TRUE/FALSE/NULL and c(...), not Python's True/False/None and tuples).
    man = os.path.join(ROOT, "man")
    problems = []
    for name in sorted(os.listdir(man)):
        if not name.endswith(".Rd"):
            continue
        with open(os.path.join(man, name)) as f:
            text = f.read()
        if "\\keyword{internal}" in text:
            continue
        if _rd_section(text, "examples") is None:
            problems.append("%s: no example" % name)
        arguments = _rd_section(text, "arguments") or ""
        for word in re.findall(r"(?<![`\w])(None|True|False)(?![`\w])", arguments):
            problems.append("%s: Python's %s in an argument's description" % (name, word))
        for tup in re.findall(r"\\code\{\((?:\d+,\s*)+\d*\)\}", arguments):
            problems.append("%s: the Python tuple %s in an argument's description (R: c(...))" % (name, tup))
    assert not problems, "\n".join(problems)


def test_pkgdown_reference_lists_every_topic():
    # pkgdown stops the R site's build when an exported topic is missing from _pkgdown.yml's
    # reference (or a vignette from its articles): checked here too, in seconds, so that a new
    # export's commit learns it before tools/build_sites.sh runs.
    import shutil
    import subprocess
    rscript = shutil.which("Rscript")
    if rscript is None or subprocess.run([rscript, "-e", "quit(status = !requireNamespace('pkgdown', quietly = TRUE))"],
                                         capture_output=True).returncode != 0:
        pytest.skip("R's pkgdown is not installed (tools/setup_r.sh installs it)")
    # and each topic in one section only
    script = """
options(pkgdown.internet = FALSE)
pkgdown::check_pkgdown('.')
pkg <- pkgdown::as_pkgdown('.')
listed <- unlist(lapply(pkg$meta$reference, function(s)
  if (is.null(s$contents)) character() else pkgdown:::section_topics(s$contents, pkg$topics, pkg$src_path)$name))
twice <- unique(listed[duplicated(listed)])
if (length(twice)) stop('listed in more than one section of _pkgdown.yml: ', toString(twice))
"""
    run = subprocess.run([rscript, "--vanilla", "-e", script], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, "add the topic to its family's section of _pkgdown.yml:\n" + run.stderr[-2000:]


def test_api_pages_cover_every_public_module_by_family():
    pages = _load("docs/_ext/cntkr_apipages.py", "cntkr_apipages")
    modules = pages.public_modules()
    assert {"cntkr_py", "cntkr_py.layers.convolution", "cntkr_py.learners", "cntkr_py.model_file"} <= set(modules)
    assert not [m for m in modules if any(part.startswith("_") for part in m.split("."))]
    assert pages.family_of("cntkr_py") == pages.family_of("cntkr_py.ops") == pages.FAMILIES[0][0]
    assert pages.family_of("cntkr_py.ops.functions").startswith("Variables")
    assert pages.family_of("cntkr_py.layers.convolution") == "Layers"
    assert pages.family_of("cntkr_py.train.training_session") == "Training"
    assert pages.family_of("cntkr_py.something_new") == "Other modules"
