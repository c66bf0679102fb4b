"""all-MiniLM-L6-v2 whole, as a sentence-transformers model: the teacher of distillation and of zero-shot labels."""

from __future__ import annotations

import os

from .._errors import ConvtextError
from ._pretrained import minilm_folder

__all__ = ["minilm_sentence_model"]


def minilm_sentence_model():
    """all-MiniLM-L6-v2 from the installed package as a ``SentenceTransformer`` on the CPU (nothing downloads)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is a local folder: never ask the network
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError:
        raise ConvtextError(
            "the MiniLM teacher runs through sentence-transformers — `pip install sentence-transformers` "
            "(make install does)"
        ) from None
    transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every call: it is a local folder
    return SentenceTransformer(str(minilm_folder()), device="cpu")
