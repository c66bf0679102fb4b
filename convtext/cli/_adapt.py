"""``convtext adapt``: unsupervised domain adaptation (DANN) from labelled source data to unlabelled target text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._errors import DataError
from ..adapt import DannConfig
from ..classifier import TextClassifier
from ..data import count_labelled, read_labeled, read_texts
from ..train import is_main_process, remove_checkpoints
from . import _common as common
from ._settings import model_options


def _target_texts(path: Path, drop_labels: bool, **reader) -> list[str]:
    """The target file's texts; a file whose rows carry labels is refused unless ``drop_labels``."""
    labelled = count_labelled(path, **reader)
    if labelled and not drop_labels:
        raise DataError(
            f"{path}: {labelled:,} rows carry labels — domain adaptation learns from unlabelled target text only. "
            "Give one text per line, or pass --ignore-target-labels to drop the labels knowingly"
        )
    if path.is_dir():
        return read_labeled(path).texts
    reader.pop("label_col")
    return read_texts(path, **reader)[0]


@model_options(
    "architecture", "embeddings", "members", "max_length", "epochs", "batch_size", "lr", "patience", "pretrained",
    "seed", "threads",
)  # fmt: skip
@common.reader_options
def adapt(
    source: Annotated[
        Path, typer.Option(help="Labelled source-domain data (any format, or a folder of .review files).")
    ],
    target: Annotated[Path, typer.Option(help="Unlabelled target-domain texts (one per line, or a text column).")],
    output: common.ModelOutput,
    target_valid: Annotated[
        Path | None,
        typer.Option(help="A small labelled target set to pick the epoch on (default: a 10% source holdout)."),
    ] = None,
    test: Annotated[Path | None, typer.Option(help="Labelled target test data, scored once after training.")] = None,
    ignore_target_labels: Annotated[
        bool, typer.Option("--ignore-target-labels", help="The target file has labels: drop them and use its texts.")
    ] = False,
    reader: dict | None = None,
    settings: dict | None = None,
    domain_hidden: Annotated[int, typer.Option(help="Hidden units of the domain classifier.")] = 100,
    lambda_gamma: Annotated[float, typer.Option(help="λ schedule 2/(1+exp(-γp))-1: its γ.")] = 10.0,
    lambda_scale: Annotated[float, typer.Option(help="λ's final value (the schedule is scaled by it).")] = 0.03,
    self_training: Annotated[
        float,
        typer.Option(
            help="Share of the target texts the adapted model pseudo-labels (class-balanced, surest first) "
            "for a second round; 0 = DANN alone."
        ),
    ] = 0.5,
    progress: common.ProgressOption = True,
    resume: common.ResumeOption = False,
    checkpoints: common.CheckpointsOption = None,
    as_json: common.JsonOption = False,
) -> None:
    """Train on labelled SOURCE data so that the model also works on the TARGET domain, whose texts come
    without labels (DANN: a domain classifier behind a gradient-reversal layer), then self-train: the adapted
    model labels the target texts it is surest of and a second DANN round learns from them too. Each epoch
    logs how well the domain classifier still tells the domains apart (0.5 = not at all).

    Each round is checkpointed after every epoch; a run killed or crashed goes on with --resume (same data and
    options). Launched by torchrun (`torchrun --nproc-per-node N -m convtext adapt ...`), it trains
    data-parallel (DDP); rank 0 writes."""
    source_data = read_labeled(source, **reader)
    target_texts = _target_texts(target, ignore_target_labels, **reader)
    valid = read_labeled(target_valid, **reader) if target_valid is not None else None
    checkpoints = common.checkpoint_folder(checkpoints, output, resume)
    classifier = TextClassifier(**settings, progress=progress and not as_json).adapt(
        source_data.texts, source_data.labels, target_texts,
        valid.texts if valid else None, valid.labels if valid else None,
        dann=DannConfig(domain_hidden=domain_hidden, gamma=lambda_gamma, scale=lambda_scale, self_training=self_training),
        checkpoints=checkpoints, resume=resume,
    )  # fmt: skip
    if not is_main_process():  # under torchrun every process trains; rank 0 alone scores and writes
        return
    if test is not None:
        test_data = read_labeled(test, **reader)
        classifier.metrics_["test"] = classifier.evaluate(test_data.texts, test_data.labels)
    folder = classifier.save(output)
    remove_checkpoints(checkpoints)
    adaptation = classifier.training_["adaptation"]
    summary = {
        split: {k: report[k] for k in ("accuracy", "macro_f1", "n")} for split, report in classifier.metrics_.items()
    }
    summary.update(adaptation=adaptation, best_epoch=classifier.training_["best_epoch"], output=str(folder))
    if as_json:
        common.print_json(summary)
        return
    for split, report in summary.items():
        if isinstance(report, dict) and "accuracy" in report:
            common.console.print(
                f"[bold]{split}[/]: accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}"
            )
    domain = ", ".join(f"{value:.2f}" for value in adaptation["domain_accuracy"])
    second_round = adaptation.get("self_training_round")
    if second_round:
        pseudo = second_round.get("pseudo_labelled")
        common.console.print(f"self-training: pseudo-labelled target texts {pseudo}" if pseudo else
                      f"self-training skipped: {second_round['skipped']}")  # fmt: skip
    common.console.print(
        f"adapted to {adaptation['target_rows']:,} target texts; domain accuracy by epoch: {domain}; "
        f"kept epoch {summary['best_epoch']} (selected on {adaptation['selected_on']}) → {folder}"
    )
