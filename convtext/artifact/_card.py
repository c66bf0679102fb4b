"""The model card (README.md) written into every saved model folder."""

from __future__ import annotations

import json

__all__ = ["ensemble_card", "front_matter", "model_card", "shown_settings", "usage"]


def _metrics_table(metrics: dict) -> list[str]:
    rows = ["| split | n | accuracy | macro-F1 |", "|---|---|---|---|"]
    for split, report in metrics.items():
        rows.append(f"| {split} | {report['n']:,} | {report['accuracy']:.4f} | {report['macro_f1']:.4f} |")
    return rows


def front_matter(*tags: str) -> list[str]:
    """The Hugging Face front matter of a model card (library, pipeline, tags), then a blank line."""
    tags_line = ", ".join(["convtext", "text-classification", "cnn", *tags])
    return ["---", "library_name: convtext", "pipeline_tag: text-classification", f"tags: [{tags_line}]", "---", ""]


def usage(*code: str) -> list[str]:
    """A card's "Use" section: ``code`` lines after ``import convtext``, as a Python block."""
    return ["", "## Use", "", "```python", "import convtext", *code, "```"]


def model_card(config: dict, numpy_runtime: bool = False) -> str:
    """Markdown with Hugging Face front matter: what the model is, what it was trained on, how it scores, and
    which runtime predicts with it (``numpy_runtime``: numpy, without PyTorch; else PyTorch)."""
    meta = config["convtext"]
    labels = meta["labels"]
    training = meta.get("training", {})
    lines = [
        *front_matter(),
        f"# convtext {config['architecture']} text classifier",
        "",
        f"- Labels ({len(labels)}): {', '.join(f'`{label}`' for label in labels)}",
        f"- Embeddings: {meta.get('embeddings', 'random')}; tokenizer: {meta['tokenizer']['kind']}, "
        f"{meta['tokenizer']['vocab_size']:,} tokens"
        f"{' (lower-cased)' if meta['tokenizer'].get('lowercase') else ''}"
        f"{', each text wrapped in <s> … </s>' if meta['tokenizer'].get('boundaries') else ''}; "
        f"texts cut to {meta['max_length']} tokens",
        *_vectors_line(meta.get("vectors")),
        f"- Model: {', '.join(f'{k}={v}' for k, v in config.items() if k not in ('architecture', 'convtext'))}",
        "- Runtime: numpy — `convtext predict` and `evaluate` run it without importing PyTorch "
        "(`convtext.runtime.numpy_classifier`)"
        if numpy_runtime
        else "- Runtime: PyTorch",
    ]
    if training:
        members = training.get("config", {}).get("members")
        kept = (
            f"{len(members)} members trained alone, kept epochs {'/'.join(str(m['best_epoch']) for m in members)}"
            if isinstance(members, list)
            else f"kept epoch {training.get('best_epoch')} of {_epochs_run(training.get('history', []))}"
        )
        lines.append(
            f"- Trained on {training.get('train_rows', '?'):,} texts ({training.get('train_source', 'in memory')}), "
            f"{kept}, {training.get('seconds', 0):.1f} s"
        )
    if meta.get("transfer"):
        t = meta["transfer"]
        lines.append(f"- Started from {t['from']} ({t['architecture']}), {t['mode']}")
    if meta.get("data_seen"):
        lines.append(f"- Data seen (never score it on these): {', '.join(f'`{s}`' for s in meta['data_seen'])}")
    lines += _autotune_lines(meta.get("autotune"))
    if meta.get("recipe"):
        lines += ["", "## Recipe", "", "```json", json.dumps(meta["recipe"], indent=2, ensure_ascii=False), "```"]
    if meta.get("metrics"):
        lines += ["", "## Metrics", "", *_metrics_table(meta["metrics"])]
    compression = meta.get("compression")
    lines += _calibration_lines(meta.get("metrics", {}).get("valid", {}).get("calibration"), figure=not compression)
    lines += _compression_lines(compression)
    lines += [
        *usage(
            "model = convtext.load('THIS_FOLDER')",
            "model.predict(['a text to classify'])",
            "model.explain('a text to classify').top()",
        ),
        "",
        "Files: `config.json` (architecture, hyperparameters, labels in order), `model.safetensors` (weights),",
        "`tokenizer.json` (Hugging Face tokenizers format)"
        + (" — no figures, to keep to the size." if compression else ", `training_curve.png`, `confusion_matrix.png`,"),
        *([] if compression else ["`calibration.png` (the reliability diagram)."]),
        "",
    ]
    return "\n".join(lines)


def shown_settings(settings: dict, quote: str = "") -> str:
    """``key=value, ...`` (each in ``quote``), floats to 4 significant digits."""
    return ", ".join(
        f"{quote}{key}={value:.4g}{quote}" if isinstance(value, float) else f"{quote}{key}={value}{quote}"
        for key, value in settings.items()
    )


def _autotune_lines(search: dict | None) -> list[str]:
    if not search or "settings" not in search:
        return []
    settings = shown_settings(search["settings"], "`")
    return [
        "", "## Autotune", "",
        f"Found by `convtext autotune`: {search['trials']} trials ({search['completed']} finished, "
        f"{search['pruned']} pruned, {search['failed']} failed) in {search['seconds']:.0f} s of a "
        f"{search['budget_seconds']:.0f} s budget, maximising validation {search['metric']}; the best, trial "
        f"{search['best_trial']}, scored {search['best_score']:.4f} with {settings}. The trials: the folder "
        "`THIS_FOLDER.autotune/` beside this one (`trials.md`, `trials.png`).",
        *_ensemble_lines(search.get("ensemble")),
    ]  # fmt: skip


def _ensemble_lines(members: list[dict] | None) -> list[str]:
    if not members:
        return []
    rows = [f"| {m['folder']} | {m['trial']} | {m['weight']:.2f} | {m['score']:.4f} | {shown_settings(m['settings'])} |"
            for m in members]  # fmt: skip
    return [
        "", f"The saved model averages the probabilities of {len(members)} trials' models, chosen greedily (with "
        "repetition, up to 10 picks) to lower the validation log-loss of their weighted mean:", "",
        "| folder | trial | weight | validation score | settings |", "|---|---|---|---|---|", *rows,
    ]  # fmt: skip


def ensemble_card(config: dict) -> str:
    """The card of an ensemble folder: its labels, members, metrics and search."""
    meta = config["convtext"]
    lines = [
        *front_matter("ensemble"),
        f"# convtext ensemble of {len(meta['members'])} text classifiers",
        "",
        f"- Labels ({len(meta['labels'])}): {', '.join(f'`{label}`' for label in meta['labels'])}",
        "- Predicts the weighted mean of its members' calibrated probabilities; each member is an ordinary model "
        "folder under `members/` (explain, export and compress work on one member).",
    ]  # fmt: skip
    if meta.get("metrics"):
        lines += ["", "## Metrics", "", *_metrics_table(meta["metrics"])]
    lines += _calibration_lines(meta.get("metrics", {}).get("valid", {}).get("calibration"), figure=False)
    lines += _autotune_lines(meta.get("autotune"))
    lines += [*usage("model = convtext.load('THIS_FOLDER')", "model.predict(['a text to classify'])"), ""]
    return "\n".join(lines)


def _compression_lines(record: dict | None) -> list[str]:
    if not record:
        return []
    width = (
        f"the embedding cut from {record['embed_dim_before']} to {record['rank']} dimensions (the n-gram scores at "
        "that rank)" if record["rank"] < record["embed_dim_before"] else "the embedding at its full width"
    )  # fmt: skip
    return [
        "", "## Compression", "",
        f"Compressed by `convtext compress` to {record['bytes']:,} bytes (budget {record['max_bytes']:,}; the "
        f"model had {record['bytes_before']:,}): the {record['rows']:,} most frequent of {record['rows_before']:,} "
        f"vocabulary rows, {width}, {', '.join(f'`{name}`' for name in record['int8'])} stored as int8 rows. "
        f"Validation {record['metric']}: {record['valid_after']:.4f} (uncompressed: {record['valid_before']:.4f})"
        + (f"; test: {record['test_after']:.4f} (uncompressed: {record['test_before']:.4f})." if "test_after" in record
           else "."),
        *_retrain_lines(record.get("retrained")),
    ]  # fmt: skip


def _retrain_lines(retrained: dict | None) -> list[str]:
    if not retrained:
        return []
    if not retrained["epochs"]:
        return ["", "Trained further on its training data: no epoch beat the compressed model on validation, so it "
                    "is kept as compressed."]  # fmt: skip
    return ["", f"Trained further on its training data for {retrained['epochs']} epoch(s) at learning rate "
                f"{retrained['lr']:g} (validation {retrained['valid_score']:.4f}, log-loss "
                f"{retrained['valid_log_loss']:.4f}; as compressed {retrained['compressed_score']:.4f}, "
                f"{retrained['compressed_log_loss']:.4f}), every epoch rounded to its int8 storage."]  # fmt: skip


def _calibration_lines(report: dict | None, figure: bool = True) -> list[str]:
    if not report or not report.get("n"):
        return []
    before = report["uncalibrated"]
    return [
        "", "## Calibration", "",
        f"Probabilities are the softmax (multi-label: sigmoid) of the logits divided by a temperature of "
        f"{report['temperature']:.3f}, fitted on the {report['n']:,} validation texts (Guo et al. 2017; 1 leaves "
        "them as they are). On those texts:",
        "",
        "| probabilities | ECE (15 bins) | Brier | NLL |", "|---|---|---|---|",
        f"| at temperature 1 | {before['ece']:.4f} | {before['brier']:.4f} | {before['nll']:.4f} |",
        f"| calibrated | {report['ece']:.4f} | {report['brier']:.4f} | {report['nll']:.4f} |",
        *(["", "![reliability diagram](calibration.png)"] if figure else []),
    ]  # fmt: skip


def _vectors_line(vectors: dict | None) -> list[str]:
    if not vectors:
        return []
    return [
        f"- Word vectors: {vectors['source']} ({vectors['format']}, {vectors['file_dim']}-d), found "
        f"{vectors['found']:,} of {vectors['total']:,} words ({100 * vectors['coverage']:.1f}%, "
        f"{vectors['lowercased']:,} lower-cased)"
    ]


def _epochs_run(history: list[dict]) -> int:
    """Training epochs in a history (epoch 0, the starting state of a fine-tune, is none)."""
    return history[-1]["epoch"] if history else 0
