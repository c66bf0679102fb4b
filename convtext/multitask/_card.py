"""The model card (README.md) of a multi-task model folder."""

from __future__ import annotations

from ..artifact import front_matter, usage

__all__ = ["multitask_card"]


def multitask_card(config: dict) -> str:
    """Markdown with Hugging Face front matter: the shared body, and per task its labels and scores."""
    meta = config["convtext"]
    training = meta.get("training", {})
    lines = [
        *front_matter("multi-task"),
        f"# convtext {config['architecture']} multi-task classifier ({len(meta['tasks'])} tasks, one body)",
        "",
        f"- Embeddings: {meta.get('embeddings', 'random')}; tokenizer: {meta['tokenizer']['kind']}, "
        f"{meta['tokenizer']['vocab_size']:,} tokens; texts cut to {meta['max_length']} tokens",
        f"- Model: {', '.join(f'{k}={v}' for k, v in config.items() if k not in ('architecture', 'convtext', 'num_classes'))}",
        f"- Trained together, kept epoch {training.get('best_epoch')} (best mean validation accuracy), "
        f"{training.get('seconds', 0):.1f} s",
        "- Sharing: "
        + (
            "the body's filters, and each task its own as many again (shared-private)"
            if meta.get("private_filters")
            else "every layer but the heads"
        ),
    ]
    if meta.get("data_seen"):
        lines.append(f"- Data seen (never score it on these): {', '.join(f'`{s}`' for s in meta['data_seen'])}")
    lines += [
        "",
        "## Tasks",
        "",
        "| task | labels | train rows | valid accuracy | test accuracy |",
        "|---|---|---|---|---|",
    ]
    for name, task in meta["tasks"].items():
        metrics = task.get("metrics", {})
        scores = [f"{metrics[s]['accuracy']:.4f}" if s in metrics else "–" for s in ("valid", "test")]
        labels = ", ".join(f"`{label}`" for label in task["labels"])
        lines.append(f"| {name} | {labels} | {task.get('train_rows', '?'):,} | {scores[0]} | {scores[1]} |")
    first = next(iter(meta["tasks"]))
    lines += [
        *usage(
            "model = convtext.MultiTaskClassifier.load('THIS_FOLDER')",
            f"model.predict(['a text to classify'], task='{first}')",
            "model.predict_all(['a text to classify'])  # every task, the text tokenized once",
            f"convtext.load('THIS_FOLDER', task='{first}').explain('a text to classify').top()",
        ),
        "",
        f'CLI: `convtext predict THIS_FOLDER --task {first} "a text"` (also `evaluate`, `explain`, `export`).',
        "",
        "Files: `config.json` (architecture, hyperparameters, each task's labels in order), `model.safetensors`",
        "(the body once, `heads.TASK.weight|bias` and, shared-private, `private.TASK.INDEX.weight|bias` per task),",
        "`tokenizer.json`, `training_curve.png`.",
        "",
    ]
    return "\n".join(lines)
