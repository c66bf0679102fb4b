"""The teacher: all-MiniLM-L6-v2 sentence embeddings (sentence-transformers), computed once and cached on disk."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import ConvtextError
from ..zoo import cache_dir, minilm_folder

__all__ = ["TEACHERS", "minilm_sentence_model", "split_sentences", "teacher_embeddings"]

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


def minilm_sentence_model():
    """all-MiniLM-L6-v2 from the installed package as a ``SentenceTransformer`` on the CPU (nothing downloads)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is a local folder: never ask the network
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ConvtextError(
            "the MiniLM teacher runs through sentence-transformers — `pip install sentence-transformers` "
            "(make install does)"
        ) from None
    return SentenceTransformer(str(minilm_folder()), device="cpu")


def teacher_embeddings(
    texts: Sequence[str], teacher: str = "minilm", batch_size: int = 64, cache: bool = True
) -> np.ndarray:
    """``(n, 384)`` unit-length sentence embeddings of ``texts``; reused from the cache when seen before."""
    if teacher not in TEACHERS:
        raise ConvtextError(f"unknown teacher {teacher!r} — use one of {', '.join(TEACHERS)}")
    path = _cache_file(teacher, texts)
    if cache and path.is_file():
        log.info("teacher embeddings from the cache: %s", path)
        return np.load(path)
    vectors = minilm_sentence_model().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    vectors = vectors.astype(np.float32)  # (n, 384)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(f".tmp-{os.getpid()}.npy")
        np.save(staging, vectors)
        staging.replace(path)  # atomic: a killed run never leaves half a cache file
    return vectors
