"""``assign(ref, input)``: CNTK 2.7's Assign op, which writes ``input``'s value into the
Parameter or Constant ``ref`` when the Function runs, and outputs that value.

As measured with CNTK 2.7: the output is the new value; ``ref`` and ``input`` must have the
same static shape, and neither may have the batch axis; every other node of the same run still
reads ``ref``'s old value (``combine([assign(p, p + 1), p * 10])`` gives ``p + 1`` and
``p * 10`` of the old ``p``): the executor runs a graph with Assign nodes inside
:func:`deferred_assignments`, which holds the writes back to the end of the run. (In a training
run, ``grad``, the writes happen after the forward pass; CNTK's after the backward pass.)
"""
from __future__ import annotations

import contextlib
import threading

import torch

from .._shapes import describe_shape
from .primitive import Op

__all__ = ["assign", "deferred_assignments"]

_pending = threading.local()


def _assign_shape(ref, value):
    from ..variables import Constant, Parameter
    if not isinstance(ref, (Parameter, Constant)):
        raise ValueError(f"assign: ref must be a Parameter or a Constant, got {type(ref).__name__}")
    for arg, node in (("ref", ref), ("input", value)):
        if getattr(node, "has_batch_axis", False):
            raise ValueError(f"assign: {arg} must not have the batch axis (CNTK's AssignNode takes none)")
    if tuple(ref.shape) != tuple(value.shape):
        raise ValueError(f"assign: ref of shape {describe_shape(ref.shape)} and input of shape "
                         f"{describe_shape(value.shape)} must have the same shape")
    return tuple(ref.shape)


def _assign_forward(ref, value):
    out = value.detach().clone()
    queue = getattr(_pending, "queue", None)
    if queue is None:
        with torch.no_grad():
            ref.copy_(out.reshape(ref.shape))
    else:
        queue.append((ref, out))
    return out


Assign = Op("Assign", shape=_assign_shape, forward=_assign_forward, batched=(), nodes=True)


def assign(ref, input, name=""):
    """A node whose value is `input`'s and which, when it runs, writes that value into the
    Parameter or Constant `ref` (in place: every graph using `ref` sees it)."""
    from .functions import as_node
    return Assign([ref, as_node(input)], name)


@contextlib.contextmanager
def deferred_assignments():
    """Runs inside hold the writes of every Assign node back until the block ends, so each node
    of a run reads the values from before it (CNTK's order)."""
    outer = getattr(_pending, "queue", None)
    _pending.queue = []
    try:
        yield
        writes = _pending.queue
    finally:
        _pending.queue = outer
    with torch.no_grad():
        for ref, value in writes:
            ref.copy_(value.reshape(ref.shape))
