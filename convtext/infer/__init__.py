"""Running a trained model: device and threads, length-sorted batches, logits and sentence vectors."""

from ._batching import batch_tensors, bucketed_batches, min_input_length, pad_batch, sequence_lengths, sorted_batches
from ._device import DEVICES, autocast, model_device, resolve_device
from ._predict import predict_features, predict_logits
from ._threads import (
    available_cores,
    confined_cores,
    free_cores,
    parallel_training,
    set_threads,
    training_threads,
)

__all__ = [
    "DEVICES",
    "autocast",
    "available_cores",
    "confined_cores",
    "free_cores",
    "batch_tensors",
    "bucketed_batches",
    "min_input_length",
    "model_device",
    "pad_batch",
    "parallel_training",
    "predict_features",
    "predict_logits",
    "resolve_device",
    "sequence_lengths",
    "set_threads",
    "sorted_batches",
    "training_threads",
]
