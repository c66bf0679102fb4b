"""Exact n-gram explanations of a TextCNN prediction.

Max-over-time pooling keeps one window per filter, and the head is linear, so each class score is
``logit_c = bias_c + Σ_j W[c, j] · f_j`` where ``f_j`` is the value of the n-gram that won filter
``j``. Grouping the terms by winning n-gram gives each n-gram's exact contribution to each class;
they add up to the logit minus the bias (checked).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import torch

from .._errors import ConvtextError
from ..infer import model_device
from ..runtime import to_probabilities
from ..tokenize import BOS, EOS, TextTokenizer, TokenSpan

__all__ = ["Explanation", "NgramContribution", "explain_text"]


@dataclass(frozen=True)
class NgramContribution:
    """One n-gram of the text: where it is, its tokens, and how much it added to a class score."""

    text: str
    start: int
    end: int
    tokens: tuple[str, ...]
    contribution: float

    @property
    def shown(self) -> str:
        """The n-gram as the model read it: its text, with ``<s>`` / ``</s>`` where it takes in the text's start or end."""
        opening = f"{BOS} " if self.tokens[:1] == (BOS,) else ""
        closing = f" {EOS}" if self.tokens[-1:] == (EOS,) else ""
        return f"{opening}{self.text}{closing}".strip()


@dataclass
class Explanation:
    """Why the model chose ``label`` for ``text``: per class, the n-grams that moved its score most."""

    text: str
    label: str
    probabilities: dict[str, float]
    logits: dict[str, float]
    bias: dict[str, float]
    ngrams: dict[str, list[NgramContribution]] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)  # sum over *all* n-grams, before cutting to top
    tokens: list[TokenSpan] = field(default_factory=list)  # what the model read, <s> and </s> included
    # per class, each token's share of the score: every n-gram's contribution split evenly over its tokens, so the
    # shares add up to the n-grams' total (the logit minus the bias)
    token_shares: dict[str, list[float]] = field(default_factory=dict)

    def top(self, label: str | None = None, n: int = 5) -> list[NgramContribution]:
        """The ``n`` n-grams with the largest contribution to ``label`` (default: the predicted one)."""
        return self.ngrams[label or self.label][:n]


def explain_text(
    model, tokenizer: TextTokenizer, labels: list[str], text: str, max_length: int, top: int | None,
    multi_label: bool = False, temperature: float = 1.0,
) -> Explanation:  # fmt: skip
    """Explain the prediction for ``text``; ``top=None`` keeps every n-gram (CNN models only); its probabilities
    are calibrated at ``temperature``, as ``predict_proba``'s are."""
    if not hasattr(model, "ngram_features"):
        raise ConvtextError(
            f"{model.architecture} has no exact n-gram explanation (its layers mix positions) — "
            "explain needs a textcnn model (--arch textcnn or textcnn_kim)"
        )
    spans = tokenizer.tokens(text, boundaries=True)[:max_length]  # the ids the model reads
    ids = torch.tensor([[span.id for span in spans]], dtype=torch.long, device=model_device(model))  # (1, T)
    mask = torch.ones_like(ids, dtype=torch.bool)  # (1, T)
    model.eval()
    with torch.inference_mode():
        features, positions = model.ngram_features(ids, mask)  # (1, F), (1, F)
        logits = model.forward_head(features)[0]  # (C,)
        weight, bias = model.head.weight, model.head.bias  # (C, F), (C,)
        terms = weight * features  # (C, F): W[c, j] * f_j
    kernel_of = model.feature_kernel_sizes()
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)  # (start token, end token) -> features
    for j, (value, position) in enumerate(zip(features[0].tolist(), positions[0].tolist())):
        if value != 0.0 and spans:
            groups[(position, min(position + kernel_of[j], len(spans)))].append(j)
    probabilities = to_probabilities(logits[None].cpu().numpy(), multi_label, temperature)[0]  # (C,)
    explanation = Explanation(
        text=text,
        label=labels[int(logits.argmax())],
        probabilities={label: float(p) for label, p in zip(labels, probabilities)},
        logits={label: float(v) for label, v in zip(labels, logits)},
        bias={label: float(b) for label, b in zip(labels, bias.detach().tolist())},
        tokens=spans,
    )
    for c, label in enumerate(labels):
        contributions = [
            NgramContribution(
                text=text[spans[first].start : spans[last - 1].end],
                start=spans[first].start,
                end=spans[last - 1].end,
                tokens=tuple(span.token for span in spans[first:last]),
                contribution=float(terms[c, members].sum()),
            )
            for (first, last), members in groups.items()
        ]
        shares = [0.0] * len(spans)
        for ((first, last), _), item in zip(groups.items(), contributions):
            for position in range(first, last):
                shares[position] += item.contribution / (last - first)
        explanation.token_shares[label] = shares
        contributions.sort(key=lambda item: -item.contribution)
        explanation.totals[label] = float(terms[c].sum())
        explanation.ngrams[label] = contributions[:top]
        if abs(explanation.totals[label] + explanation.bias[label] - explanation.logits[label]) > 1e-4:
            raise AssertionError("n-gram contributions do not add up to the logit")  # pragma: no cover
    return explanation
