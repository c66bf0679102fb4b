"""``convtext data inspect``: what a file holds, as convtext reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..data import read_labeled
from ._common import EncodingOption, FormatOption, LabelColOption, TextColOption, console, print_json

app = typer.Typer(help="Look at labelled data files.", no_args_is_help=True)


@app.command("inspect")
def inspect(
    path: Annotated[Path, typer.Argument(help="A labelled data file.")],
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    label_col: LabelColOption = "label",
    encoding: EncodingOption = "auto",
    examples: Annotated[int, typer.Option(help="How many example rows to show.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Show the detected format and encoding, rows per label, skipped rows and a few examples."""
    data = read_labeled(path, format=format, text_col=text_col, label_col=label_col, encoding=encoding)
    summary = {
        "path": str(path),
        "format": data.format,
        "encoding": data.encoding,
        "rows": len(data),
        "multilabel": data.is_multilabel,
        "label_counts": data.label_counts(),
        "skipped": len(data.skipped),
        "skipped_rows": [{"line": row.line, "reason": row.reason} for row in data.skipped[:100]],
    }
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{path}[/]: {data.format}, {data.encoding}, {len(data):,} rows")
    table = Table("label", "rows", "share")
    for label, count in data.label_counts().items():
        table.add_row(label, f"{count:,}", f"{count / len(data):.1%}")
    console.print(table)
    if not data.skipped:  # skipped rows: the reader's warning on stderr has just named them (once is enough)
        console.print(data.skip_summary())
    for text, labels in list(zip(data.texts, data.label_sets))[:examples]:
        console.print(f"  [cyan]{escape(','.join(labels))}[/]  {escape(text[:120])}", highlight=False)
