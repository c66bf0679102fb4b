"""`convtext explain`: the n-grams behind a prediction, highlighted in the text."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from .._errors import ConvtextError
from ..multitask import load
from ._common import (
    JsonOption,
    ModelDir,
    TaskOption,
    console,
    print_json,
)


def explain(
    model: ModelDir,
    text: Annotated[str, typer.Argument(help="The text to explain.")],
    top: Annotated[int, typer.Option(help="n-grams to show per class.")] = 5,
    label: Annotated[list[str] | None, typer.Option(help="Classes to explain (default: the predicted one).")] = None,
    task: TaskOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show which n-grams drove the prediction, with their exact contributions to each class score."""
    classifier = load(model, task)
    explanation = classifier.explain(text, top=top)
    labels = label or [explanation.label]
    unknown = [name for name in labels if name not in classifier.classes_]
    if unknown:
        raise ConvtextError(f"unknown label(s) {unknown} — the model's labels are {classifier.classes_}")
    if as_json:
        print_json({
            "text": text, "label": explanation.label, "probabilities": explanation.probabilities,
            "classes": {name: {"logit": explanation.logits[name], "bias": explanation.bias[name],
                               "ngrams": [vars(item) | {"tokens": list(item.tokens), "shown": item.shown} for item in explanation.top(name, top)]}
                        for name in labels},
        })  # fmt: skip
        return
    console.print(f"[bold]{escape(explanation.label)}[/] (p={explanation.probabilities[explanation.label]:.3f})")
    for name in labels:
        items = explanation.top(name, top)
        console.print(
            f"class {escape(name)}: logit {explanation.logits[name]:+.3f} = bias {explanation.bias[name]:+.3f} + n-grams"
        )
        console.print("  " + _highlight(text, items), highlight=False)
        for item in items:
            colour = "green" if item.contribution > 0 else "red"
            console.print(f"  [{colour}]{item.contribution:+.3f}[/]  {escape(item.shown)}", highlight=False)


def _highlight(text: str, items) -> str:
    """The text with the top positive n-grams in green (overlaps merged)."""
    marked = [False] * len(text)
    for item in items:
        if item.contribution > 0:
            for i in range(item.start, item.end):
                marked[i] = True
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marked[j] == marked[i]:
            j += 1
        piece = escape(text[i:j])
        out.append(f"[bold green]{piece}[/]" if marked[i] else piece)
        i = j
    return "".join(out)
