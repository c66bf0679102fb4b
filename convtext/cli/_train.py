"""`convtext train`: one classifier (or one body with a head per task) from labelled files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._errors import ConvtextError
from ..classifier import TextClassifier
from ..data import load_splits, read_labeled
from ..train import is_main_process, remove_checkpoints
from ._common import (
    EncodingOption,
    FormatOption,
    JsonOption,
    LabelColOption,
    TextColOption,
    console,
    print_json,
    print_report,
)
from ._multitask import train_tasks
from ._settings import (
    DEFAULT,
    Arch,
    BatchSize,
    Dropout,
    Embeddings,
    Epochs,
    Filters,
    FromModel,
    Lr,
    MaxLength,
    Members,
    Patience,
    Seed,
    Threads,
    Tokenizer,
)


def _int_list(value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ConvtextError(f"--kernel-sizes takes integers separated by commas, e.g. 3,4,5 — got {value!r}") from None
    if not sizes or min(sizes) < 1:
        raise ConvtextError(f"--kernel-sizes needs positive integers, e.g. 3,4,5 — got {value!r}")
    return sizes


def _threshold(value: str) -> float | str:
    if value == "tune":
        return value
    try:
        return float(value)
    except ValueError:
        raise ConvtextError(f"--threshold takes a probability such as 0.5, or 'tune' — got {value!r}") from None


def _lr_range(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        low, high = (float(part) for part in value.split(","))
    except ValueError:
        raise ConvtextError(f"--lr-range takes two rates LO,HI, e.g. 1e-4,2e-3 — got {value!r}") from None
    return low, high


def _embed_dim(value: str | None) -> int | str | None:
    if value is None or value == "auto":
        return value
    if not value.isdigit() or int(value) < 1:
        raise ConvtextError(f"--embed-dim takes a positive integer or 'auto', got {value!r}")
    return int(value)


STREAM_AUTO_MB = 512  # training files larger than this are streamed unless --no-stream


def _big_enough_to_stream(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > STREAM_AUTO_MB * 1e6


def train(
    data: Annotated[
        Path | None,
        typer.Argument(help="Labelled training data (CSV, TSV, JSONL, fastText, LABEL TEXT); or use --task."),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the model to.")] = ...,
    task: Annotated[
        list[str] | None,
        typer.Option(help="Multi-task: NAME=FILE, repeated — one body, a head per task, trained together."),
    ] = None,
    task_valid: Annotated[
        list[str] | None, typer.Option(help="Multi-task: NAME=FILE validation data (default: 10% holdout).")
    ] = None,
    task_test: Annotated[list[str] | None, typer.Option(help="Multi-task: NAME=FILE test data, scored once.")] = None,
    task_weight: Annotated[list[str] | None, typer.Option(help="Multi-task: NAME=W loss weight (default 1).")] = None,
    sampling: Annotated[
        str,
        typer.Option(
            help="Multi-task: which task a step serves — temperature (∝ rows^(1/T)) or proportional (∝ rows)."
        ),
    ] = "temperature",
    temperature: Annotated[
        float, typer.Option(help="Multi-task, --sampling temperature: turns ∝ rows ** (1/T); larger = flatter.")
    ] = 2.0,
    private_filters: Annotated[
        bool | None,
        typer.Option(
            "--private-filters/--no-private-filters",
            help="Multi-task: each task also gets its own filters beside the shared ones (default: on for TextCNN).",
            show_default=False,
        ),
    ] = None,
    valid: Annotated[Path | None, typer.Option(help="Validation data; default: a seeded 10% holdout.")] = None,
    test: Annotated[Path | None, typer.Option(help="Test data, scored once after training.")] = None,
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    label_col: LabelColOption = "label",
    encoding: EncodingOption = "auto",
    tokenizer: Tokenizer = DEFAULT["tokenizer"],
    embeddings: Embeddings = DEFAULT["embeddings"],
    embedding_mode: Annotated[
        str | None,
        typer.Option(
            help="Kim's rand, static (default for minilm), non-static (default for a vectors file) or multichannel."
        ),
    ] = None,
    unknown_init: Annotated[
        str,
        typer.Option(help="Vectors file: words it lacks start from 'uniform' U[-0.25,0.25] or 'match' its mean/std."),
    ] = DEFAULT["unknown_init"],
    vocab_size: Annotated[int | None, typer.Option(help="BPE: target size (8000); word/char: cap.")] = None,
    min_freq: Annotated[int, typer.Option(help="Keep tokens seen at least this often.")] = DEFAULT["min_freq"],
    lowercase: Annotated[
        bool | None,
        typer.Option(
            "--lowercase/--keep-case",
            help="Lower-case the text before tokenizing. Default: keep case from random vectors (Kim suite: TREC "
            "+0.3, the rest even), lower-case for a vectors file; MiniLM's WordPiece always lower-cases.",
        ),
    ] = None,
    boundaries: Annotated[
        bool | None,
        typer.Option(
            "--boundaries/--no-boundaries",
            help="Wrap each text in learned start/end tokens <s> … </s>. Default: on from random vectors "
            "(Kim suite, paired: mean +0.3; MR +0.8, SST-1 -0.4), off for a vectors file; not with MiniLM's vectors.",
        ),
    ] = None,
    max_length: MaxLength = DEFAULT["max_length"],
    embed_dim: Annotated[str | None, typer.Option(help="Embedding size (128), or 'auto' (vocab_size ** 0.25).")] = None,
    arch: Arch = DEFAULT["architecture"],
    kernel_sizes: Annotated[
        str | None, typer.Option(help="n-gram sizes of the convolutions (textcnn default 1,2,3).")
    ] = None,
    filters: Filters = DEFAULT["num_filters"],
    dropout: Dropout = DEFAULT["dropout"],
    members: Members = DEFAULT["members"],
    epochs: Epochs = DEFAULT["epochs"],
    batch_size: BatchSize = DEFAULT["batch_size"],
    lr: Lr = DEFAULT["lr"],
    patience: Patience = DEFAULT["patience"],
    class_weights: Annotated[bool, typer.Option(help="Weight the loss by inverse class frequency.")] = DEFAULT[
        "class_weights"
    ],
    seed: Seed = DEFAULT["seed"],
    threads: Threads = DEFAULT["threads"],
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    multi_label: Annotated[
        bool, typer.Option("--multi-label", help="Several labels per text (fastText __label__s or --label-sep).")
    ] = False,
    threshold: Annotated[
        str, typer.Option(help="Multi-label: probability to predict a label, or 'tune' (per label, on validation).")
    ] = "0.5",
    label_sep: Annotated[
        str | None, typer.Option(help="Split the label column into several labels at this string, e.g. '|'.")
    ] = None,
    from_model: FromModel = None,
    mode: Annotated[
        str, typer.Option(help="With --from: feature-extraction (body frozen), fine-tune or full.")
    ] = DEFAULT["transfer"],
    body_lr_mult: Annotated[float, typer.Option(help="fine-tune: the body learns at this times --lr.")] = DEFAULT[
        "body_lr_mult"
    ],
    lr_range: Annotated[
        str | None,
        typer.Option(help="fine-tune: LO,HI — rates spread geometrically from the lowest group to the head."),
    ] = None,
    unfreeze_schedule: Annotated[
        str | None, typer.Option(help="fine-tune: 'gradual' trains the head first, one more group each epoch.")
    ] = None,
    vocabulary: Annotated[
        str, typer.Option(help="With --from: 'extend' by the new data's tokens, or 'keep' the model's.")
    ] = DEFAULT["vocabulary"],
    device: Annotated[str, typer.Option(help="auto (CUDA when there is a GPU), cpu or cuda.")] = DEFAULT["device"],
    resume: Annotated[
        bool, typer.Option("--resume", help="Go on from the last epoch checkpoint of an interrupted run.")
    ] = False,
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="Folder for the checkpoint written after every epoch (default: OUTPUT.checkpoints)."),
    ] = None,
    stream: Annotated[
        bool | None,
        typer.Option(
            "--stream/--no-stream",
            help="Read the training file in two streamed passes and keep its token ids on disk, for files "
            f"larger than memory (single-label, from scratch). Default: on for files over {STREAM_AUTO_MB:,} MB.",
        ),
    ] = None,
    work_dir: Annotated[
        Path | None, typer.Option(help="--stream: folder for the packed token ids (default: the system temp folder).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train a classifier and save it (model, tokenizer, config, card, training curve, confusion matrix).

    The training state is checkpointed after every epoch; a run killed or crashed goes on with --resume
    (same data and options). The checkpoints are deleted once the model is saved. Launched by torchrun
    (`torchrun --nproc-per-node N -m convtext train ...`), it trains data-parallel (DDP); rank 0 writes.
    With --task NAME=FILE (repeated) and no DATA it trains one body with a head per task (multi-task)."""
    options = dict(
        tokenizer=tokenizer, embeddings=embeddings, embedding_mode=embedding_mode, unknown_init=unknown_init,
        vocab_size=vocab_size, min_freq=min_freq, lowercase=lowercase, boundaries=boundaries,
        max_length=max_length,
        embed_dim=_embed_dim(embed_dim), kernel_sizes=_int_list(kernel_sizes) if kernel_sizes else None,
        num_filters=filters, architecture=arch, members=members,
        dropout=dropout, epochs=epochs, batch_size=batch_size, lr=lr, patience=patience,
        class_weights=class_weights, seed=seed, threads=threads, progress=progress and not as_json, device=device,
    )  # fmt: skip
    reader = {"format": format, "text_col": text_col, "label_col": label_col, "encoding": encoding}
    if task:
        single_only = {"DATA": data, "--valid": valid, "--test": test, "--multi-label": multi_label or None,
                       "--label-sep": label_sep, "--from": from_model, "--resume": resume or None,
                       "--checkpoints": checkpoints, "--stream": stream}  # fmt: skip
        given = [name for name, value in single_only.items() if value is not None]
        if given:
            raise ConvtextError(
                f"{', '.join(given)} cannot be combined with --task: give each task's data as --task NAME=FILE "
                "(--task-valid / --task-test NAME=FILE); multi-task training is single-label, from scratch, in memory"
            )
        sharing = {"sampling": sampling, "temperature": temperature, "private_filters": private_filters}
        train_tasks(task, task_valid, task_test, task_weight, sharing, reader, options, output, as_json)
        return
    if private_filters is not None:
        raise ConvtextError("--private-filters / --no-private-filters shape a multi-task model: use them with --task")
    if data is None:
        raise ConvtextError("give the training DATA file, or several tasks with --task NAME=FILE")
    checkpoints = checkpoints or output.with_name(output.name + ".checkpoints")
    if resume and not checkpoints.is_dir():
        print(f"no checkpoints in {checkpoints}: training from the start", file=sys.stderr)
    reader.update(label_sep=label_sep, multi_label=multi_label)
    if stream is None:
        stream = _big_enough_to_stream(data) and not multi_label and from_model is None
    test_data = read_labeled(test, **reader) if test is not None and stream else None
    splits = None if stream else load_splits(data, valid=valid, test=test, seed=seed, **reader)
    classifier = TextClassifier(
        **options, multi_label=multi_label, threshold=_threshold(threshold),
        pretrained=from_model, transfer=mode, body_lr_mult=body_lr_mult, lr_range=_lr_range(lr_range),
        unfreeze_schedule=unfreeze_schedule, vocabulary=vocabulary,
    )  # fmt: skip
    if stream:
        if label_sep:
            raise ConvtextError("--label-sep splits labels for multi-label data, which trains without --stream")
        valid_data = read_labeled(valid, **reader) if valid is not None else None
        classifier.fit_file(data, valid_data, format, text_col, label_col, work_dir, checkpoints, resume)
    else:
        classifier.fit_data(splits.train, splits.valid, checkpoints, resume)
        test_data = splits.test
    if not is_main_process():  # under torchrun every process trains; rank 0 alone scores and writes
        return
    if test_data is not None:
        gold = test_data.label_sets if multi_label else test_data.labels
        classifier.metrics_["test"] = classifier.evaluate(test_data.texts, gold)
    folder = classifier.save(output)
    remove_checkpoints(checkpoints)
    summary = {
        split: {k: report[k] for k in ("accuracy", "micro_f1", "macro_f1", "n") if k in report}
        for split, report in classifier.metrics_.items()
    }
    summary["seconds"] = classifier.training_["seconds"]
    summary["best_epoch"] = classifier.training_["best_epoch"]
    summary["embeddings"] = classifier.embeddings_
    summary["embedding_mode"] = classifier.embedding_mode_
    if classifier.transfer_:
        summary["transfer"] = classifier.transfer_
    if hasattr(classifier, "vectors_"):
        summary["vectors"] = classifier.vectors_.summary()
    summary["output"] = str(folder)
    if as_json:
        print_json(summary)
        return
    if "transfer" in summary:
        t = summary["transfer"]
        console.print(f"started from {escape(t['from'])} ({t['architecture']}), {t['mode']}")
    if "vectors" in summary:
        v = summary["vectors"]
        console.print(
            f"word vectors {escape(v['source'])}: found {v['found']:,} of {v['total']:,} words, "
            f"{100 * v['coverage']:.1f}% ({v['lowercased']:,} lower-cased)"
        )
    for split, report in classifier.metrics_.items():
        print_report(split, report)
    console.print(
        f"trained in {summary['seconds']:.1f}s (kept epoch {summary['best_epoch']}, "
        f"embeddings {classifier.embeddings_} ({classifier.embedding_mode_}), tokenizer {classifier.tokenizer_.kind})"
        f" → {folder}"
    )
