"""``TextTokenizer``: the one interface of every tokenizer, backed by a Hugging Face ``tokenizers.Tokenizer``.

Each kind (word, char, BPE) is a pipeline of the ``tokenizers`` library, so encoding runs in
Rust (``encode_batch`` in parallel) and every kind saves to the standard single ``tokenizer.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from tokenizers import Tokenizer, processors

from .._errors import ConvtextError
from ._packed import PackedSequences
from ._vocab import BOS, EOS, PAD, UNK, Vocabulary

__all__ = ["TextTokenizer", "TokenSpan", "read_backend", "valid_unicode"]

ENCODE_BLOCK = 4096  # texts per call into Rust: one call with 100,000 tokenized 1.4x slower than blocks of 4,096


@dataclass(frozen=True)
class TokenSpan:
    """One token: its id, the vocabulary entry, and the span ``text[start:end]`` it came from."""

    id: int
    token: str
    start: int
    end: int
    text: str


def valid_unicode(text: str) -> str:
    """Replace lone surrogates (which cannot be UTF-8) with U+FFFD; pairs become their character."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise ConvtextError(f"expected a text (str), got {type(text).__name__} — convert it with str() first")
    return text


class TextTokenizer:
    """Text -> ids and back. Ids 0 and 1 are ``<pad>`` and ``<unk>`` in every kind."""

    kind: ClassVar[str] = ""
    boundaries: bool = False  # each text wrapped in <s> … </s> (with_boundaries); saved in tokenizer.json

    def __init__(self, backend: Tokenizer):
        self.backend = backend
        vocab = backend.get_vocab()
        if vocab.get(PAD) != 0 or vocab.get(UNK) != 1:
            raise ConvtextError("tokenizer must have <pad> at id 0 and <unk> at id 1 — train it with convtext")
        self.pad_id, self.unk_id = 0, 1
        normalizer = json.loads(backend.to_str()).get("normalizer") or {}
        self.lowercase = '"Lowercase"' in json.dumps(normalizer)
        self.boundaries = backend.post_processor is not None  # only with_boundaries sets one

    def with_boundaries(self) -> TextTokenizer:
        """The same tokenizer with every text wrapped in ``<s> … </s>``: two learned tokens that let a
        convolution see which words open and close a text (what a wide convolution's padding gives). The
        tokens take the ids after the vocabulary; the wrapping is saved in ``tokenizer.json``."""
        backend = Tokenizer.from_str(self.backend.to_str())
        backend.add_special_tokens([BOS, EOS])
        ids = [(token, backend.token_to_id(token)) for token in (BOS, EOS)]
        backend.post_processor = processors.TemplateProcessing(single=f"{BOS} $A {EOS}", special_tokens=ids)
        return type(self)(backend)

    @property
    def add_special_tokens(self) -> bool:
        """Let the backend's post-processor wrap each text: ``<s> … </s>`` here (MiniLM: ``[CLS] … [SEP]``)."""
        return self.boundaries

    # -- encoding ---------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        """Ids of one text (no padding, no truncation)."""
        return self.encode_batch([text])[0]

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts, ``ENCODE_BLOCK`` at a time (parallel, in Rust; without character offsets)."""
        texts = [_check_text(text) for text in texts]
        ids: list[list[int]] = []
        for start in range(0, len(texts), ENCODE_BLOCK):
            ids += self._encode_block(texts[start : start + ENCODE_BLOCK])
        return ids

    def _encode_block(self, texts: list[str]) -> list[list[int]]:
        try:
            encodings = self.backend.encode_batch_fast(texts, add_special_tokens=self.add_special_tokens)
        except (TypeError, ValueError, UnicodeEncodeError):  # lone surrogates cannot cross into Rust
            valid = [valid_unicode(text) for text in texts]
            encodings = self.backend.encode_batch_fast(valid, add_special_tokens=self.add_special_tokens)
        return [encoding.ids for encoding in encodings]

    def encode_packed(self, texts: Sequence[str], max_length: int | None = None) -> PackedSequences:
        """Ids of many texts, each cut to its first ``max_length``, packed back to back (no list per text)."""
        return PackedSequences.pack(self.encode_batch(texts), max_length)

    def tokens(self, text: str, boundaries: bool = False) -> list[TokenSpan]:
        """Readable pieces with character offsets into ``text`` (offsets point at the original text).
        ``boundaries``: also the start/end tokens the model reads, if the tokenizer adds them (empty spans
        at the start and at the end of the text)."""
        text = _check_text(text)
        special = boundaries and self.add_special_tokens
        try:
            encoding = self.backend.encode(text, add_special_tokens=special)
        except (TypeError, ValueError, UnicodeEncodeError):
            text = valid_unicode(text)
            encoding = self.backend.encode(text, add_special_tokens=special)
        spans = []
        for position, (i, token, (start, end), added) in enumerate(
            zip(encoding.ids, encoding.tokens, encoding.offsets, encoding.special_tokens_mask)
        ):
            if added and position > 0:  # an end token: tokenizers gives it (0, 0)
                start = end = len(text)
            spans.append(TokenSpan(i, token, start, end, text[start:end]))
        return spans

    def decode(self, ids: Sequence[int]) -> str:
        """Ids back to text; ``<pad>`` is dropped, ``<unk>`` is shown."""
        ids = [int(i) for i in ids if int(i) != self.pad_id]
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise ConvtextError(f"ids {bad[:5]} are outside the vocabulary (size {self.vocab_size})")
        return self.backend.decode(ids, skip_special_tokens=False)

    # -- vocabulary -------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self.backend.get_vocab_size(with_added_tokens=True)

    @property
    def vocab(self) -> Vocabulary:
        by_id = sorted(self.backend.get_vocab(with_added_tokens=True).items(), key=lambda item: item[1])
        return Vocabulary([token for token, _ in by_id])

    def config(self) -> dict:
        """Settings worth recording next to a model (kind, size, normalisation)."""
        return {
            "kind": self.kind, "vocab_size": self.vocab_size, "lowercase": self.lowercase,
            "boundaries": self.boundaries,
        }  # fmt: skip

    # -- persistence ------------------------------------------------------------------------
    def to_str(self) -> str:
        return self.backend.to_str()

    def save(self, path: str | Path, pretty: bool = True) -> Path:
        """Write the standard single-file ``tokenizer.json`` (readable by any Hugging Face tool); ``pretty=False``:
        on one line, a third smaller."""
        path = Path(path)
        if path.is_dir():
            path = path / "tokenizer.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.backend.save(str(path), pretty=pretty)
        return path

    def __repr__(self) -> str:
        return f"{type(self).__name__}(vocab_size={self.vocab_size})"


def read_backend(path: str | Path) -> tuple[Tokenizer, dict]:
    """Load a ``tokenizer.json`` (or a folder holding one); returns the backend and its parsed JSON."""
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    if not path.is_file():
        raise ConvtextError(f"{path}: no tokenizer file — train one with `convtext bpe train` or give its path")
    try:
        raw = path.read_text(encoding="utf-8")
        spec = json.loads(raw)
        return Tokenizer.from_str(raw), spec
    except Exception as error:  # tokenizers raises a plain Exception on a malformed file
        raise ConvtextError(
            f"{path}: not a valid tokenizer.json ({str(error)[:200]}) — retrain or restore it"
        ) from None
