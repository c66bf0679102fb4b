"""Pick a tokenizer kind by name, train it, or load any saved one from its ``tokenizer.json``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .._errors import ConvtextError
from ._base import TextTokenizer, read_backend
from ._bpe import BpeTokenizer
from ._vocab_tokenizer import CharTokenizer, WhitespaceTokenizer, WordTokenizer
from ._wordpiece import MiniLMTokenizer, WordPieceTokenizer

__all__ = ["TOKENIZER_KINDS", "train_tokenizer", "load_tokenizer"]

TOKENIZER_KINDS: dict[str, type[TextTokenizer]] = {
    "word": WordTokenizer, "char": CharTokenizer, "bpe": BpeTokenizer, "whitespace": WhitespaceTokenizer,
}  # fmt: skip


def train_tokenizer(kind: str, texts: Sequence[str], boundaries: bool = False, **options) -> TextTokenizer:
    """``train_tokenizer("bpe", texts, vocab_size=8000)``; options go to the kind's ``train``;
    ``boundaries``: wrap every text in ``<s> … </s>`` (``TextTokenizer.with_boundaries``)."""
    if kind not in TOKENIZER_KINDS:
        raise ConvtextError(f"unknown tokenizer {kind!r} — use one of: {', '.join(TOKENIZER_KINDS)}")
    tokenizer = TOKENIZER_KINDS[kind].train(texts, **options)
    return tokenizer.with_boundaries() if boundaries else tokenizer


def load_tokenizer(path: str | Path) -> TextTokenizer:
    """Load a ``tokenizer.json`` written by convtext (or a folder holding one); the kind is read from it."""
    backend, spec = read_backend(path)
    model_type = (spec.get("model") or {}).get("type")
    decoder_type = (spec.get("decoder") or {}).get("type")
    if model_type == "BPE":
        return BpeTokenizer(backend)
    if model_type == "WordPiece":
        return (MiniLMTokenizer if "[PAD]" in backend.get_vocab() else WordPieceTokenizer)(backend)
    if model_type == "WordLevel":
        if (spec.get("pre_tokenizer") or {}).get("type") == "WhitespaceSplit":
            return WhitespaceTokenizer(backend)
        return (CharTokenizer if decoder_type == "Fuse" else WordTokenizer)(backend)
    raise ConvtextError(f"{path}: tokenizer model {model_type!r} is not one convtext uses (word, char, BPE, WordPiece)")
