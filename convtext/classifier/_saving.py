"""A ``TextClassifier`` to and from its model folder (the format itself is ``convtext.artifact``'s)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from huggingface_hub import HfApi

from ..artifact import config_for, model_card, read_temperature, read_thresholds, write_atomically, write_model
from ..data import LabelSet
from ..models import TextModel
from ..runtime import runs_in_numpy
from ..tokenize import TextTokenizer
from ..train import plot_confusion_matrix, plot_head_search, plot_reliability, plot_training_curve

__all__ = ["folder_config", "from_parts", "push_to_hub", "save", "write_files"]


def folder_config(clf) -> dict:
    """The config.json of a trained classifier."""
    meta = {"labels": clf.classes_, "max_length": clf.max_length, "metrics": getattr(clf, "metrics_", {})}
    meta["embeddings"] = str(getattr(clf, "embeddings_", clf.embeddings))
    if hasattr(clf, "vectors_"):
        meta["vectors"] = clf.vectors_.summary()
    meta["training"] = getattr(clf, "training_", {})
    if getattr(clf, "transfer_", None):
        meta["transfer"] = clf.transfer_
    meta["data_seen"] = getattr(clf, "data_seen_", [])
    if getattr(clf, "recipe_", None):
        meta["recipe"] = clf.recipe_
    if getattr(clf, "autotune_", None):
        meta["autotune"] = clf.autotune_
    if clf.multi_label:
        meta["multi_label"], meta["thresholds"] = True, [float(t) for t in clf.thresholds_]
    meta["temperature"] = float(clf.temperature_)
    if getattr(clf, "compression_", None):
        meta["compression"] = clf.compression_
    return config_for(clf.model_, clf.tokenizer_, meta)


def _write_figures(clf, folder: Path) -> None:
    history = getattr(clf, "history_", None)
    if history is not None and history.history:
        members = history.config.get("members", [])
        plot_training_curve(
            history.history, history.best_epoch, folder / "training_curve.png", members,
            history.config.get("selected_on", "validation score"),
        )  # fmt: skip
    elif history is not None and history.config.get("head_search"):  # feature extraction: no epochs, a C sweep
        plot_head_search(history.config["head_search"], history.config["head_c"], folder / "head_search.png")
    calibration = clf.metrics_.get("valid", {}).get("calibration")
    if calibration and calibration.get("n"):
        title = f"validation ({calibration['n']:,} texts)"
        plot_reliability(calibration, title, folder / "calibration.png")
    split = "test" if "test" in clf.metrics_ else "valid"
    report = clf.metrics_.get(split)
    if report and "confusion" in report:  # multi-label reports have no single confusion matrix
        names = report.get("labels", clf.classes_)
        plot_confusion_matrix(
            report["confusion"], names, f"{split} ({report['n']:,} texts)", folder / "confusion_matrix.png"
        )


def write_files(clf, folder: Path, figures: bool = True) -> None:
    """The model folder's files into ``folder``: config.json, model.safetensors, tokenizer.json, README.md and, with
    ``figures`` (never for a compressed model, which keeps to its size), the PNGs."""
    config = folder_config(clf)
    (folder / "README.md").write_text(model_card(config, runs_in_numpy(config)), encoding="utf-8")
    write_model(folder, clf.model_, clf.tokenizer_, config)
    if figures and not config["convtext"].get("compression"):
        _write_figures(clf, folder)


def save(clf, folder: str | Path) -> Path:
    """Write the model folder atomically: config.json, model.safetensors, tokenizer.json, README.md, PNGs."""
    return write_atomically(folder, lambda staging: write_files(clf, staging))


def from_parts(cls, model: TextModel, tokenizer: TextTokenizer, config: dict, folder: str | Path):
    """A trained ``cls`` (``TextClassifier``) from a loaded model, its tokenizer and its ``config.json``."""
    meta = config["convtext"]
    names = ("embed_dim", "kernel_sizes", "num_filters", "dropout", "embedding_mode", "members")
    hyperparameters = {k: config[k] for k in names if k in config}
    embeddings = meta.get("embeddings", "random")
    clf = cls(config["architecture"], tokenizer.kind, embeddings, max_length=meta["max_length"], **hyperparameters)
    clf.embeddings_, clf.embedding_mode_ = embeddings, model.embedding_mode
    clf.model_, clf.tokenizer_ = model, tokenizer
    clf.label_set_ = LabelSet(meta["labels"])
    clf.metrics_, clf.training_ = meta.get("metrics", {}), meta.get("training", {})
    clf.transfer_, clf.data_seen_ = meta.get("transfer"), list(meta.get("data_seen", []))
    clf.recipe_ = meta.get("recipe")
    if meta.get("autotune"):
        clf.autotune_ = meta["autotune"]
    if meta.get("compression"):
        clf.compression_ = meta["compression"]
    clf.multi_label = meta.get("multi_label") is True
    clf.thresholds_, clf.temperature_ = read_thresholds(config, folder), read_temperature(config, folder)
    return clf


def push_to_hub(clf, repo_id: str, token: str | None = None, private: bool = False) -> str:
    """Upload the saved model folder to the Hugging Face Hub (needs the network and a token); returns its URL."""
    with tempfile.TemporaryDirectory() as folder:
        saved = clf.save(Path(folder) / "model")
        api = HfApi(token=token)
        api.create_repo(repo_id, private=private, exist_ok=True)
        api.upload_folder(repo_id=repo_id, folder_path=str(saved), commit_message="convtext model")
    return f"https://huggingface.co/{repo_id}"
