"""What cntkr keeps of CNTK's ``cntk.cntk_py`` (its C++ binding module): ``set_fixed_random_seed``."""
from __future__ import annotations

import torch

from ._shapes import as_int

__all__ = ["set_fixed_random_seed"]


def set_fixed_random_seed(seed):
    """Seed torch's random number generators (CPU and CUDA), which draw every initial value whose
    initializer has no seed of its own: layers and parameters made after the same seed, in the
    same order, get the same values (CNTK: ``cntk.cntk_py.set_fixed_random_seed``)."""
    torch.manual_seed(as_int(seed, "seed", minimum=0))
