"""Texts and labels given in Python (lists, tuples, any sequence) checked and turned into ``LabeledTexts``."""

from __future__ import annotations

from collections.abc import Sequence

from .._errors import ConvtextError
from ._dataset import LabeledTexts

__all__ = ["as_labeled", "as_text_list", "label_tuple"]


def as_text_list(texts: Sequence[str] | str, name: str = "texts") -> list[str]:
    """``texts`` as a list, after checking that every row is a string (one string alone is refused)."""
    if isinstance(texts, str):
        raise ConvtextError(f"{name} must be a list of strings, not one string — wrap it: [text]")
    texts = list(texts)
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        raise ConvtextError(f"{name}[{bad[0]}] is {type(texts[bad[0]]).__name__}, not a string ({len(bad)} such rows)")
    return texts


def label_tuple(value) -> tuple[str, ...]:
    """One text's labels as a tuple of strings: ``"a"`` -> ``("a",)``, ``["a", 2]`` -> ``("a", "2")``, ``[]`` -> ``()``."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(dict.fromkeys(str(label) for label in value))
    return (str(value),)


def as_labeled(texts: list[str], labels: Sequence, source: str) -> LabeledTexts:
    """``LabeledTexts`` from checked texts and one label (or a list of labels) per text."""
    return LabeledTexts(texts, [label_tuple(y) for y in labels], source=source)
