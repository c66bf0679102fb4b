"""Word- and character-level tokenizers: a fixed ``Vocabulary`` over pieces cut by a regex."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

from .._errors import ConvtextError
from ._base import TextTokenizer
from ._normalize import make_normalizer
from ._packed import PackedSequences
from ._vocab import BOS, BOUNDARY_TOKENS, EOS, SPECIAL_TOKENS, UNK, Vocabulary

__all__ = ["WordTokenizer", "CharTokenizer", "WhitespaceTokenizer", "WORD_PATTERN"]

# Letters (with combining marks, any script) joined by inner apostrophes; numbers with inner
# '.' or ','; anything else one grapheme at a time (an emoji with a skin tone stays whole).
WORD_PATTERN = r"[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*|\p{N}+(?:[.,]\p{N}+)*|\X"


class _VocabTokenizer(TextTokenizer):
    """Shared training for word and char: count the pieces, keep the frequent ones as a vocabulary."""

    default_lowercase: bool = False

    @classmethod
    def _cutter(cls) -> pre_tokenizers.PreTokenizer:
        raise NotImplementedError

    @classmethod
    def _decoder(cls) -> decoders.Decoder | None:
        return None

    @classmethod
    def _normalizer(cls, lowercase: bool) -> normalizers.Normalizer | None:
        return make_normalizer(lowercase)

    @classmethod
    def from_vocabulary(cls, vocabulary: Vocabulary, lowercase: bool | None = None):
        """Build the tokenizer pipeline around a given vocabulary."""
        backend = Tokenizer(models.WordLevel(dict(vocabulary.word2id), unk_token=UNK))
        normalizer = cls._normalizer(cls.default_lowercase if lowercase is None else lowercase)
        if normalizer is not None:
            backend.normalizer = normalizer
        backend.pre_tokenizer = cls._cutter()
        decoder = cls._decoder()
        if decoder is not None:
            backend.decoder = decoder
        backend.add_special_tokens(list(SPECIAL_TOKENS))
        return cls(backend)

    def count_pieces(self, texts: Iterable[str]) -> Counter:
        """How often each piece occurs in ``texts``, cut exactly as this tokenizer cuts (unknown ones too)."""
        cutter, normalizer = self.backend.pre_tokenizer, self.backend.normalizer
        normalize = normalizer.normalize_str if normalizer is not None else str  # whitespace, cased: none
        counts: Counter = Counter()
        for text in texts:
            counts.update(piece for piece, _ in cutter.pre_tokenize_str(normalize(text)))
        return counts

    @classmethod
    def train(cls, texts: Iterable[str], min_freq: int = 1, max_size: int | None = None, lowercase: bool | None = None):
        """Count pieces over the training texts only; keep those seen ``min_freq`` times (at most ``max_size``)."""
        counts = cls.from_vocabulary(Vocabulary([]), lowercase).count_pieces(texts)  # streams: one pass
        if not counts:
            raise ConvtextError("no tokens in the training texts — give non-empty texts")
        return cls.from_vocabulary(Vocabulary.from_counts(counts, min_freq, max_size), lowercase)


class WordTokenizer(_VocabTokenizer):
    """Words of any script, numbers and punctuation; lower-cased by default; decode joins with spaces."""

    kind = "word"
    default_lowercase = True

    @classmethod
    def _cutter(cls):
        return pre_tokenizers.Sequence(
            [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex(WORD_PATTERN), behavior="isolated")]
        )


class CharTokenizer(_VocabTokenizer):
    """One token per user-perceived character (grapheme cluster), spaces included; decode is exact."""

    kind = "char"

    @classmethod
    def _cutter(cls):
        return pre_tokenizers.Split(Regex(r"\X"), behavior="isolated")

    @classmethod
    def _decoder(cls):
        return decoders.Fuse()


# Where Python's str.lower() / str.split() and the tokenizers pipeline (Lowercase, WhitespaceSplit) disagree:
# Python also splits at the four information separators U+001C-U+001F and lower-cases a final capital sigma
# by context; letters newer than one side's Unicode tables; lone surrogates; and the special tokens, which
# tokenizers cuts out of the middle of a word. tests/test_packed.py recomputes the characters over all of Unicode.
_PYTHON_DIFFERS = (  # character classes scan at C speed; split in two, as one class with astral ranges is 2× slower
    re.compile("[\x1c-\x1f\u03a3\u1c89\ua7cb\ua7cc\ua7ce\ua7d2\ua7d4\ua7da\ua7dc\ud800-\udfff]"),
    re.compile("[\U00010d50-\U00010d65\U00016ea0-\U00016eb8]"),
)
_ASCII_DIFFERS = (re.compile("[\x1c-\x1f]"),)  # all that can differ in ASCII text
_RESERVED = (*SPECIAL_TOKENS, *BOUNDARY_TOKENS)  # in a text, tokenizers matches them whole: its path handles them


class WhitespaceTokenizer(_VocabTokenizer):
    """fastText's cut: what whitespace separates is a token (punctuation stays on its word); lower-cased by
    default and no Unicode normalisation. The fastest kind (about 1.8× ``word``; ``encode_packed`` about 3×
    more), for text that is already tokenized, or speed first; scripts written without spaces (Chinese,
    Japanese, Thai) need ``word`` or ``bpe``."""

    kind = "whitespace"
    default_lowercase = True

    def __init__(self, backend: Tokenizer):
        super().__init__(backend)
        self._word_ids = backend.get_vocab(with_added_tokens=True)

    def encode_packed(self, texts: Sequence[str], max_length: int | None = None) -> PackedSequences:
        """The same ids as the tokenizers pipeline, cut by Python's own ``str.lower`` and ``str.split`` (no
        object per token crosses into Rust and back); a batch holding a character where the two could
        differ (see ``_PYTHON_DIFFERS``) or a special token goes through tokenizers instead."""
        try:
            joined = "".join(texts)
        except TypeError:  # not all strings: the general path names the culprit
            return super().encode_packed(texts, max_length)
        differs = _ASCII_DIFFERS if joined.isascii() else _PYTHON_DIFFERS
        if any(pattern.search(joined) for pattern in differs) or any(token in joined for token in _RESERVED):
            return super().encode_packed(texts, max_length)
        words = [text.lower().split() for text in texts] if self.lowercase else [text.split() for text in texts]
        if self.boundaries:  # <s> … </s>, as the post-processor adds them
            words = [[BOS, *row, EOS] for row in words]
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))  # (N,)
        if max_length is not None and lengths.max(initial=0) > max_length:
            words = [row[:max_length] for row in words]
            lengths = np.minimum(lengths, max_length)
        ids = map(self._word_ids.get, itertools.chain.from_iterable(words), itertools.repeat(self.unk_id))
        flat = np.fromiter(ids, dtype=np.int32, count=int(lengths.sum()))  # (total,)
        return PackedSequences.from_lengths(flat, lengths)

    @classmethod
    def _cutter(cls):
        return pre_tokenizers.WhitespaceSplit()

    @classmethod
    def _normalizer(cls, lowercase: bool) -> normalizers.Normalizer | None:
        return normalizers.Lowercase() if lowercase else None
