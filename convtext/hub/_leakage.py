"""Which data a model may be scored on: never what it saw, nor a set built from the same sentences."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import PurePath

from .._errors import ConvtextError

__all__ = ["SHARED_SENTENCES", "check_unseen", "overlaps"]

# Data sets built from the same sentences: SST (Socher et al. 2013) re-annotated the sentences of
# MR (Pang & Lee 2005) — 1,431 of the 1,821 SST-2 test sentences occur in MR.
SHARED_SENTENCES = [("rt-polarity*", "stsa.*")]


def _name(source: str) -> str:
    return PurePath(source).name


def _same_file(a: str, b: str) -> bool:
    """Paths as written: one is a tail of the other (``kim2014/mr.all`` and ``/data/kim2014/mr.all``)."""
    x, y = PurePath(a).parts, PurePath(b).parts
    shorter, longer = (x, y) if len(x) <= len(y) else (y, x)
    return bool(shorter) and longer[-len(shorter) :] == shorter


def overlaps(seen: str, target: str) -> bool:
    """Whether a model that saw ``seen`` (a file) has seen sentences of ``target`` (a file)."""
    if _same_file(seen, target):
        return True
    a, b = _name(seen), _name(target)
    for left, right in SHARED_SENTENCES:
        for x, y in ((a, b), (b, a)):
            if fnmatch.fnmatch(x, left) and fnmatch.fnmatch(y, right):
                return True
    return False


def check_unseen(data_seen: Sequence[str], target: str, model: str = "the model") -> None:
    """Refuse to score ``model`` on ``target`` when it saw that data (or data sharing its sentences)."""
    clashes = [source for source in data_seen if overlaps(source, target)]
    if clashes:
        reason = "it is the same data" if _same_file(clashes[0], target) else "they share sentences (SST ⊂ MR)"
        raise ConvtextError(
            f"{model} saw {clashes[0]} during training, and {target} overlaps it ({reason}) — "
            "a score there would be inflated; use a model that never saw it"
        )
