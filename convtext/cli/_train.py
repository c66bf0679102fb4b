"""`convtext train`: one classifier (or one body with a head per task) from labelled files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._errors import ConvtextError
from ..classifier import TextClassifier
from ..data import load_splits, read_labeled
from ..train import is_main_process, remove_checkpoints
from ._common import (
    CheckpointsOption,
    JsonOption,
    ModelOutput,
    ProgressOption,
    ResumeOption,
    checkpoint_folder,
    console,
    given_flags,
    print_json,
    print_report,
    reader_options,
)
from ._multitask import train_tasks
from ._settings import OPTIONS, model_options

STREAM_AUTO_MB = 512  # training files larger than this are streamed unless --no-stream


def _big_enough_to_stream(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > STREAM_AUTO_MB * 1e6


TRANSFER_ONLY = ("transfer", "body_lr_mult", "lr_range", "unfreeze_schedule", "vocabulary")  # need --from
SINGLE_TASK = ("multi_label", "threshold", "calibrate", "pretrained", "transfer", "body_lr_mult", "lr_range",
               "unfreeze_schedule", "vocabulary")  # fmt: skip


@model_options(*OPTIONS)
@reader_options
def train(
    context: typer.Context,
    data: Annotated[
        Path | None,
        typer.Argument(help="Labelled training data (CSV, TSV, JSONL, fastText, LABEL TEXT); or use --task."),
    ] = None,
    output: ModelOutput = ...,
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
    reader: dict | None = None,
    settings: dict | None = None,
    progress: ProgressOption = True,
    label_sep: Annotated[
        str | None, typer.Option(help="Split the label column into several labels at this string, e.g. '|'.")
    ] = None,
    resume: ResumeOption = False,
    checkpoints: CheckpointsOption = None,
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
    single = {name: settings.pop(name) for name in SINGLE_TASK}  # the rest is what multi-task training takes too
    if single["pretrained"] is None and (stray := given_flags(context, *TRANSFER_ONLY)):
        raise ConvtextError(f"{', '.join(stray)} shape transfer from a trained model — add --from MODEL, or drop them")
    options = {**settings, "progress": progress and not as_json}
    multi_label, from_model = single["multi_label"], single["pretrained"]
    if task:
        single_only = {"DATA": data, "--valid": valid, "--test": test, "--multi-label": multi_label or None,
                       "--label-sep": label_sep, "--from": from_model, "--stream": stream}  # fmt: skip
        given = [name for name, value in single_only.items() if value is not None]
        if given:
            raise ConvtextError(
                f"{', '.join(given)} cannot be combined with --task: give each task's data as --task NAME=FILE "
                "(--task-valid / --task-test NAME=FILE); multi-task training is single-label, from scratch, in memory"
            )
        sharing = {"sampling": sampling, "temperature": temperature, "private_filters": private_filters}
        saving = {"checkpoints": checkpoint_folder(checkpoints, output, resume), "resume": resume}
        train_tasks(task, task_valid, task_test, task_weight, sharing, reader, options, output, as_json, saving)
        return
    if private_filters is not None:
        raise ConvtextError("--private-filters / --no-private-filters shape a multi-task model: use them with --task")
    if data is None:
        raise ConvtextError("give the training DATA file, or several tasks with --task NAME=FILE")
    checkpoints = checkpoint_folder(checkpoints, output, resume)
    reader.update(label_sep=label_sep, multi_label=multi_label)
    if stream is None:
        stream = _big_enough_to_stream(data) and not multi_label and from_model is None
    test_data = read_labeled(test, **reader) if test is not None and stream else None
    splits = None if stream else load_splits(data, valid=valid, test=test, seed=options["seed"], **reader)
    classifier = TextClassifier(**options, **single)
    if stream:
        if label_sep:
            raise ConvtextError("--label-sep splits labels for multi-label data, which trains without --stream")
        valid_data = read_labeled(valid, **reader) if valid is not None else None
        columns = (reader["format"], reader["text_col"], reader["label_col"])
        classifier.fit_file(data, valid_data, *columns, work_dir, checkpoints, resume)
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
    summary["temperature"] = classifier.temperature_
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
    config = classifier.training_["config"]
    kept = f"kept epoch {summary['best_epoch']}"
    if "members" in config:  # an ensemble: each member stopped on its own
        epochs = "/".join(str(member["best_epoch"]) for member in config["members"])
        kept = f"{len(config['members'])} members, {config['members_side_by_side']} side by side, kept epochs {epochs}"
    if "selected_on" in config:  # fine-tuning: epoch 0 is the linear probe it started from
        kept += f" by {config['selected_on']}" + (": the linear probe" if summary["best_epoch"] == 0 else "")
    if "head_search" in config:  # feature extraction: a linear probe, no epochs
        kept = f"logistic-regression head, C = {config['head_c']:g} chosen on validation"
    else:  # the schedule follows the input vectors and the data's size unless given: say which one ran
        console.print(
            f"schedule: at most {config['epochs']} epochs, batches of {config['batch_size']}, lr {config['lr']:g} "
            f"decaying to 0, patience {config['patience']} (see --epochs, --batch-size, --lr, --patience)"
        )
    console.print(
        f"trained in {summary['seconds']:.1f}s ({kept}, "
        f"embeddings {classifier.embeddings_} ({classifier.embedding_mode_}), tokenizer {classifier.tokenizer_.kind})"
        f" → {folder}"
    )
