"""Training, as CNTK 2.7's ``cntk.train``: the :class:`~cntkr_py.train.trainer.Trainer` and
training sessions."""
from .trainer import Trainer
from .training_session import (CheckpointConfig, CrossValidationConfig, DataUnit, TestConfig,
                               TrainingSession, minibatch_size_schedule, training_session)

__all__ = ["Trainer", "CheckpointConfig", "CrossValidationConfig", "DataUnit", "TestConfig",
           "TrainingSession", "minibatch_size_schedule", "training_session"]
