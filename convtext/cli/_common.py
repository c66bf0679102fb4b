"""Options and output helpers shared by the ``convtext`` verbs."""

from __future__ import annotations

import functools
import inspect
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .._errors import ConvtextError

__all__ = [
    "CheckpointsOption", "EncodingOption", "FormatOption", "JsonOption", "LabelColOption", "ModelDir", "ModelOutput",
    "ProgressOption", "ResumeOption", "TaskOption", "TextColOption", "checkpoint_folder", "console", "given_flags",
    "grouped_options", "print_json", "print_report", "reader_options", "report_table", "split_pair",
]  # fmt: skip

console = Console(soft_wrap=True)

FormatOption = Annotated[
    str,
    typer.Option(
        "--format", help="auto, csv, tsv, jsonl, parquet, fasttext, label-text (and lines for a plain corpus)."
    ),
]
TextColOption = Annotated[
    str, typer.Option("--text-col", help="Column (CSV/TSV/Parquet) or key (JSONL) holding the text.")
]
LabelColOption = Annotated[
    str, typer.Option("--label-col", help="Column (CSV/TSV/Parquet) or key (JSONL) holding the label.")
]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="auto = UTF-8, else Windows-1252, else Latin-1, decided per file.")
]


def grouped_options(group: str, options: dict, parse=None):
    """A decorator: the command gains one option per ``options`` entry (``name: (Annotated type, default)``), where
    its own parameter ``group`` stands, and receives their values as one dict ``group`` (``parse``d if given)."""

    def decorate(command):
        signature = inspect.signature(command, eval_str=True)
        own = list(signature.parameters.values())
        at = [parameter.name for parameter in own].index(group)
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default)
            for name, (kind, default) in options.items()
        ]

        @functools.wraps(command)
        def with_group(**given):
            values = {name: given.pop(name) for name in options}
            return command(**given, **{group: parse(values) if parse else values})

        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[:at] + added + own[at + 1 :]]
        with_group.__signature__ = signature.replace(parameters=parameters)
        return with_group

    return decorate


def given_flags(context: typer.Context, *names: str) -> list[str]:
    """The options among ``names`` (parameter names) that the command line gave explicitly, as their flags."""
    flags = {parameter.name: parameter.opts[0] for parameter in context.command.params}
    explicit = ("COMMANDLINE", "ENVIRONMENT")  # compared by name: typer carries its own copy of click's enum
    return [flags[name] for name in names if name in flags and context.get_parameter_source(name).name in explicit]


def reader_options(command):
    """A decorator: the command gains --format, --text-col, --label-col and --encoding, received as ``reader``."""
    options = {"format": (FormatOption, "auto"), "text_col": (TextColOption, "text"),
               "label_col": (LabelColOption, "label"), "encoding": (EncodingOption, "auto")}  # fmt: skip
    return grouped_options("reader", options)(command)


def _finite(value: object) -> object:
    """``value`` with every nan or infinite float as ``None``: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)  # one for every list item


def _json(value: object, indent: int | None = None) -> str:
    """``value`` as JSON; a nan or infinite float becomes ``null`` (JSON has no such numbers)."""
    encode = (
        _COMPACT.encode
        if indent is None
        else json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=indent).encode
    )
    try:
        return encode(value)
    except ValueError:  # a non-finite float somewhere: walk the value only then
        return encode(_finite(value))


def print_json(value: object) -> None:
    """Machine-readable output on stdout, always valid JSON (a nan is ``null``), UTF-8 kept readable (Cyrillic
    stays Cyrillic). A list is written one compact item per line (fast for many predictions), anything else
    indented."""
    if isinstance(value, list):
        sys.stdout.write(f"[\n{json_lines(value)}\n]\n" if value else "[]\n")
        return
    sys.stdout.write(_json(value, indent=2) + "\n")


def json_lines(items: list) -> str:
    """The items of a JSON list, one compact item per line (no brackets): ``print_json`` writes lists so."""
    return ",\n".join(_json(item) for item in items)


def split_pair(option: str, value: str, example: str) -> tuple[str, str]:
    """``"NAME=VALUE"`` -> ``("NAME", "VALUE")``, both stripped and non-empty, else an error showing ``example``."""
    name, sep, rest = value.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ConvtextError(f"{option} takes {example} — got {value!r}")
    return name.strip(), rest.strip()


def _model_folder(value: Path) -> Path:
    """A zoo name or Hub id as the folder it stands for, so that MODEL/... paths (an ONNX file) land in it."""
    from ..hub import model_folder

    folder = model_folder(value)
    return folder if folder is not None else value  # "minilm": convtext.load says it is not a classifier


ModelDir = Annotated[
    Path,
    typer.Argument(
        help="A model: a folder written by `convtext train -o`, a built zoo model's name or a Hub id.",
        callback=_model_folder,
    ),
]


def _output_folder(value: Path | None) -> Path | None:
    from ..artifact import check_output_folder  # here, not at the top: a verb's --help needs no PyTorch

    return check_output_folder(value) if value is not None else None


def _output_file(value: Path | None) -> Path | None:
    from ..artifact import check_output_file  # here, not at the top: a verb's --help needs no PyTorch

    return check_output_file(value) if value is not None else None


ModelOutput = Annotated[
    Path,
    typer.Option(
        "--output", "-o", help="Folder to write the model to (checked before any work).", callback=_output_folder
    ),
]
OutputFile = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="With --input: write one JSON line per text to this file, in chunks (any file size); checked before "
        "any work, replaced whole when done.",
        callback=_output_file,
    ),
]
TaskOption = Annotated[str | None, typer.Option("--task", help="Multi-task model: the task to use.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Go on from the last epoch checkpoint of an interrupted run.")
]
CheckpointsOption = Annotated[
    Path | None,
    typer.Option(help="Folder for the checkpoint written after every epoch (default: OUTPUT.checkpoints)."),
]
ProgressOption = Annotated[bool, typer.Option(help="Show a progress bar.")]


def checkpoint_folder(checkpoints: Path | None, output: Path, resume: bool) -> Path:
    """Where a run keeps its epoch checkpoints (default ``OUTPUT.checkpoints``); says so when --resume finds none."""
    checkpoints = checkpoints or output.with_name(output.name + ".checkpoints")
    if resume and not checkpoints.is_dir():
        print(f"no checkpoints in {checkpoints}: training from the start", file=sys.stderr)
    return checkpoints


def report_table(title: str, report: dict) -> Table:
    table = Table("label", "precision", "recall", "F1", "support", title=title)
    for label, scores in report["per_class"].items():
        table.add_row(
            escape(label), f"{scores['precision']:.3f}", f"{scores['recall']:.3f}", f"{scores['f1']:.3f}",
            f"{scores['support']:,}",
        )  # fmt: skip
    return table


def print_report(title: str, report: dict) -> None:
    micro = f"  micro-F1 {report['micro_f1']:.4f}" if "micro_f1" in report else ""
    console.print(
        f"[bold]{title}[/]: accuracy {report['accuracy']:.4f}{micro}  macro-F1 {report['macro_f1']:.4f}  n {report['n']:,}"
    )
    if report.get("unknown_labels"):
        console.print(f"  labels the model never saw (counted as errors): {report['unknown_labels']}")
    calibration = report.get("calibration") or {}
    if calibration.get("n"):
        plain = calibration["uncalibrated"]
        console.print(
            f"  probabilities at temperature {calibration['temperature']:.2f}: ECE {calibration['ece']:.4f}  "
            f"Brier {calibration['brier']:.4f}  NLL {calibration['nll']:.4f}  (at temperature 1: ECE "
            f"{plain['ece']:.4f}  Brier {plain['brier']:.4f}  NLL {plain['nll']:.4f})"
        )
