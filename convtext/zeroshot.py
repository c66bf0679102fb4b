"""Zero-shot classification by label descriptions: no training, no labelled example.

Each label is described in words ("a positive review") or by a template ("This review is {label}.");
a sentence encoder embeds the texts and the descriptions, and each text takes the label whose
description is nearest (cosine). Encoders: all-MiniLM-L6-v2 (``"minilm"``, sentence-transformers)
or a convtext ``SentenceEncoder`` distilled from it (a folder or zoo name such as
``textcnn.minilm_distilled``) — the same space, at CNN speed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ._errors import ConvtextError
from .classifier import load_pretrained
from .distill import SentenceEncoder
from .minilm import minilm_sentence_model

__all__ = ["ZeroShotClassifier", "parse_label_descriptions"]


def parse_label_descriptions(items: Sequence[str], template: str | None = None) -> dict[str, list[str]]:
    """``["positive=a positive review", "negative=a negative review"]`` (or bare labels with a ``template``
    such as ``"This review is {label}."``) -> ``{label: [descriptions]}``; a label given twice keeps both."""
    descriptions: dict[str, list[str]] = {}
    for item in items:
        label, sep, description = item.partition("=")
        label, description = label.strip(), description.strip()
        if not sep:
            if template is None:
                raise ConvtextError(f"label {item!r} has no description — write LABEL=DESCRIPTION or give a template")
            description = template.format(label=label)
        if not label or not description:
            raise ConvtextError(f"{item!r}: write LABEL=DESCRIPTION, both non-empty")
        descriptions.setdefault(label, []).append(description)
    if len(descriptions) < 2:
        raise ConvtextError(f"zero-shot needs at least two labels, got {list(descriptions)}")
    return descriptions


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _encoder(name: str | Path) -> tuple[Callable[[list[str]], np.ndarray], str]:
    """``(encode, name)``: ``encode(texts) -> (n, d)`` sentence vectors."""
    if str(name) == "minilm":
        model = minilm_sentence_model()
        return lambda texts: model.encode(texts, batch_size=64, convert_to_numpy=True), "minilm"
    encoder = load_pretrained(name)
    if not isinstance(encoder, SentenceEncoder):
        raise ConvtextError(
            f"{name} is a {type(encoder).__name__}, not a sentence encoder — give 'minilm' or a folder written by "
            "`convtext distill` (or the zoo's textcnn.minilm_distilled)"
        )
    return encoder.encode, str(name)


class ZeroShotClassifier:
    """Pick, for each text, the label whose description is most similar to it.

    >>> clf = ZeroShotClassifier({"positive": "a positive review", "negative": "a negative review"})  # doctest: +SKIP
    >>> clf.predict(["what a wonderful film"])                                                    # doctest: +SKIP
    """

    def __init__(self, labels: Mapping[str, str | Sequence[str]], encoder: str | Path = "minilm"):
        self.descriptions = {str(k): [v] if isinstance(v, str) else list(v) for k, v in labels.items()}
        if len(self.descriptions) < 2 or not all(self.descriptions.values()):
            raise ConvtextError("zero-shot needs at least two labels, each with a description")
        self.classes_ = list(self.descriptions)
        self._encode, self.encoder = _encoder(encoder)
        label_vectors = []
        for label in self.classes_:  # a label's vector: the mean of its descriptions' unit vectors
            label_vectors.append(_unit(self._encode(self.descriptions[label])).mean(axis=0))
        self.label_vectors_ = _unit(np.stack(label_vectors))  # (C, d)

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, C)`` cosine similarities of each text to each label's description."""
        if isinstance(texts, str):
            raise ConvtextError("texts must be a list of strings, not one string — wrap it: [text]")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return _unit(self._encode(texts)) @ self.label_vectors_.T

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.classes_[i] for i in self.decision_function(texts).argmax(axis=1)]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> dict:
        """Accuracy and ``n`` against gold labels (labels outside ``classes_`` count as errors)."""
        predicted = self.predict(texts)
        return {"accuracy": float(np.mean([p == str(g) for p, g in zip(predicted, labels)])), "n": len(predicted)}
