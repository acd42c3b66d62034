# Sphinx configuration for the Python API reference of cntkr_py (`make docs`).
import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))

project = "cntkr"
author = "the cntkr developers"
# cntkr_apipages: one automodule page per public module, written into api/ at each build
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.doctest", "myst_parser", "cntkr_apipages"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_site", "_ext", "migration"]
autodoc_member_order = "bysource"
# torch's docstrings of overridden methods (autograd.Function.forward...) are not cntkr's
autodoc_inherit_docstrings = False
html_theme = "alabaster"
