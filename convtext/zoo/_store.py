"""Where zoo models live and how they are found: a local folder, the cache, or a Hugging Face Hub id."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .._errors import ConvtextError
from ._recipes import RECIPES, ZooRecipe, get_recipe

__all__ = ["build", "bundled_data", "cache_dir", "is_built", "load_pretrained", "zoo_path"]

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """``$CONVTEXT_CACHE``, else ``~/.cache/convtext``."""
    return Path(os.environ.get("CONVTEXT_CACHE") or Path.home() / ".cache" / "convtext")


def zoo_path(name: str) -> Path:
    """The cache folder of zoo model ``name`` (built or not)."""
    return cache_dir() / "models" / name


def is_built(name: str) -> bool:
    return (zoo_path(name) / "config.json").is_file()


def bundled_data() -> Path | None:
    """The data folder of a source checkout (``data/`` beside the package), if there is one."""
    folder = Path(__file__).resolve().parents[2] / "data"
    return folder if (folder / "kim2014").is_dir() else None


def _read(recipe: ZooRecipe, data: Path):
    from ..data import LabeledTexts, read_labeled

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
    from ..data import read_texts
    from ..distill import SentenceEncoder, split_sentences

    sentences = [s for name in recipe.train for text in read_texts(data / name)[0] for s in split_sentences(text)]
    encoder = SentenceEncoder(**{"seed": recipe.seed, "threads": threads, **recipe.settings})
    encoder.fit(sentences, data_seen=recipe.files)
    encoder.recipe_ = recipe.as_dict()
    folder = encoder.save(zoo_path(recipe.name))
    log.info("built %s: held-out cosine %.4f → %s", recipe.name, encoder.metrics_["valid"]["cosine"], folder)
    return folder


def build(name: str, data: str | Path | None = None, force: bool = False, threads: int | None = None) -> Path:
    """Train zoo model ``name`` from its recipe (seeded) and save it in the cache; returns its folder."""
    from ..classifier import TextClassifier
    from ..data import stratified_holdout

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


def _load_folder(folder: Path):
    """A ``TextClassifier``, or a ``SentenceEncoder`` when the folder holds one."""
    from ..classifier import TextClassifier
    from ..classifier._artifact import read_config
    from ..distill import TASK, SentenceEncoder

    if read_config(folder)["convtext"].get("task") == TASK:
        return SentenceEncoder.load(folder)
    return TextClassifier.load(folder)


def load_pretrained(name_or_path: str | Path):
    """A trained model (``TextClassifier`` or ``SentenceEncoder``) from a local folder, a zoo name or a Hub id."""
    from ..classifier import ArtifactError

    path = Path(name_or_path)
    if path.is_dir():
        return _load_folder(path)
    name = str(name_or_path)
    if name == "minilm":
        from ._minilm import minilm_body

        return minilm_body()
    if name in RECIPES:
        if not zoo_path(name).exists():
            raise ConvtextError(f"zoo model {name} is not built yet — run `convtext zoo build {name}`")
        try:
            return _load_folder(zoo_path(name))
        except ArtifactError as error:
            raise ConvtextError(f"{error} — rebuild it with `convtext zoo build {name} --force`") from None
    if name.count("/") == 1 and not name.startswith((".", "/")):
        return _load_folder(_from_hub(name))
    raise ConvtextError(
        f"{name}: not a model folder, 'minilm', a zoo name ({', '.join(sorted(RECIPES))}) or a Hugging Face Hub id "
        "(owner/name)"
    )


def _from_hub(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, cache_dir=cache_dir() / "hub"))
    except Exception as error:  # offline, unknown repo, no access: one clear line
        raise ConvtextError(
            f"could not fetch {repo_id} from the Hugging Face Hub ({type(error).__name__}) — "
            "check the id and the network, or give a local model folder"
        ) from None
