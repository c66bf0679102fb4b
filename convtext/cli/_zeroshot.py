"""``convtext zero-shot``: classify texts by label descriptions, with no training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..zeroshot import ZeroShotClassifier, parse_label_descriptions
from ._common import console, print_json
from ._predict import read_all_inputs


def zero_shot(
    texts: Annotated[
        list[str] | None, typer.Argument(help="Texts; none: read --input or stdin (one per line).")
    ] = None,
    labels: Annotated[
        list[str],
        typer.Option("--labels", help="LABEL=DESCRIPTION, once per label (or bare LABEL with --template)."),
    ] = ...,  # type: ignore[assignment]
    template: Annotated[
        str | None, typer.Option(help='A description for bare labels, e.g. "This review is {label}."')
    ] = None,
    encoder: Annotated[
        str, typer.Option(help="minilm (all-MiniLM-L6-v2), a `convtext distill` folder, or textcnn.minilm_distilled.")
    ] = "minilm",
    input_file: Annotated[Path | None, typer.Option("--input", help="A file with one text per line.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")] = False,
) -> None:
    """Give each text the label whose description it is most similar to (cosine of sentence embeddings)."""
    numbers, inputs = read_all_inputs(texts, input_file)
    if not inputs:  # every line blank
        if as_json:
            print_json([])
        return
    classifier = ZeroShotClassifier(parse_label_descriptions(labels, template), encoder)
    scores = classifier.decision_function(inputs)
    results = [
        {"line": number, "text": text, "label": classifier.classes_[row.argmax()],
         "similarity": {label: round(float(value), 4) for label, value in zip(classifier.classes_, row)}}
        for number, text, row in zip(numbers, inputs, scores)
    ]  # fmt: skip
    if as_json:
        print_json(results)
        return
    for result in results:
        console.print(f"{escape(result['label'])}\t{escape(result['text'])}")
