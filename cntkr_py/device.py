"""Devices, as in ``cntk.device``: ``cpu()``, ``gpu(id)``, a process-wide default device.

A DeviceDescriptor maps onto a ``torch.device``; ``gpu(i)`` is CUDA device ``i`` and exists
whenever torch sees that CUDA device.
"""
from __future__ import annotations

import enum

import torch

from ._shapes import as_int

__all__ = ["DeviceKind", "DeviceDescriptor", "cpu", "gpu", "all_devices",
           "try_set_default_device", "use_default_device"]


class DeviceKind(enum.IntEnum):
    """CNTK's device kinds: ``DeviceKind.CPU`` and ``DeviceKind.GPU`` (CUDA through torch)."""
    CPU = 0
    GPU = 1


class DeviceDescriptor:
    """A compute device: ``type()`` is a DeviceKind, ``id()`` its index."""

    __slots__ = ("_kind", "_id", "torch_device")

    def __init__(self, kind: DeviceKind, device_id: int = 0):
        self._kind = DeviceKind(kind)
        self._id = int(device_id)
        self.torch_device = torch.device("cpu") if self._kind == DeviceKind.CPU \
            else torch.device("cuda", self._id)

    def type(self) -> DeviceKind:
        return self._kind

    def id(self) -> int:
        return self._id

    def __eq__(self, other):
        return isinstance(other, DeviceDescriptor) and (self._kind, self._id) == (other._kind, other._id)

    def __hash__(self):
        return hash((self._kind, self._id))

    def __repr__(self):
        return "CPU" if self._kind == DeviceKind.CPU else f"GPU[{self._id}]"

    __str__ = __repr__


def cpu() -> DeviceDescriptor:
    """The CPU device."""
    return DeviceDescriptor(DeviceKind.CPU, 0)


def gpu(device_id) -> DeviceDescriptor:
    """CUDA device ``device_id``; a ValueError when torch sees no such device."""
    device_id = as_int(device_id, "device_id", minimum=0)
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if device_id >= count:
        raise ValueError(f"Specified GPU device id ({device_id}) is invalid: "
                         f"torch sees {count} CUDA device(s)")
    return DeviceDescriptor(DeviceKind.GPU, device_id)


def all_devices() -> list:
    """Every device this process can use: the GPUs torch sees, then the CPU (CNTK's order)."""
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return [DeviceDescriptor(DeviceKind.GPU, i) for i in range(count)] + [cpu()]


_default: DeviceDescriptor | None = None


def try_set_default_device(new_default_device, acquire_device_lock=False) -> bool:
    """Make ``new_default_device`` the process-wide default; returns True on success."""
    global _default
    if not isinstance(new_default_device, DeviceDescriptor):
        raise TypeError("new_default_device must be a DeviceDescriptor (cpu() or gpu(id)), "
                        f"got {type(new_default_device).__name__}")
    _default = new_default_device
    return True


def use_default_device() -> DeviceDescriptor:
    """The default device: the one set, else the first GPU when torch sees one, else the CPU."""
    global _default
    if _default is None:
        _default = all_devices()[0]
    return _default


def as_torch_device(device) -> torch.device:
    """``device`` (None, a DeviceDescriptor or a torch.device) as a torch.device."""
    if device is None:
        return use_default_device().torch_device
    if isinstance(device, DeviceDescriptor):
        return device.torch_device
    if isinstance(device, torch.device):
        return device
    raise TypeError(f"device must be a DeviceDescriptor such as cpu() or gpu(0), got {device!r}")
