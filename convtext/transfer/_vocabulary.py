"""Giving a pretrained model the words of a new data set: the vocabulary grows, known tokens keep their rows."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from tokenizers import Tokenizer

from ..embed import remap_vocabulary
from ..minilm import minilm_token_vectors, minilm_tokenizer
from ..models import TextModel
from ..tokenize import UNK, TextTokenizer

__all__ = ["extend_vocabulary"]

log = logging.getLogger(__name__)


def _with_tokens(tokenizer: TextTokenizer, tokens: list[str]) -> TextTokenizer:
    """The same pipeline (normalizer, pre-tokenizer, decoder) over the vocabulary ``tokens`` (ids in order)."""
    spec = json.loads(tokenizer.to_str())
    spec["model"]["vocab"] = {token: i for i, token in enumerate(tokens)}
    return type(tokenizer)(Tokenizer.from_str(json.dumps(spec)))


def _new_pieces(tokenizer: TextTokenizer, texts: Sequence[str], min_freq: int) -> list[str]:
    """Word/char pieces of ``texts`` (cut as the tokenizer cuts them) seen ``min_freq`` times and not yet known."""
    known, counts = tokenizer.backend.get_vocab(), tokenizer.count_pieces(texts)
    return sorted((p for p, n in counts.items() if n >= min_freq and p not in known), key=lambda p: (-counts[p], p))


def extend_vocabulary(
    model: TextModel, tokenizer: TextTokenizer, texts: Sequence[str], min_freq: int = 1, minilm_rows: bool = False
) -> TextTokenizer:
    """Add the tokens of ``texts`` the tokenizer lacks; ``model``'s embedding grows to match, in place.

    Known tokens keep their ids and rows; new word/char tokens start from ``<unk>``'s row (what the
    model used for them so far, so nothing gets worse before training); new WordPiece
    pieces start from MiniLM's vectors when ``minilm_rows`` (the model's embedding came from there).
    BPE needs nothing: its pieces already spell any new word. Returns the tokenizer to use.
    """
    old_tokens = tokenizer.vocab.id2word
    if tokenizer.kind in ("bpe", "minilm"):  # pieces that spell any word already
        return tokenizer
    if tokenizer.kind == "wordpiece":
        source, rows = minilm_tokenizer(list(texts), min_freq)
        known = set(old_tokens)
        added = [t for t in source.vocab.id2word if t not in known]
        pieces = source.vocab.id2word  # built once: .vocab rebuilds the whole table on each access
        source_row = {pieces[i]: row for i, row in rows.items()}
    else:
        added = _new_pieces(tokenizer, texts, min_freq)
    if not added:
        log.info("vocabulary: every token of the new data is known (%s tokens)", f"{len(old_tokens):,}")
        return tokenizer
    new_tokens = [*old_tokens, *added]
    remap_vocabulary(model, old_tokens, new_tokens, fill_token=UNK)
    if tokenizer.kind == "wordpiece" and minilm_rows:
        ids = range(len(old_tokens), len(new_tokens))
        model.set_embedding_rows(list(ids), minilm_token_vectors([source_row[t] for t in added]))
    log.info("vocabulary extended by %s tokens of the new data (%s in all)", f"{len(added):,}", f"{len(new_tokens):,}")
    return _with_tokens(tokenizer, new_tokens)
