"""`convtext evaluate`: a model's report on a labelled file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .._errors import ConvtextError
from ..artifact import check_output_file
from ..data import read_labeled
from ..hub import check_unseen
from ._common import (
    EncodingOption,
    FormatOption,
    JsonOption,
    LabelColOption,
    ModelDir,
    TaskOption,
    TextColOption,
    console,
    print_json,
    print_report,
    report_table,
    split_pair,
)
from ._predict import load_predictor


def _check_label_names(data_labels, classes: list[str], source: str) -> None:
    """Data labels the model does not know score as errors: say so on stderr, with the fix (--map-label)."""
    unknown = sorted(set(data_labels) - set(classes))
    if unknown:
        every = "none of its labels" if len(unknown) == len(set(data_labels)) else "labels"
        print(
            f"warning: {source}: {every} {', '.join(unknown[:10])} are not the model's ({', '.join(classes)}), so they "
            "count as errors — map them with --map-label DATA_LABEL=MODEL_LABEL",
            file=sys.stderr,
        )


def _label_mapping(values: list[str], classes: list[str]) -> dict[str, str]:
    """``--map-label A=B`` pairs as ``{A: B}``; each ``B`` must be one of the model's labels."""
    mapping = {}
    for value in values:
        source, target = split_pair("--map-label", value, "DATA_LABEL=MODEL_LABEL, e.g. positive=1")
        if target not in classes:
            raise ConvtextError(f"--map-label {value}: {target!r} is not a label of the model ({', '.join(classes)})")
        mapping[source] = target
    return mapping


def _write_report(classifier, dataset, report: dict, path: Path, model: Path, data: Path, task, errors: int) -> None:
    """``--report``: the slices and confident errors joined to ``report``, written as HTML (or JSON for .json)."""
    from ..classifier import EnsembleClassifier
    from ..multitask import load  # PyTorch, for the errors' n-grams: the numpy runtime has no explanations
    from ..report import write_report

    explaining = classifier if hasattr(classifier, "explain") else load(model, task)
    if isinstance(explaining, EnsembleClassifier):  # no single explanation: the heaviest member's n-grams
        explaining = explaining.members[0]
    gold = dataset.label_sets if classifier.multi_label else dataset.labels
    write_report(classifier, dataset.texts, gold, report, path, str(model), str(data), explaining, errors)
    print(f"report written to {path}", file=sys.stderr)


def evaluate(
    model: ModelDir,
    data: Annotated[Path, typer.Argument(help="Labelled data to score.")],
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    label_col: LabelColOption = "label",
    encoding: EncodingOption = "auto",
    label_sep: Annotated[str | None, typer.Option(help="Split the label column into several labels.")] = None,
    allow_seen: Annotated[
        bool, typer.Option("--allow-seen", help="Score even on data the model saw in training (inflated).")
    ] = False,
    map_label: Annotated[
        list[str] | None,
        typer.Option(help="DATA_LABEL=MODEL_LABEL, repeated: read the data's label as the model's (other domains)."),
    ] = None,
    task: TaskOption = None,
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write a per-label report: an HTML page (or .json) with the confusion matrix, calibration, the "
            "worst slices and the most confident errors with their deciding n-grams.",
        ),
    ] = None,
    errors: Annotated[int, typer.Option(help="--report: how many of the most confident errors to show.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Score a model on labelled data: accuracy, macro-F1, per-class precision/recall, calibration (ECE, Brier,
    NLL), n."""
    if report_file is not None:
        check_output_file(report_file)
    classifier = load_predictor(model, task, "cpu", "auto", None)
    if not allow_seen:
        check_unseen(classifier.data_seen_, str(data), str(model))
    dataset = read_labeled(data, format=format, text_col=text_col, label_col=label_col, encoding=encoding,
                           label_sep=label_sep, multi_label=classifier.multi_label)  # fmt: skip
    if map_label:
        mapping = _label_mapping(map_label, classifier.classes_)
        dataset = dataset.rename_labels(mapping)
    _check_label_names(dataset.label_set(), classifier.classes_, str(data))
    report = classifier.evaluate(dataset.texts, dataset.label_sets if classifier.multi_label else dataset.labels)
    report["skipped_rows"] = len(dataset.skipped)
    if report_file is not None:
        _write_report(classifier, dataset, report, report_file, model, data, task, errors)
    if as_json:
        print_json(report)
        return
    print_report(str(data), report)
    console.print(report_table("per class", report))
    if dataset.skipped:
        console.print(dataset.skip_summary())
