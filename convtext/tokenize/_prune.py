"""A smaller vocabulary for a trained tokenizer: its most frequent tokens only (what ``convtext compress`` keeps)."""

from __future__ import annotations

import json

from tokenizers import Tokenizer

from .._errors import ConvtextError
from ._base import TextTokenizer

__all__ = ["PRUNABLE_MODELS", "keep_first_tokens"]

PRUNABLE_MODELS = ("WordLevel", "WordPiece")  # a BPE vocabulary cannot lose tokens without breaking its merges


def keep_first_tokens(tokenizer: TextTokenizer, count: int) -> tuple[TextTokenizer, list[int]]:
    """The tokenizer with the first ``count`` ids of its vocabulary (convtext numbers tokens most frequent first)
    and every added token (``<pad>``, ``<unk>``, ``<s>``, ``</s>``), renumbered densely in the same order; and,
    for each new id, the old one. A dropped word becomes ``<unk>`` (WordPiece: its remaining pieces)."""
    spec = json.loads(tokenizer.to_str())
    kind = spec["model"]["type"]
    if kind not in PRUNABLE_MODELS:
        raise ConvtextError(
            f"a {kind} tokenizer's vocabulary cannot be cut (its merges name its tokens) — compress keeps it whole; "
            "train with the word or wordpiece tokenizer (or a smaller --max-vocab) for a smaller model"
        )
    added = {entry["id"] for entry in spec["added_tokens"]}
    kept = sorted({i for i in spec["model"]["vocab"].values() if i < count} | added)  # old ids, new order
    new_id = {old: new for new, old in enumerate(kept)}
    spec["model"]["vocab"] = {
        token: new_id[i] for token, i in sorted(spec["model"]["vocab"].items(), key=lambda item: item[1])
        if i in new_id
    }  # fmt: skip
    for entry in spec["added_tokens"]:
        entry["id"] = new_id[entry["id"]]
    for special in ((spec.get("post_processor") or {}).get("special_tokens") or {}).values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    return type(tokenizer)(Tokenizer.from_str(json.dumps(spec))), kept
