"""Distillation: a CNN student trained to reproduce a transformer teacher's sentence embeddings."""

from ._encoder import TASK, SentenceEncoder
from ._loop import fit_vectors, mean_cosine, predict_vectors
from ._teacher import TEACHERS, minilm_sentence_model, split_sentences, teacher_embeddings

__all__ = [
    "TASK",
    "TEACHERS",
    "SentenceEncoder",
    "fit_vectors",
    "mean_cosine",
    "minilm_sentence_model",
    "predict_vectors",
    "split_sentences",
    "teacher_embeddings",
]
