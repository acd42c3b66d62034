"""Builds the one C helper of cntkr_py (the CTF parser, loaded with ctypes); the rest of the
project's metadata is in pyproject.toml."""
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class CtypesLibrary(build_ext):
    """A plain shared library for ctypes: no Python module init symbol to export."""

    def get_export_symbols(self, ext):
        return []


# optional: without a C compiler the install goes on and cntkr_py.io parses with NumPy (slower)
setup(ext_modules=[Extension("cntkr_py.io._ctf_parse", ["cntkr_py/io/ctf_parse.c"],
                             extra_compile_args=["-O2"], optional=True)],
      cmdclass={"build_ext": CtypesLibrary})
