"""The golden families: one registry of everything tools/make_goldens.py writes to tests/goldens/.

Each module of this package (a file not starting with "_") is a family module: at import it calls
`register(...)` with one or more families (see _base.py: `CaseFamily` for eval/grad cases, or a
`Family` subclass that writes its own files). A family's name is its directory under tests/goldens/
("layers/ConvolutionTranspose", "initializers"). Adding an op or layer family = adding one module.

Runs under the CNTK reference interpreter (Python 3.6) and under cntkr's (3.11, to read the case
lists in the tests), so it uses neither cntk at import nor newer syntax.
"""
import importlib
import pkgutil
from collections import OrderedDict

FAMILIES = OrderedDict()


def register(family):
    """Adds a family to the registry (its name must be new) and returns it."""
    if family.name in FAMILIES:
        raise ValueError("golden family %r registered twice" % family.name)
    FAMILIES[family.name] = family
    return family


def load_all():
    """Imports every family module of this package (each registers its families); returns FAMILIES."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(__name__ + "." + info.name)
    return FAMILIES


def select(names):
    """The registered families named by `names` (a family's name, or a folder above it such as
    "layers"); all of them when `names` is empty. Unknown names raise."""
    load_all()
    if not names:
        return list(FAMILIES.values())
    chosen = []
    for name in names:
        name = name.strip("/")
        hits = [f for n, f in FAMILIES.items() if n == name or n.startswith(name + "/")]
        if not hits:
            raise SystemExit("no golden family %r; registered: %s" % (name, ", ".join(FAMILIES)))
        chosen += [f for f in hits if f not in chosen]
    return chosen
