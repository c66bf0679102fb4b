"""Training and evaluation: the loop, batching, metrics, plots."""

from ._batching import batch_tensors, bucketed_batches, min_input_length, pad_batch, sequence_lengths, sorted_batches
from ._checkpoint import remove_checkpoints
from ._device import DEVICES, autocast, model_device, resolve_device
from ._distributed import is_main_process
from ._early_stopping import EarlyStopping
from ._loop import (
    EpochLog,
    TrainConfig,
    TrainResult,
    ensemble_result,
    fit,
    linear_decay,
    predict_features,
    predict_logits,
    progress_bar,
    score_logits,
    set_threads,
)
from ._metrics import classification_report, confusion_matrix, multilabel_report
from ._plots import plot_confusion_matrix, plot_training_curve

__all__ = [
    "DEVICES",
    "EarlyStopping",
    "autocast",
    "model_device",
    "resolve_device",
    "EpochLog",
    "TrainConfig",
    "TrainResult",
    "ensemble_result",
    "batch_tensors",
    "bucketed_batches",
    "classification_report",
    "multilabel_report",
    "confusion_matrix",
    "fit",
    "is_main_process",
    "linear_decay",
    "progress_bar",
    "min_input_length",
    "pad_batch",
    "plot_confusion_matrix",
    "plot_training_curve",
    "predict_features",
    "predict_logits",
    "remove_checkpoints",
    "score_logits",
    "sequence_lengths",
    "set_threads",
    "sorted_batches",
]
