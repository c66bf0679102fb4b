"""A WordPiece tokenizer taken from a zoo model (all-MiniLM-L6-v2), cut down to the pieces a corpus uses.

The zoo tokenizer decides how text is normalised (BERT uncased: lower-cased, accents stripped) and
split into pieces; the vocabulary keeps only the pieces seen in the training texts, so a model
carries a few thousand embedding rows instead of 30,522. ``source_ids`` says which row of the zoo
model's table each kept piece comes from.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, models

from .._errors import ConvtextError
from ._base import TextTokenizer
from ._vocab import SPECIAL_TOKENS, UNK

__all__ = ["MiniLMTokenizer", "WordPieceTokenizer"]

_ZOO_SPECIALS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}


class WordPieceTokenizer(TextTokenizer):
    """BERT-style WordPiece; a word whose pieces were not all seen in training becomes ``<unk>``."""

    kind = "wordpiece"

    @classmethod
    def from_zoo(cls, zoo_tokenizer: str | Path, texts: Iterable[str], min_freq: int = 1):
        """Returns ``(tokenizer, source_rows)``: ``source_rows[id]`` is the zoo id of our token ``id`` (``<unk>`` included).

        ``texts`` is read once, 10,000 at a time (it may be a corpus streamed from disk)."""
        source = Tokenizer.from_file(str(zoo_tokenizer))
        source.no_padding()
        source.no_truncation()
        source_vocab = source.get_vocab()
        counts = np.zeros(len(source_vocab), dtype=np.int64)  # (zoo vocabulary,): how often each piece occurs
        texts = iter(texts)
        while chunk := list(itertools.islice(texts, 10_000)):
            encodings = source.encode_batch_fast(chunk, add_special_tokens=False)  # ids only: no offsets, no strings
            counts += np.bincount(np.fromiter(itertools.chain.from_iterable(e.ids for e in encodings), dtype=np.int64),
                                  minlength=len(counts))  # fmt: skip
        pieces = {source.id_to_token(int(i)): int(counts[i]) for i in np.flatnonzero(counts >= max(min_freq, 1))}
        kept = sorted(
            (piece for piece in pieces if piece not in _ZOO_SPECIALS), key=lambda piece: (-pieces[piece], piece)
        )
        if not kept:
            raise ConvtextError("no word pieces in the training texts — give non-empty texts")
        vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *kept])}
        backend = Tokenizer(models.WordPiece(vocab, unk_token=UNK, continuing_subword_prefix="##"))
        backend.normalizer = source.normalizer
        backend.pre_tokenizer = source.pre_tokenizer
        backend.decoder = decoders.WordPiece(prefix="##")
        backend.add_special_tokens(list(SPECIAL_TOKENS))
        rows = {vocab[piece]: source_vocab[piece] for piece in kept}
        rows[vocab[UNK]] = source_vocab["[UNK]"]
        return cls(backend), rows


class MiniLMTokenizer(TextTokenizer):
    """all-MiniLM-L6-v2's own tokenizer, whole (30,522 pieces), for the MiniLM body itself.

    BERT's layout differs from convtext's (``[PAD]`` = 0 but ``[UNK]`` = 100), and every text is
    wrapped in ``[CLS] … [SEP]`` as the model was trained.
    """

    kind = "minilm"
    add_special_tokens = True  # [CLS] … [SEP], as the model was trained; not convtext's <s> … </s>

    def __init__(self, backend: Tokenizer):  # noqa: D107 — BERT's special ids, not convtext's
        vocab = backend.get_vocab()
        if vocab.get("[PAD]") != 0 or "[UNK]" not in vocab:
            raise ConvtextError("not a BERT WordPiece tokenizer: [PAD] must be id 0 and [UNK] present")
        self.backend = backend
        self.backend.no_padding()
        self.backend.no_truncation()
        self.pad_id, self.unk_id = 0, vocab["[UNK]"]
        self.lowercase = True
