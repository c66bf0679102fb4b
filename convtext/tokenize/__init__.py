"""Turning text into ids: vocabularies, word / char / BPE tokenizers, and a reference BPE that explains itself."""

from ._base import TextTokenizer, TokenSpan, valid_unicode
from ._bpe import BpeTokenizer
from ._bpe_reference import BpeTrace, MergeStep, count_words, learn_bpe, parse_word_counts
from ._factory import TOKENIZER_KINDS, load_tokenizer, train_tokenizer
from ._packed import PackedSequences, PackedWriter
from ._prune import PRUNABLE_MODELS, keep_first_tokens
from ._vocab import BOS, BOUNDARY_TOKENS, EOS, PAD, SPECIAL_TOKENS, UNK, Vocabulary, auto_embed_dim
from ._vocab_tokenizer import WORD_PATTERN, CharTokenizer, WhitespaceTokenizer, WordTokenizer
from ._wordpiece import MiniLMTokenizer, WordPieceTokenizer

__all__ = [
    "BOS",
    "BOUNDARY_TOKENS",
    "EOS",
    "PAD",
    "PRUNABLE_MODELS",
    "SPECIAL_TOKENS",
    "TOKENIZER_KINDS",
    "UNK",
    "WORD_PATTERN",
    "BpeTokenizer",
    "BpeTrace",
    "CharTokenizer",
    "MergeStep",
    "MiniLMTokenizer",
    "PackedSequences",
    "PackedWriter",
    "TextTokenizer",
    "TokenSpan",
    "Vocabulary",
    "WhitespaceTokenizer",
    "WordPieceTokenizer",
    "WordTokenizer",
    "auto_embed_dim",
    "count_words",
    "keep_first_tokens",
    "learn_bpe",
    "load_tokenizer",
    "parse_word_counts",
    "train_tokenizer",
    "valid_unicode",
]
