"""Options and output helpers shared by the ``convtext`` verbs."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from .._errors import ConvtextError

__all__ = ["console", "FormatOption", "TextColOption", "LabelColOption", "EncodingOption", "print_json", "split_pair"]

console = Console(soft_wrap=True)

FormatOption = Annotated[
    str,
    typer.Option("--format", help="auto, csv, tsv, jsonl, fasttext, label-text (and lines for a plain corpus)."),
]
TextColOption = Annotated[str, typer.Option("--text-col", help="Column (CSV/TSV) or key (JSONL) holding the text.")]
LabelColOption = Annotated[str, typer.Option("--label-col", help="Column (CSV/TSV) or key (JSONL) holding the label.")]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="auto = UTF-8, else Windows-1252, else Latin-1, decided per file.")
]


def print_json(value: object) -> None:
    """Machine-readable output on stdout, UTF-8 kept readable (Cyrillic stays Cyrillic)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def split_pair(option: str, value: str, example: str) -> tuple[str, str]:
    """``"NAME=VALUE"`` -> ``("NAME", "VALUE")``, both stripped and non-empty, else an error showing ``example``."""
    name, sep, rest = value.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ConvtextError(f"{option} takes {example} — got {value!r}")
    return name.strip(), rest.strip()
