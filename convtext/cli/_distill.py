"""``convtext distill``: a CNN sentence encoder trained to reproduce a transformer's sentence embeddings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..data import read_texts
from ..distill import TEACHERS, SentenceEncoder, split_sentences
from ._common import EncodingOption, FormatOption, TextColOption, console, print_json
from ._model import JsonOption


def distill(
    corpus: Annotated[
        list[Path], typer.Option("--corpus", help="Unlabelled text files (any format; repeat the option).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the encoder to.")],
    teacher: Annotated[str, typer.Option(help=f"The teacher: {', '.join(TEACHERS)} (all-MiniLM-L6-v2).")] = "minilm",
    sentences: Annotated[bool, typer.Option(help="Cut texts into sentences (the teacher's unit).")] = True,
    arch: Annotated[str, typer.Option("--arch", help="Student architecture (see `convtext models`).")] = "textcnn",
    filters: Annotated[int, typer.Option(help="Filters per kernel size (textcnn).")] = 300,
    epochs: Annotated[int, typer.Option(help="Most epochs (stops when the held-out cosine stops rising).")] = 10,
    seed: Annotated[int, typer.Option(help="Seed for initialisation, batches and the held-out share.")] = 0,
    threads: Annotated[int | None, typer.Option(help="CPU threads (default: all cores).")] = None,
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    encoding: EncodingOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """Distil a sentence encoder (teacher vectors are computed once and cached); reuse it with `train --from`."""
    texts, skipped = [], 0
    for path in corpus:
        rows, dropped = read_texts(path, format=format, text_col=text_col, encoding=encoding)
        texts += [s for text in rows for s in split_sentences(text)] if sentences else rows
        skipped += len(dropped)
    settings = {"num_filters": filters} if arch.startswith("textcnn") else {"num_filters": None, "kernel_sizes": None}
    encoder = SentenceEncoder(arch, teacher, epochs=epochs, seed=seed, threads=threads, **settings)
    encoder.fit(texts, data_seen=[str(path) for path in corpus])
    folder = encoder.save(output)
    valid, training = encoder.metrics_["valid"], encoder.training_
    summary = {"texts": len(texts), "skipped_rows": skipped, "valid_cosine": valid["cosine"], "valid_rows": valid["n"],
               "best_epoch": training["best_epoch"], "seconds": training["seconds"], "output": str(folder)}  # fmt: skip
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{len(texts):,} texts ({skipped} rows skipped): held-out cosine to the teacher {valid['cosine']:.4f} "
        f"(n={valid['n']:,}, epoch {training['best_epoch']}), {training['seconds']:.0f}s → {folder}"
    )
