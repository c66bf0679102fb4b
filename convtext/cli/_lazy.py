"""The root of the ``convtext`` command: each verb's module (and what it imports: PyTorch, scikit-learn...) is
imported only when that verb runs or shows its own help, so ``--help`` and ``--version`` start at once."""

from __future__ import annotations

import importlib
from typing import NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["VERBS", "LazyVerbs"]


class Verb(NamedTuple):
    module: str  # in convtext.cli
    attribute: str  # a command function or a typer.Typer of sub-verbs
    summary: str  # the root --help line


VERBS = {
    "train": Verb("_train", "train", "Train a classifier and save it (model, tokenizer, card, curves)."),
    "autotune": Verb("_autotune", "autotune", "Search convtext's settings for the best model within a time budget."),
    "adapt": Verb("_adapt", "adapt", "Train on labelled SOURCE data so the model also works on an unlabelled TARGET domain."),
    "predict": Verb("_predict", "predict", "Predict labels for texts."),
    "spark-predict": Verb("_spark", "spark_predict", "Predict a Parquet table with Apache Spark (local[N] or a cluster)."),
    "evaluate": Verb("_evaluate", "evaluate", "Score a model on labelled data: accuracy, macro-F1, per-class scores."),
    "explain": Verb("_explain", "explain", "Show which n-grams drove a prediction, with their exact contributions."),
    "export": Verb("_export", "export", "Export the model's logits as an ONNX graph."),
    "compress": Verb("_compress", "compress", "Shrink a model to a size budget (fewer rows, narrower, int8)."),
    "models": Verb("_models", "models", "List the registered architectures with their parameter counts and tokenizer."),
    "features": Verb("_transfer", "features", "Write one sentence vector per text (the body's output)."),
    "summary": Verb("_transfer", "summary", "Layer groups with trainable and frozen parameter counts."),
    "distill": Verb("_distill", "distill", "Train a fast CNN student from a teacher (a classifier or MiniLM)."),
    "serve": Verb("_serve", "serve", "Serve models over HTTP: a web page at /, /predict, /explain, /metrics, OpenAPI at /docs."),
    "zero-shot": Verb("_zeroshot", "zero_shot", "Give each text the label whose description it is most similar to."),
    "data": Verb("_data", "app", "Look at labelled data files."),
    "tokenizer": Verb("_tokenizers", "tokenizer_app", "Train any tokenizer (word, char, BPE, whitespace), see tokens."),
    "bpe": Verb("_tokenizers", "bpe_app", "Byte Pair Encoding: see the algorithm work, train, encode."),
    "embeddings": Verb("_vectors", "app", "Look inside a model's word vectors: neighbours, projector, a 2-D map."),
    "items": Verb("_items", "app", "Learn and explore item embeddings from (user, item, rating) interactions."),
    "zoo": Verb("_zoo", "app", "Named pretrained models: list them, see one, build one."),
}  # fmt: skip


def load_verb(name: str):
    """The click command of verb ``name``, its module imported now."""
    verb = VERBS[name]
    target = getattr(importlib.import_module(f".{verb.module}", __package__), verb.attribute)
    if isinstance(target, typer.Typer):  # sub-verbs: a group even when it holds one (``data inspect``)
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyVerbs(TyperGroup):
    """A group whose verbs are listed from ``VERBS`` and imported only when one is chosen."""

    def list_commands(self, ctx) -> list[str]:
        return list(VERBS)

    def get_command(self, ctx, name: str):
        """A stand-in carrying the summary, enough for the root's help; ``resolve_command`` loads the real one."""
        return TyperCommand(name, help=VERBS[name].summary) if name in VERBS else None

    def resolve_command(self, ctx, args: list[str]):
        name, _, rest = super().resolve_command(ctx, args)
        return name, load_verb(name), rest
