"""``EnsembleClassifier``: trained ``TextClassifier``s of one label set as one model (the weighted mean of their
calibrated probabilities), saved as a folder of member folders; and the greedy choice of members and weights on
validation data (Caruana et al. 2004) that autotune uses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import ConvtextError
from ..artifact import (
    CONFIG,
    ENSEMBLE,
    ensemble_card,
    read_config,
    write_atomically,
    write_digests,
)
from ..data import LabelSet
from ..runtime import Ensemble, read_ensemble
from ._saving import write_files

__all__ = ["EnsembleClassifier", "greedy_weights"]

MEMBERS = "members"


class EnsembleClassifier(Ensemble):
    """``TextClassifier``s of the same labels predicting together: ``predict``, ``predict_proba``,
    ``predict_top_k``, ``evaluate``, ``save`` and ``load`` work as a single model's do; ``explain``, export and
    compression need one model — use ``members[i]`` (heaviest first)."""

    calibrate = True  # autotune fits the ensemble's temperature on validation, as training does a model's

    def save(self, folder: str | Path) -> Path:
        """Write the ensemble folder atomically: config.json, README.md and ``members/N/`` (ordinary model
        folders without figures)."""
        entries = [{"folder": f"{MEMBERS}/{i}", "weight": round(float(w), 6)} for i, w in enumerate(self.weights_)]
        meta = {"task": ENSEMBLE, "labels": self.classes_, "members": entries, "metrics": self.metrics_,
                "data_seen": self.data_seen_, "max_length": max(m.max_length for m in self.members),
                "temperature": float(self.temperature_)}  # fmt: skip
        if getattr(self, "autotune_", None):
            meta["autotune"] = self.autotune_
        config = {"architecture": ENSEMBLE, "convtext": meta}

        def write(staging: Path) -> None:
            for entry, member in zip(entries, self.members):
                _write_member(member, staging / entry["folder"])
            (staging / CONFIG).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
            (staging / "README.md").write_text(ensemble_card(config), encoding="utf-8")

        return write_atomically(folder, write)

    save_pretrained = save

    @classmethod
    def load(cls, folder: str | Path) -> EnsembleClassifier:
        """Load an ensemble folder; every member is checked as ``TextClassifier.load`` checks a model."""
        from ._classifier import TextClassifier  # here: TextClassifier.load hands ensemble folders to this class

        folder = Path(folder)
        config = read_config(folder)
        if config["convtext"].get("task") != ENSEMBLE:
            raise ConvtextError(f"{folder} holds one model, not an ensemble — load it with TextClassifier.load")
        return read_ensemble(cls, folder, config, TextClassifier.load)

    @property
    def label_set_(self) -> LabelSet:
        return LabelSet(self.classes_)

    def _check_fitted(self) -> None:
        """An ensemble is made of trained members: always fitted."""

    def to(self, device: str) -> EnsembleClassifier:
        """Every member on ``device``."""
        for member in self.members:
            member.to(device)
        return self

    def _one_model_only(self, what: str):
        raise ConvtextError(
            f"{what} needs one model, and this is an ensemble of {len(self.members)} — use one member "
            "(Python: model.members[0], the heaviest; a saved ensemble: FOLDER/members/0), or autotune with "
            "--ensemble 1 for a single model"
        )

    def explain(self, text: str, top: int | None = 5):
        self._one_model_only("explain (exact n-grams)")

    def features(self, texts, batch_size: int = 256):
        self._one_model_only("features (one body's sentence vectors)")

    def export_onnx(self, path, int8: bool = False):
        self._one_model_only("ONNX export")

    def use_onnx(self, path, threads: int | None = None):
        self._one_model_only("the ONNX backend")

    def compress(self, max_size, *data):
        self._one_model_only("compress")

    def summary(self):
        self._one_model_only("summary (one body's layer groups)")


def _write_member(member, folder: Path) -> None:
    """One member as an ordinary model folder (config, weights, tokenizer, card, digests; no figures)."""
    folder.mkdir(parents=True)
    write_files(member, folder, figures=False)
    write_digests(folder)


def greedy_weights(probabilities: Sequence[np.ndarray], gold: np.ndarray, rounds: int, most: int) -> np.ndarray:
    """Ensemble selection with repetition: ``rounds`` times, add the candidate (of ``probabilities``, each ``(N, C)``
    on the validation texts) whose addition most lowers the log-loss of the running mean for ``gold`` ``(N,)``
    class indices; stop early when none lowers it, and use at most ``most`` distinct candidates. Returns ``(K,)``
    counts of picks (the weights)."""
    counts = np.zeros(len(probabilities), dtype=np.int64)
    total, best = np.zeros_like(probabilities[0]), np.inf
    rows = np.arange(len(gold))
    for picked in range(rounds):
        allowed = [k for k in range(len(probabilities)) if counts[k] or np.count_nonzero(counts) < most]
        losses = {k: -np.log(np.clip((total + probabilities[k])[rows, gold] / (picked + 1), 1e-12, None)).mean()
                  for k in allowed}  # fmt: skip
        choice = min(losses, key=losses.get)
        if losses[choice] >= best - 1e-9:
            break
        counts[choice] += 1
        total, best = total + probabilities[choice], losses[choice]
    return counts
