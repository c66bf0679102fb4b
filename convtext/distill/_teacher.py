"""Teachers' outputs, computed once and cached on disk: all-MiniLM-L6-v2 sentence embeddings (sentence-transformers)
for an encoder, a trained classifier's logits for a task student."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from .._errors import ConvtextError
from ..artifact import replaced_atomically
from ..hub import cache_dir
from ..minilm import minilm_sentence_model
from ..runtime import Ensemble

__all__ = [
    "TEACHERS",
    "model_fingerprint",
    "split_sentences",
    "teacher_embeddings",
    "teacher_logits",
]

log = logging.getLogger(__name__)

TEACHERS = ("minilm",)


def split_sentences(text: str) -> list[str]:
    """A text cut after sentence-final punctuation of any script (. ! ? … and the CJK 。！？) and at blank lines."""
    parts = re.split(r"(?<=[.!?…])\s+|(?<=[。！？])\s*|\n\s*\n", text)  # CJK puts no space after a sentence
    return [part.strip() for part in parts if part and part.strip()]


def _cache_file(teacher: str, texts: Sequence[str]) -> Path:
    digest = hashlib.sha256(teacher.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return cache_dir() / "teacher" / f"{teacher}-{digest.hexdigest()[:24]}.npy"


def _cached(path: Path, compute: Callable[[], np.ndarray], cache: bool) -> np.ndarray:
    """The array stored at ``path``, else ``compute()`` stored there atomically (a killed run leaves no half file)."""
    if cache and path.is_file():
        log.info("teacher outputs from the cache: %s", path)
        return np.load(path)
    values = compute()
    if cache:
        with replaced_atomically(path) as staging, open(staging, "wb") as handle:
            np.save(handle, values)
    return values


def model_fingerprint(classifier) -> str:
    """A digest of a trained classifier's weights, tokenizer, text length and labels: what its predictions depend on
    (an ensemble: its members' digests and weights)."""
    if isinstance(classifier, Ensemble):
        parts = [model_fingerprint(m) for m in classifier.members] + [repr(classifier.weights_.round(6).tolist())]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]
    tokenizer = classifier.tokenizer_
    described = [classifier.classes_, classifier.max_length, tokenizer.config()]  # kind, size, case, start/end
    digest = hashlib.sha256(json.dumps(described).encode())
    for name, tensor in sorted(classifier.model_.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:24]


def teacher_logits(teacher, texts: Sequence[str], cache: bool = True) -> np.ndarray:
    """``(n, C)`` logits of a trained classifier for ``texts`` (columns in ``teacher.classes_`` order);
    reused from the cache when the same weights saw the same texts before."""
    path = _cache_file(f"logits-{model_fingerprint(teacher)}", texts)
    return _cached(path, lambda: teacher.decision_function(list(texts)).astype(np.float32), cache)


def teacher_embeddings(
    texts: Sequence[str], teacher: str = "minilm", batch_size: int = 64, cache: bool = True
) -> np.ndarray:
    """``(n, 384)`` unit-length sentence embeddings of ``texts``; reused from the cache when seen before."""
    if teacher not in TEACHERS:
        raise ConvtextError(f"unknown teacher {teacher!r} — use one of {', '.join(TEACHERS)}")
    path = _cache_file(teacher, texts)

    def compute() -> np.ndarray:
        vectors = minilm_sentence_model().encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )  # fmt: skip
        return vectors.astype(np.float32)  # (n, 384)

    return _cached(path, compute, cache)
