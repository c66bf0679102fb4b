"""Building zoo models: each recipe trained (seeded) on the project's data and saved in the cache."""

from __future__ import annotations

import logging
from pathlib import Path

from .._errors import ConvtextError
from ..classifier import TextClassifier
from ..data import LabeledTexts, read_labeled, read_texts, stratified_holdout
from ..distill import SentenceEncoder, split_sentences
from ..hub import ZooRecipe, bundled_data, get_recipe, is_built, zoo_path

__all__ = ["build"]

log = logging.getLogger(__name__)


def _read(recipe: ZooRecipe, data: Path):
    parts = [read_labeled(data / name) for name in recipe.train]
    texts = [t for part in parts for t in part.texts]
    label_sets = [labels for part in parts for labels in part.label_sets]
    train = LabeledTexts(texts, label_sets, source="+".join(recipe.train))
    return train, read_labeled(data / recipe.valid) if recipe.valid else None


def _check_files(recipe: ZooRecipe, data: Path) -> None:
    missing = [name for name in recipe.files if not (data / name).is_file()]
    if missing:
        raise ConvtextError(f"{recipe.name} needs {data / missing[0]} — give --data FOLDER holding {missing[0]}")


def _build_encoder(recipe: ZooRecipe, data: Path, threads: int | None) -> Path:
    """Distil a ``SentenceEncoder`` on the recipe's corpus, cut into sentences."""
    sentences = [s for name in recipe.train for text in read_texts(data / name)[0] for s in split_sentences(text)]
    encoder = SentenceEncoder(**{"seed": recipe.seed, "threads": threads, **recipe.settings})
    encoder.fit(sentences, data_seen=recipe.files)
    encoder.recipe_ = recipe.as_dict()
    folder = encoder.save(zoo_path(recipe.name))
    log.info("built %s: held-out cosine %.4f → %s", recipe.name, encoder.metrics_["valid"]["cosine"], folder)
    return folder


def build(name: str, data: str | Path | None = None, force: bool = False, threads: int | None = None) -> Path:
    """Train zoo model ``name`` from its recipe (seeded) and save it in the cache; returns its folder."""
    recipe = get_recipe(name)
    if is_built(name) and not force:
        log.info("%s is already built at %s (force=True rebuilds it)", name, zoo_path(name))
        return zoo_path(name)
    data = Path(data) if data is not None else bundled_data()
    if data is None:
        raise ConvtextError(f"building {name} needs the data folder — give --data FOLDER (the one holding kim2014/)")
    _check_files(recipe, data)
    if recipe.kind == "encoder":
        return _build_encoder(recipe, data, threads)
    train, valid = _read(recipe, data)
    if valid is None:
        keep, held = stratified_holdout(train.label_sets, 0.1, recipe.seed)
        train, valid = train.subset(keep), train.subset(held)
    classifier = TextClassifier(**{"seed": recipe.seed, "threads": threads, **recipe.settings})
    classifier.fit_data(train, valid)
    classifier.data_seen_ = list(recipe.files)
    classifier.recipe_ = recipe.as_dict()
    folder = classifier.save(zoo_path(name))
    log.info("built %s: valid accuracy %.4f → %s", name, classifier.metrics_["valid"]["accuracy"], folder)
    return folder
