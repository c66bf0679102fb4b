"""``write_report``: an evaluation report's contents added to ``evaluate``'s dict, its HTML written atomically."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from .._errors import ConvtextError
from ..artifact import replaced_atomically
from ._contents import NGRAMS_SHOWN, report_contents
from ._html import report_html

__all__ = ["write_report"]


def _explainer(explaining):
    """``explaining`` (a ``TextClassifier``, or None) as a text -> ``Explanation`` function, and a note for the
    page: None when every error has its n-grams."""
    if explaining is None:
        return None, "No n-grams: the model was loaded without PyTorch."
    if not hasattr(explaining.model_, "ngram_features"):
        return None, f"No n-grams: a {explaining.model_.architecture} model has no exact n-gram explanation."
    return (lambda text: explaining.explain(text, top=NGRAMS_SHOWN)), None


def write_report(
    clf, texts: list[str], labels: Sequence, report: dict, path: str | Path, model: str, data: str,
    explaining=None, errors: int = 20,
) -> dict:  # fmt: skip
    """Add the slices and the ``errors`` most confident errors of ``clf`` on ``texts`` to ``report`` (evaluate's
    dict), write it to ``path`` — the HTML page, or the dict as JSON where ``path`` ends in .json — and return it. ``explaining``: the ``TextClassifier`` whose
    ``explain`` gives each error's n-grams (the same model as ``clf``)."""
    if errors < 0:
        raise ConvtextError(f"the number of errors to show must be 0 or more, got {errors}")
    explain, note = _explainer(explaining)
    report.update(report_contents(clf, texts, labels, explain, errors))
    path = Path(path)
    as_json = path.suffix.lower() == ".json"
    with replaced_atomically(path) as temporary:
        written = (
            json.dumps(report, ensure_ascii=False, indent=1) if as_json else report_html(report, model, data, note)
        )
        temporary.write_text(written, encoding="utf-8")
    return report
