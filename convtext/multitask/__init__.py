"""Multi-task learning: one shared body, a head per task, trained together on several labelled data sets."""

from ._classifier import MultiTaskClassifier
from ._load import load
from ._loop import MultiTaskConfig, MultiTaskEpochLog, TaskData, fit_multitask, task_probabilities
from ._network import MultiTaskNetwork, check_task_name, share_body

__all__ = [
    "MultiTaskClassifier",
    "MultiTaskConfig",
    "MultiTaskEpochLog",
    "MultiTaskNetwork",
    "TaskData",
    "check_task_name",
    "fit_multitask",
    "load",
    "share_body",
    "task_probabilities",
]
