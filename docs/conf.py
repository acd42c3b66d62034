# Sphinx configuration for the Python API reference of cntkr_py (`make docs`).
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "cntkr"
author = "the cntkr developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
html_theme = "alabaster"
