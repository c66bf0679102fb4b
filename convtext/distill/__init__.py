"""Distillation: a CNN student trained to reproduce a teacher — a transformer's sentence embeddings
(``SentenceEncoder``) or a trained classifier's outputs on a task (``TextClassifier.distill``)."""

from ..minilm import minilm_sentence_model
from ._augment import Augmentation, augment
from ._encoder import TASK, SentenceEncoder
from ._loop import fit_vectors, mean_cosine, predict_vectors
from ._soft import NO_LABEL, DistillConfig, SoftTargetLoss, soft_targets
from ._teacher import (
    TEACHERS,
    model_fingerprint,
    split_sentences,
    teacher_embeddings,
    teacher_logits,
)

__all__ = [
    "NO_LABEL",
    "TASK",
    "TEACHERS",
    "Augmentation",
    "DistillConfig",
    "SentenceEncoder",
    "SoftTargetLoss",
    "augment",
    "fit_vectors",
    "mean_cosine",
    "minilm_sentence_model",
    "model_fingerprint",
    "predict_vectors",
    "soft_targets",
    "split_sentences",
    "teacher_embeddings",
    "teacher_logits",
]
