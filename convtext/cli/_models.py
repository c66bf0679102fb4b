"""`convtext models`: the registered architectures and their settings."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ._common import (
    JsonOption,
    console,
    print_json,
)


def models(
    pattern: Annotated[str, typer.Argument(help="Shell-style filter, e.g. 'inception*'.")] = "*",
    vocab_size: Annotated[int, typer.Option(help="Vocabulary size the parameter counts assume.")] = 10_000,
    classes: Annotated[int, typer.Option(help="Classes the parameter counts assume.")] = 2,
    as_json: JsonOption = False,
) -> None:
    """List the registered architectures with their parameter counts and tokenizer."""
    import torch  # here, not at the top: --help needs no PyTorch

    from ..models import create_model, default_tokenizer, list_models, model_entrypoint

    rows = []
    pretrained = list_models(pattern, pretrained_only=True)  # bodies with fixed vocabularies (--from minilm)
    for name in list_models(pattern) + pretrained:
        vocabulary = inspect.signature(model_entrypoint(name)).parameters["vocab_size"].default
        vocabulary = vocabulary if name in pretrained else vocab_size
        with torch.device("meta"):  # shapes only: counting needs no memory
            model = create_model(name, vocab_size=vocabulary, num_classes=classes)
        total = sum(p.numel() for p in model.parameters())
        embedding = sum(p.numel() for table in model.embedding_tables() for p in table.parameters())
        doc = (model_entrypoint(name).__doc__ or "").strip().splitlines()[0]
        rows.append({"name": name, "parameters": total, "without_embedding": total - embedding,
                     "tokenizer": default_tokenizer(name), "description": doc,
                     "pretrained_only": name in pretrained})  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table("name", "parameters", "without embedding", "tokenizer", "description",
                  title=f"architectures (vocabulary {vocab_size:,}, {classes} classes)")  # fmt: skip
    for row in rows:
        name = row["name"] + (" (pretrained only: --from)" if row["pretrained_only"] else "")
        table.add_row(name, f"{row['parameters']:,}", f"{row['without_embedding']:,}", row["tokenizer"],
                      escape(row["description"]))  # fmt: skip
    console.print(table)
