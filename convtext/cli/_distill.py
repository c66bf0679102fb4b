"""``convtext distill``: a CNN student trained to reproduce a teacher — a classifier on a task, or a sentence encoder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._errors import ConvtextError
from ..classifier import TextClassifier
from ..data import read_labeled, read_texts
from ..distill import TEACHERS, Augmentation, DistillConfig, SentenceEncoder, split_sentences
from ._common import (
    EncodingOption,
    FormatOption,
    JsonOption,
    LabelColOption,
    ModelOutput,
    TextColOption,
    console,
    print_json,
)
from ._settings import DEFAULT, Arch, Embeddings, Threads


def distill(
    output: ModelOutput,
    teacher: Annotated[
        str,
        typer.Option(
            help="With --data: a trained classifier's folder (e.g. a fine-tuned MiniLM). "
            f"With --corpus: {', '.join(TEACHERS)} (all-MiniLM-L6-v2's sentence embeddings)."
        ),
    ] = "minilm",  # fmt: skip
    data: Annotated[Path | None, typer.Option(help="Labelled training data: distil the teacher on this task.")] = None,
    valid: Annotated[
        Path | None, typer.Option(help="Labelled data to pick the epoch on (default: 10% of --data).")
    ] = None,
    test: Annotated[
        Path | None, typer.Option(help="Labelled test data, scored once after training (no extra text may equal one).")
    ] = None,
    unlabelled: Annotated[
        list[Path] | None, typer.Option(help="Unlabelled text files the teacher labels too (repeat the option).")
    ] = None,
    augment: Annotated[bool, typer.Option(help="Add masked / swapped / n-gram variants of the training texts.")] = True,
    copies: Annotated[int, typer.Option(help="Augmented variants per training text.")] = 20,
    soft_loss: Annotated[str, typer.Option(help="mse (between logits) or kl (tempered distributions).")] = "mse",
    alpha: Annotated[float, typer.Option(help="Weight of the true labels' cross-entropy (0: teacher only).")] = 0.0,
    temperature: Annotated[float, typer.Option(help="Softening temperature of --soft-loss kl.")] = 2.0,
    corpus: Annotated[
        list[Path] | None,
        typer.Option("--corpus", help="Unlabelled text files: distil a sentence encoder (repeat the option)."),
    ] = None,
    sentences: Annotated[bool, typer.Option(help="--corpus: cut texts into sentences (the teacher's unit).")] = True,
    arch: Arch = DEFAULT["architecture"],
    embeddings: Embeddings = DEFAULT["embeddings"],
    filters: Annotated[int | None, typer.Option(help="Filters per kernel size (textcnn; --corpus: 300).")] = None,
    epochs: Annotated[
        int | None, typer.Option(help="Most epochs, early stopping may end sooner (--data: 8, --corpus: 10).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for initialisation, batches, augmentation and holdout.")] = 0,
    threads: Threads = DEFAULT["threads"],
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    label_col: LabelColOption = "label",
    encoding: EncodingOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """Train a fast CNN student from a teacher. --data: on a task, from a trained classifier's logits over the
    labelled texts, their augmented variants and --unlabelled text (the teacher's outputs are cached).
    --corpus: a sentence encoder from MiniLM's embeddings, reused with `train --from`."""
    if (data is None) == (corpus is None):
        raise ConvtextError(
            "give --data LABELLED (distil a classifier teacher on a task) or --corpus TEXTS (distil a sentence "
            "encoder), not both or neither"
        )
    reader = {"format": format, "text_col": text_col, "encoding": encoding}
    if corpus is not None:
        _distill_encoder(
            corpus, output, teacher, sentences, arch, filters, epochs or 10, seed, threads, reader, as_json
        )
        return
    if teacher in TEACHERS:
        raise ConvtextError(
            f"--teacher {teacher!r} is not a model folder — with --data the teacher is a trained classifier: "
            "train one first (e.g. `convtext train DATA --from minilm --mode fine-tune -o TEACHER`)"
        )
    labelled = {**reader, "label_col": label_col}
    train, extra, skipped = read_labeled(data, **labelled), [], 0
    for path in unlabelled or []:
        rows, dropped = read_texts(path, **reader)
        extra.extend(rows)
        skipped += len(dropped)
    valid_data = read_labeled(valid, **labelled) if valid is not None else None
    test_data = read_labeled(test, **labelled) if test is not None else None
    student = TextClassifier(
        arch, embeddings=embeddings, num_filters=filters, epochs=epochs or 8, seed=seed, threads=threads
    )
    student.distill(
        teacher, train.texts, train.labels, valid_data.texts if valid_data else None,
        valid_data.labels if valid_data else None, extra, Augmentation(copies=copies, seed=seed) if augment else None,
        DistillConfig(soft_loss, alpha, temperature), ", ".join(str(path) for path in unlabelled or []),
        exclude=test_data.texts if test_data else (),
    )  # fmt: skip
    if test_data is not None:
        student.metrics_["test"] = student.evaluate(test_data.texts, test_data.labels)
    folder = student.save(output)
    summary = {split: {k: r[k] for k in ("accuracy", "macro_f1", "n")} for split, r in student.metrics_.items()}
    summary.update(student.training_["distillation"], skipped_unlabelled_lines=skipped)
    summary.update(best_epoch=student.training_["best_epoch"], output=str(folder))
    if as_json:
        print_json(summary)
        return
    for split, report in student.metrics_.items():
        console.print(f"[bold]{split}[/]: accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}")
    console.print(
        f"distilled from {teacher} (its validation accuracy {summary['teacher_valid_accuracy']:.4f}) on "
        f"{summary['labelled_rows']:,} labelled + {summary['extra_rows']:,} teacher-labelled texts "
        f"({skipped} empty unlabelled lines skipped) → {folder}"
    )


def _distill_encoder(corpus, output, teacher, sentences, arch, filters, epochs, seed, threads, reader, as_json):
    """``--corpus``: a sentence encoder distilled from MiniLM's embeddings."""
    texts, skipped = [], 0
    for path in corpus:
        rows, dropped = read_texts(path, **reader)
        texts += [s for text in rows for s in split_sentences(text)] if sentences else rows
        skipped += len(dropped)
    textcnn = arch.startswith("textcnn")
    settings = {"num_filters": filters or 300} if textcnn else {"num_filters": None, "kernel_sizes": None}
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
