"""Logging, as CNTK 2.7's ``cntk.logging``: progress writers (``ProgressPrinter``,
``TensorBoardProgressWriter``, ``TrainingSummaryProgressCallback``; the base class is
``cntk.logging.progress_print.ProgressWriter``), ``log_number_of_parameters``, ``graph`` (walking and plotting a graph) and the global trace
level (``TraceLevel``, ``get_trace_level``, ``set_trace_level``; cntkr keeps the level and prints
nothing more or less for it)."""
from enum import Enum

from . import graph, progress_print
from .progress_print import (ProgressPrinter, TensorBoardProgressWriter, TrainingSummaryProgressCallback,
                             log_number_of_parameters)
from .._shapes import as_int

__all__ = ["ProgressPrinter", "TensorBoardProgressWriter", "TrainingSummaryProgressCallback",
           "log_number_of_parameters", "TraceLevel", "get_trace_level", "set_trace_level", "progress_print", "graph"]


class TraceLevel(Enum):
    """CNTK's logging verbosity levels."""
    Error = 0
    Warning = 1
    Info = 2


_LEVEL = {"value": TraceLevel.Warning.value}  # CNTK's default


def set_trace_level(value):
    """Sets the global logging verbosity (a TraceLevel or its number)."""
    _LEVEL["value"] = value.value if isinstance(value, TraceLevel) else as_int(value, "value", minimum=0)


def get_trace_level():
    """The global logging verbosity, as a number (CNTK 2.7 returns the number: 1 by default)."""
    return _LEVEL["value"]
