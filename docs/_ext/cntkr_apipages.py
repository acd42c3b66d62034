"""Writes the API reference pages of the Python site, one ``automodule`` page per public module of
cntkr_py (every module whose dotted name has no part starting with ``_``), into docs/api/ (not in
git) when the build starts, and docs/api/index.rst grouping them by family. A module added to
cntkr_py gets its page without any change here; one that FAMILIES does not place lands under
"Other modules". Each page documents the objects the module defines (``:ignore-module-all:``), so
an object re-exported elsewhere (``C.relu``, ``cntkr_py.losses``) is described once, where it is
defined."""
import importlib
import os
import pkgutil

# (title, module patterns), in the order of the index; the first family with a matching pattern
# takes a module. "a.b" matches that module only, "a.b.*" it and its submodules.
FAMILIES = [
    ("Packages (the namespaces you import)", ["cntkr_py", "cntkr_py.ops", "cntkr_py.layers"]),
    ("Variables, Functions and running graphs", ["cntkr_py.variables", "cntkr_py.axis", "cntkr_py.ops.functions",
                                                 "cntkr_py.executor"]),
    ("Layers", ["cntkr_py.layers.*"]),
    ("Ops (each declared once: name, attributes, shape rule, forward)", ["cntkr_py.ops.*"]),
    ("Losses and metrics", ["cntkr_py.losses.*", "cntkr_py.metrics.*"]),
    ("Learners and schedules", ["cntkr_py.learners.*"]),
    ("Training", ["cntkr_py.train.*"]),
    ("Readers", ["cntkr_py.io.*"]),
    ("Progress and logging", ["cntkr_py.logging.*"]),
    ("Model files", ["cntkr_py.model_file"]),
    ("Initializers, default options and random seeds", ["cntkr_py.initializer", "cntkr_py.default_options",
                                                         "cntkr_py.cntk_py", "cntkr_py.random.*"]),
    ("Devices", ["cntkr_py.device"]),
    ("Speed kernels (internals)", ["cntkr_py.kernels.*"]),
]


def public_modules():
    import cntkr_py
    names = ["cntkr_py"]
    for info in pkgutil.walk_packages(cntkr_py.__path__, "cntkr_py."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def family_of(module):
    for title, patterns in FAMILIES:
        for pattern in patterns:
            if pattern.endswith(".*"):
                base = pattern[:-2]
                if module == base or module.startswith(base + "."):
                    return title
            elif module == pattern:
                return title
    return "Other modules"


def page(module):
    mod = importlib.import_module(module)
    title = "``%s``" % module
    lines = [title, "=" * len(title), "", ".. automodule:: %s" % module]
    if hasattr(mod, "__path__") and module in ("cntkr_py", "cntkr_py.ops", "cntkr_py.layers"):
        lines += ["   :no-members:", ""]
        lines += ["Everything here is re-exported from the modules listed in :doc:`index`."]
    else:
        lines += ["   :members:", "   :ignore-module-all:", "   :show-inheritance:"]
    return "\n".join(lines) + "\n"


def write_pages(app):
    out = os.path.join(app.srcdir, "api")
    os.makedirs(out, exist_ok=True)
    modules = public_modules()
    wanted = {m + ".rst" for m in modules} | {"index.rst"}
    for name in os.listdir(out):
        if name.endswith(".rst") and name not in wanted:
            os.remove(os.path.join(out, name))
    groups = {}
    for module in modules:
        groups.setdefault(family_of(module), []).append(module)
        _write_if_changed(os.path.join(out, module + ".rst"), page(module))
    index = ["Python API (``cntkr_py``)", "=========================", "",
             "One page per public module of ``cntkr_py``, written from the docstrings; CNTK 2.7's module "
             "paths hold (``cntkr_py.layers.layers``, ``cntkr_py.ops.functions``, ...), and ``import cntkr_py "
             "as C`` offers the names ``import cntk as C`` does (:doc:`../migrating-from-cntk`).", ""]
    for title in [t for t, _ in FAMILIES] + ["Other modules"]:
        if title not in groups:
            continue
        index += [title, "-" * len(title), "", ".. toctree::", "   :maxdepth: 1", ""]
        index += ["   %s" % m for m in groups[title]] + [""]
    _write_if_changed(os.path.join(out, "index.rst"), "\n".join(index))


def _write_if_changed(path, text):
    # unchanged pages keep their time stamps, so an incremental build does not redo them
    if os.path.exists(path) and open(path).read() == text:
        return
    with open(path, "w") as f:
        f.write(text)


def setup(app):
    app.connect("builder-inited", write_pages)
    return {"parallel_read_safe": True, "version": "1"}
