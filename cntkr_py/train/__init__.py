"""Training, as CNTK 2.7's ``cntk.train``: the :class:`~cntkr_py.train.trainer.Trainer` and
training sessions."""
from .trainer import Trainer

__all__ = ["Trainer"]
