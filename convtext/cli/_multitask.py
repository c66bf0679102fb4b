"""``convtext train --task NAME=FILE ...``: one model, a head per task, trained together."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from .._errors import ConvtextError
from ..data import load_splits
from ..multitask import MultiTaskClassifier, check_task_name
from ..train import is_main_process, remove_checkpoints
from ._common import console, print_json, split_pair

__all__ = ["named_values", "train_tasks"]


def named_values(option: str, values: list[str] | None) -> dict[str, str]:
    """``["a=x", "b=y"]`` -> ``{"a": "x", "b": "y"}``; a value without ``=`` or a name given twice is an error."""
    named: dict[str, str] = {}
    for value in values or []:
        name, rest = split_pair(option, value, f"NAME=VALUE, e.g. {option} sentiment=sst2.tsv")
        if check_task_name(name) in named:
            raise ConvtextError(f"{option} names task {name!r} twice")
        named[name] = rest
    return named


def _weights(values: dict[str, str]) -> dict[str, float]:
    try:
        return {name: float(value) for name, value in values.items()}
    except ValueError:
        raise ConvtextError(f"--task-weight takes NAME=NUMBER, e.g. question=0.5 — got {values}") from None


def train_tasks(
    tasks: list[str], task_valid: list[str] | None, task_test: list[str] | None, task_weight: list[str] | None,
    sharing: dict, reader: dict, classifier_options: dict, output: Path, as_json: bool, saving: dict,
) -> None:  # fmt: skip
    """Read every task's files, train one ``MultiTaskClassifier`` (``sharing``: its sampling, temperature and
    private_filters; ``saving``: its checkpoints folder and resume), score each task's test file, save (rank 0
    alone under torchrun), report."""
    files = named_values("--task", tasks)
    others = {
        "--task-valid": named_values("--task-valid", task_valid),
        "--task-test": named_values("--task-test", task_test),
    }
    weights = named_values("--task-weight", task_weight)
    for option, named in [*others.items(), ("--task-weight", weights)]:
        unknown = sorted(set(named) - set(files))
        if unknown:
            raise ConvtextError(f"{option} names {unknown}, which no --task defines (tasks: {', '.join(files)})")
    seed = classifier_options.get("seed", 0)
    splits = {
        name: load_splits(path, valid=others["--task-valid"].get(name), test=others["--task-test"].get(name), seed=seed, **reader)
        for name, path in files.items()
    }  # fmt: skip
    model = MultiTaskClassifier(task_weights=_weights(weights), **sharing, **classifier_options)
    model.fit_data(
        {name: s.train for name, s in splits.items()}, {name: s.valid for name, s in splits.items()}, **saving
    )
    if not is_main_process():  # under torchrun every process trains; rank 0 alone scores and writes
        return
    for name, split in splits.items():
        if split.test is not None:
            model.task(name).metrics_["test"] = model.task(name).evaluate(split.test.texts, split.test.labels)
    folder = model.save(output)
    remove_checkpoints(saving["checkpoints"])
    summary = {
        "tasks": {
            name: {split: {k: r[k] for k in ("accuracy", "macro_f1", "n")} for split, r in clf.metrics_.items()}
            | {"train_rows": clf.training_["train_rows"], "labels": clf.classes_}
            for name, clf in model.tasks_.items()
        },
        "seconds": model.history_.seconds, "best_epoch": model.history_.best_epoch,
        "sampling": model.history_.config["multitask"]["probabilities"], "private_filters": model.private_,
        "output": str(folder),
    }  # fmt: skip
    if as_json:
        print_json(summary)
        return
    table = Table("task", "train rows", "steps share", "valid accuracy", "test accuracy", title="tasks (one body)")
    for name, task in summary["tasks"].items():
        test = f"{task['test']['accuracy']:.4f}" if "test" in task else "–"
        table.add_row(escape(name), f"{task['train_rows']:,}", f"{summary['sampling'][name]:.2f}",
                      f"{task['valid']['accuracy']:.4f}", test)  # fmt: skip
    console.print(table)
    console.print(f"trained in {summary['seconds']:.1f}s (kept epoch {summary['best_epoch']}: best mean validation "
                  f"accuracy) → {escape(str(folder))}")  # fmt: skip
