"""The smallest loss for a size: which (vocabulary rows, embedding rank) pair fits the budget and scores best.

For every rank (the full embedding width first, then narrower ones) the most frequent rows that fit are found
by bisection on the saved folder's real size; each such candidate is built (``shrunk_textcnn``), its weights
rounded to int8 as they will be stored, and scored on validation. The best score wins (``TextClassifier.compress``: the
lowest validation log-loss), ties to the smaller folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from .._errors import ConvtextError
from .._tensor_file import int8_rounded
from ..models import TextCNN
from ..tokenize import TextTokenizer, keep_first_tokens
from ._lowrank import shrunk_textcnn
from ._size import shown_size

__all__ = ["RANKS", "Compressed", "compress_textcnn", "int8_names", "round_to_int8"]

log = logging.getLogger(__name__)

RANKS = (256, 192, 128, 96, 64, 48, 32, 24, 16, 12, 8)
SLACK = 256  # bytes kept free while probing: the final card's numbers may be a few characters longer

Sizer = Callable[[TextCNN, TextTokenizer], int]
Scorer = Callable[[TextCNN, TextTokenizer], float]


@dataclass
class Compressed:
    model: TextCNN
    tokenizer: TextTokenizer
    rank: int | None  # None: the embedding kept its width
    rows: int
    bytes: int
    score: float
    candidates: list[dict] = field(default_factory=list)  # every (rank, rows, bytes, score) tried


def int8_names(model: TextCNN) -> list[str]:
    """The tensors a compressed model stores as int8 rows: its embedding (one table: a cut multichannel model
    reads the mean of its two) and every filter bank."""
    return ["embedding.weight", *(f"convs.{i}.weight" for i in range(len(model.convs)))]


@torch.no_grad()
def round_to_int8(model: TextCNN) -> TextCNN:
    """``model`` with its int8-stored tensors rounded as storing them rounds them (so memory and disk agree)."""
    state = model.state_dict()
    for name in int8_names(model):
        state[name].copy_(torch.from_numpy(int8_rounded(state[name].numpy())))
    return model


def _shape_only(model: TextCNN, rows: int, rank: int | None) -> TextCNN:
    """A model of the candidate's shape (weights arbitrary): what its folder's size depends on."""
    config = {**model.config(), "vocab_size": rows, "embed_dim": rank or model.embed_dim}
    if config["embedding_mode"] == "multichannel":
        config["embedding_mode"] = "non-static"
    return TextCNN(**config)


def _most_rows(model: TextCNN, tokenizer: TextTokenizer, rank: int | None, budget: int, size_of: Sizer):
    """How many of the most frequent vocabulary ids fit ``budget`` at ``rank`` and the folder's size, or
    ``(None, smallest size)``. Sizes grow linearly with the rows: a line through the bounds guesses, alternating
    with halving so that a guess that keeps missing cannot creep."""

    def size(count: int) -> int:
        pruned, kept = keep_first_tokens(tokenizer, count)
        return size_of(_shape_only(model, len(kept), rank), pruned)

    low, high = 2, model.vocab_size  # 2: only <pad>, <unk> and the added tokens
    high_bytes = size(high)
    if high_bytes <= budget:
        return high, high_bytes
    low_bytes = size(low)
    if low_bytes > budget:
        return None, low_bytes
    step = 0
    while high - low > 1:
        if step % 2 == 0:
            guess = low + (budget - low_bytes) * (high - low) // max(high_bytes - low_bytes, 1)
        else:
            guess = (low + high) // 2
        guess, step = min(max(guess, low + 1), high - 1), step + 1
        count = size(guess)
        if count <= budget:
            low, low_bytes = guess, count
        else:
            high, high_bytes = guess, count
    return low, low_bytes


def compress_textcnn(
    model: TextCNN, tokenizer: TextTokenizer, max_bytes: int, score: Scorer, size_of: Sizer
) -> Compressed:
    """The best-scoring TextCNN (and its tokenizer) whose folder takes at most ``max_bytes``."""
    limit = min(model.embed_dim, sum(conv.kernel_size[0] for conv in model.convs) * model.num_filters)
    best, candidates, smallest = None, [], None
    for rank in (None, *(r for r in RANKS if r < limit)):
        first, count = _most_rows(model, tokenizer, rank, max_bytes - SLACK, size_of)
        if first is None:
            smallest = count if smallest is None else min(smallest, count)
            continue
        pruned, kept = keep_first_tokens(tokenizer, first)
        candidate = round_to_int8(shrunk_textcnn(model, kept, rank))
        value = score(candidate, pruned)
        candidates.append({"rank": rank or model.embed_dim, "rows": len(kept), "bytes": count, "score": value})
        log.info("rank %s, %d rows: %s, score %.4f", rank or model.embed_dim, len(kept), shown_size(count), value)
        if best is None or (value, -count) > (best.score, -best.bytes):
            best = Compressed(candidate, pruned, rank, len(kept), count, value)
    if best is None:
        raise ConvtextError(
            f"no compressed form of this model fits {shown_size(max_bytes)}: the smallest takes "
            f"{shown_size(smallest)} — give a larger --max-size, or train with a smaller vocabulary (--max-vocab) "
            "or fewer filters"
        )
    best.candidates = candidates
    return best
