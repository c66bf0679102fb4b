"""What the service reads and answers: the request bodies, a prediction, an explanation, a model's card."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..classifier import EnsembleClassifier, NgramContribution, TextClassifier
from ..classifier.training import ensemble_size
from ..tokenize import TokenSpan, valid_unicode

__all__ = [
    "ExplainRequest", "PredictRequest", "answer", "explains", "explanation", "model_info", "no_explanations",
    "readable",
]  # fmt: skip


class PredictRequest(BaseModel):
    """``{"texts": [...]}`` or ``{"text": "..."}``, with optional settings."""

    model_config = ConfigDict(extra="forbid")
    texts: list[str] | None = Field(None, description="Texts to classify.")
    text: str | None = Field(None, description="One text (instead of texts).")
    model: str | None = Field(None, description="Which model, when the service has several (default: the first).")
    top_k: int | None = Field(None, ge=1, description="Also return the k most probable labels.")
    explain: bool = Field(False, description="Also return the n-grams behind each prediction (textcnn models).")
    explain_top: int = Field(5, ge=1, le=100, description="How many n-grams per explanation.")


class ExplainRequest(BaseModel):
    """``{"text": "..."}``: every token's and the top n-grams' exact contributions to each class."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The text to explain.")
    model: str | None = Field(None, description="Which model, when the service has several (default: the first).")
    top: int = Field(10, ge=1, le=100, description="How many n-grams per class.")


def explains(classifier) -> bool:
    """Whether the model has exact n-gram explanations (a TextCNN; not an ensemble of models)."""
    return hasattr(getattr(classifier, "model_", None), "ngram_features")


def no_explanations(name: str, classifier) -> str:
    if isinstance(classifier, EnsembleClassifier):
        return (f"model {name!r} is an ensemble of {len(classifier.members)} models, which has no single n-gram "
                "explanation — serve one of its members (FOLDER/members/0) to explain")  # fmt: skip
    return f"model {name!r} ({classifier.model_.architecture}) has no n-gram explanations"


def _ensemble_info(name: str, classifier: EnsembleClassifier) -> dict:
    return {
        "name": name, "labels": classifier.classes_, "architecture": "ensemble", "multi_label": False,
        "thresholds": [float(t) for t in classifier.thresholds_], "temperature": float(classifier.temperature_),
        "max_length": max(m.max_length for m in classifier.members), "members": len(classifier.members),
        "weights": [float(w) for w in classifier.weights_],
        "tokenizer": ", ".join(m.tokenizer_.kind for m in classifier.members),
        "embeddings": ", ".join(str(m.embeddings_) for m in classifier.members),
        "metrics": _scores(classifier.metrics_), "trained": {}, "curve": [], "explain": False, "backend": "torch",
    }  # fmt: skip


def model_info(name: str, classifier: TextClassifier | EnsembleClassifier) -> dict:
    """The model's card as JSON: labels (and thresholds), architecture, training, metrics per split (with the
    confusion matrix) and the training curve."""
    if isinstance(classifier, EnsembleClassifier):
        return _ensemble_info(name, classifier)
    training = classifier.training_ or {}
    curve = [
        {key: epoch.get(key) for key in ("epoch", "train_loss", "valid_loss", "valid_accuracy", "valid_micro_f1")}
        for epoch in training.get("history") or []
    ]
    return {
        "name": name, "labels": classifier.classes_, "architecture": classifier.model_.architecture,
        "multi_label": classifier.multi_label, "thresholds": [float(t) for t in classifier.thresholds_],
        "temperature": float(classifier.temperature_),
        "max_length": classifier.max_length, "members": ensemble_size(classifier.model_),
        "tokenizer": classifier.tokenizer_.kind, "embeddings": str(classifier.embeddings_),
        "metrics": _scores(classifier.metrics_),
        "trained": {key: training.get(key) for key in ("train_rows", "valid_rows", "seconds", "best_epoch") if key in training},
        "curve": curve, "explain": explains(classifier),
        "backend": "onnx" if getattr(classifier, "onnx_", None) is not None else "torch",
    }  # fmt: skip


def _scores(metrics: dict) -> dict:
    """Per split, the headline numbers of the card and the confusion matrix (rows: true labels)."""
    keys = ("accuracy", "macro_f1", "micro_f1", "n", "confusion")
    return {split: {k: report[k] for k in keys if k in report} for split, report in metrics.items()}


def readable(text: str) -> str:
    """Lone surrogates (valid JSON escapes, not valid Unicode) become U+FFFD so answers can be encoded."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return valid_unicode(text)


def answer(classifier: TextClassifier, row: np.ndarray, text: str, request: PredictRequest) -> dict:
    """One text's prediction: label(s), probabilities, and the asked-for top-k and n-grams."""
    probabilities = {label: float(p) for label, p in zip(classifier.classes_, row)}
    answer = {"labels" if classifier.multi_label else "label": classifier.labels_from(row[None])[0]}
    answer["probabilities"] = probabilities
    if request.top_k:
        order = np.argsort(-row, kind="stable")[: request.top_k]
        answer["top_k"] = [[classifier.classes_[j], float(row[j])] for j in order]
    if request.explain:
        explanation = classifier.explain(text, top=request.explain_top)
        answer["explanation"] = [_ngram(item) for item in explanation.top(n=request.explain_top)]
    return answer


def _ngram(item: NgramContribution) -> dict:
    return {"ngram": item.shown, "start": item.start, "end": item.end, "contribution": item.contribution}


def explanation(classifier: TextClassifier, text: str, top: int) -> dict:
    """Everything the web page shows for ``text``: the prediction, the text cut into segments (a token, the
    bytes of one character split into several tokens, or the text between tokens) and, per class, each token's
    share, the top n-grams, their total over all n-grams and the bias (bias + total = the logit)."""
    explained = classifier.explain(text, top=top)
    labels = classifier.classes_
    chosen = classifier.labels_from(np.array([[explained.probabilities[label] for label in labels]]))[0]
    chosen = chosen if classifier.multi_label else [chosen]
    return {
        "label": explained.label, "labels": chosen, "probabilities": explained.probabilities,
        "logits": explained.logits, "bias": explained.bias, "totals": explained.totals,
        "tokens": [span.token for span in explained.tokens], "segments": _segments(text, explained.tokens),
        "contributions": explained.token_shares,
        "ngrams": {label: [_ngram(item) for item in explained.ngrams[label]] for label in labels},
    }  # fmt: skip


def _segments(text: str, spans: list[TokenSpan]) -> list[dict]:
    """``text`` cut into ``{"text", "tokens"}`` pieces in order: a token's own characters (with every token that
    reads them), or the characters between tokens (no tokens); the start/end tokens as empty pieces."""
    segments, cursor = [], 0
    for index, span in enumerate(spans):
        if span.end > span.start and span.start < cursor and segments and segments[-1]["tokens"]:
            segments[-1]["tokens"].append(index)  # another byte of the same character, or an overlapping piece
            continue
        start = max(span.start, cursor)
        if start > cursor:
            segments.append({"text": text[cursor:start], "tokens": []})
        segments.append({"text": text[start : max(span.end, start)], "tokens": [index]})
        cursor = max(cursor, span.end)
    if cursor < len(text):
        segments.append({"text": text[cursor:], "tokens": []})
    return segments
