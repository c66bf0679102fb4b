"""A saved model is one folder: ``config.json``, ``model.safetensors``, ``tokenizer.json``, ``README.md``,
``digests.json``. Reading its config and tokenizer needs no PyTorch (the torch-free runtime reads them too)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .._errors import ArtifactError
from ..tokenize import TextTokenizer, load_tokenizer
from ._digest import check_digest

__all__ = [
    "CONFIG", "ENSEMBLE", "FORMAT", "MULTITASK", "TOKENIZER", "WEIGHTS", "checked_weights_file", "model_settings",
    "read_config", "read_temperature", "read_thresholds", "read_tokenizer", "require_file",
]  # fmt: skip

CONFIG, WEIGHTS, TOKENIZER = "config.json", "model.safetensors", "tokenizer.json"
FORMAT = "convtext/1"
MULTITASK = "multi-task"  # convtext.task of a folder holding one body and a head per task
ENSEMBLE = "ensemble"  # convtext.task of a folder holding whole model folders (members/0, ...) whose votes it averages


def require_file(folder: Path, name: str) -> Path:
    """``folder / name``, which must be a file: else the folder is no complete model."""
    path = folder / name
    if not path.is_file():
        raise ArtifactError(
            f"{folder}: {name} is missing — this is not a complete convtext model; train or copy it again"
        )
    return path


def read_config(folder: str | Path) -> dict:
    """The parsed ``config.json`` with its required keys checked."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArtifactError(f"{folder}: no such model folder — give the folder written by `convtext train -o`")
    path = require_file(folder, CONFIG)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{path}: not valid JSON ({error}) — the file is corrupted; save the model again") from None
    meta = config.get("convtext") if isinstance(config, dict) else None
    if not isinstance(meta, dict) or not isinstance(config.get("architecture"), str):
        raise ArtifactError(f"{path}: not a convtext config (no 'architecture' / 'convtext' entries)")
    if meta.get("task", "classification") == "sentence-embedding":
        if not isinstance(meta.get("output_dim"), int) or meta["output_dim"] < 1:
            raise ArtifactError(f"{path}: a sentence encoder needs a positive 'convtext.output_dim'")
    elif meta.get("task") == MULTITASK:
        tasks = meta.get("tasks")
        if (
            not isinstance(tasks, dict)
            or not tasks
            or not all(
                isinstance(name, str) and "." not in name and isinstance(task, dict) and _label_list(task.get("labels"))
                for name, task in tasks.items()
            )
        ):
            raise ArtifactError(f"{path}: 'convtext.tasks' must map each task name to its labels (two or more strings)")
    elif not _label_list(meta.get("labels")):
        raise ArtifactError(f"{path}: 'convtext.labels' must be a list of at least two label strings")
    if meta.get("task") == ENSEMBLE and not _member_list(meta.get("members")):
        raise ArtifactError(
            f"{path}: 'convtext.members' must list two or more {{'folder': 'members/N', 'weight': w > 0}}"
        )
    if not isinstance(meta.get("max_length"), int) or meta["max_length"] < 1:
        raise ArtifactError(f"{path}: 'convtext.max_length' must be a positive integer")
    return config


def _member_list(members: object) -> bool:
    """Whether ``members`` lists two or more member folders inside the ensemble's own, each with a positive weight."""
    return (
        isinstance(members, list) and len(members) >= 2
        and all(
            isinstance(m, dict) and isinstance(m.get("folder"), str) and m["folder"].startswith("members/")
            and ".." not in m["folder"] and isinstance(m.get("weight"), int | float) and m["weight"] > 0
            for m in members
        )
    )  # fmt: skip


def _label_list(labels: object) -> bool:
    """Whether ``labels`` is a list of at least two label strings."""
    return isinstance(labels, list) and len(labels) >= 2 and all(isinstance(label, str) for label in labels)


def read_tokenizer(folder: Path) -> TextTokenizer:
    """The folder's ``tokenizer.json``."""
    return load_tokenizer(require_file(folder, TOKENIZER))


def model_settings(config: dict) -> dict:
    """The model's own hyperparameters: every top-level key except the two bookkeeping ones."""
    return {key: value for key, value in config.items() if key not in ("architecture", "convtext")}


def read_thresholds(config: dict, folder: Path) -> np.ndarray:
    """``(C,)`` decision thresholds: a multi-label model's own (one in (0, 1) per label), else 0.5 each."""
    meta = config["convtext"]
    if meta.get("multi_label") is not True:
        return np.full(len(meta["labels"]), 0.5)
    thresholds = meta.get("thresholds")
    if (
        not isinstance(thresholds, list)
        or len(thresholds) != len(meta["labels"])
        or not all(isinstance(t, int | float) and 0 < t < 1 for t in thresholds)
    ):
        raise ArtifactError(f"{folder}: config.json needs one threshold in (0, 1) per label for multi-label")
    return np.asarray(thresholds, dtype=np.float64)


def read_temperature(config: dict, folder: Path) -> float:
    """The temperature the model's probabilities are calibrated at (1, the plain softmax, for a folder saved
    before convtext calibrated them)."""
    temperature = config["convtext"].get("temperature", 1.0)
    if isinstance(temperature, bool) or not isinstance(temperature, int | float) or not 0 < temperature < math.inf:
        raise ArtifactError(f"{folder}: config.json's temperature must be a positive number, got {temperature!r}")
    return float(temperature)


def checked_weights_file(folder: Path, name: str = WEIGHTS) -> Path:
    """``folder / name``, which must exist and still have the digest recorded when the folder was saved."""
    path = require_file(folder, name)
    check_digest(path)
    return path
