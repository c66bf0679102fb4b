"""``TextClassifier``: the scikit-learn-style front door — fit, predict, explain, evaluate, save, load."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import ConvtextError
from ..adapt import DannConfig
from ..artifact import ENSEMBLE, read_config, read_model, record_digest
from ..data import LabeledTexts, as_text_list
from ..distill import Augmentation, DistillConfig, SentenceEncoder
from ..export import OnnxLogits, export_onnx, quantize_int8
from ..infer import predict_features, predict_logits, resolve_device
from ..minilm import PretrainedBody
from ..models import TextModel, register_pretrained_loader
from ..runtime import LabelPredictions, check_finite
from ..tokenize import PackedSequences, TextTokenizer
from ._adapt import fit_adapted
from ._compress import compress
from ._distill import fit_distilled
from ._ensemble import EnsembleClassifier
from ._estimator import ClassifierEstimator, NotTrainedError
from ._explain import Explanation, explain_text
from ._pretrained import open_pretrained
from ._saving import from_parts, push_to_hub, save
from ._stream_train import fit_stream
from .training import EpochHook, fit_sets, train_and_valid

__all__ = ["TextClassifier", "load_pretrained"]

log = logging.getLogger(__name__)


class TextClassifier(LabelPredictions, ClassifierEstimator):
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
        embedding_mode: str | None = None,  # Kim's rand / static / non-static / multichannel; None: the recipe's
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
        epochs: int | None = None,  # None: 8; 5 for a new TextCNN from MiniLM's vectors (see docs)
        batch_size: int | None = None,  # None: 50; 100 for a new TextCNN from random or MiniLM vectors
        lr: float | None = None,  # None: 2e-3; 3e-3 for a new TextCNN from random or MiniLM vectors
        lr_schedule: str = "linear",
        patience: int | None = None,  # None: 2 for a new model (1 for a TextCNN from random vectors), else 3
        class_weights: bool = False,
        seed: int = 0,
        threads: int | None = None,
        progress: bool = False,
        multi_label: bool = False,  # several labels per text: a sigmoid per label, binary cross-entropy
        threshold: float | str = 0.5,  # multi-label: probability to predict a label, or "tune" (per label, on valid)
        calibrate: bool = True,  # fit a temperature on validation so probabilities match how often they are right
        pretrained: str | Path | TextClassifier | None = None,  # start from this model's body (transfer learning)
        transfer: str = "fine-tune",  # with pretrained: "feature-extraction", "fine-tune" or "full"
        body_lr_mult: float | None = None,  # fine-tune: the body learns at this times lr (None: the body's own rate)
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
        self.embed_dim, self.kernel_sizes = embed_dim, kernel_sizes
        self.num_filters, self.dropout, self.members = num_filters, dropout, members
        self.epochs, self.batch_size, self.lr, self.lr_schedule = epochs, batch_size, lr, lr_schedule
        self.patience, self.class_weights, self.seed, self.threads = patience, class_weights, seed, threads
        if extra_model_options:  # the keyword form of model_options, kept from before it was a parameter
            warnings.warn(
                f"pass architecture settings as model_options={extra_model_options!r}, not as keywords",
                DeprecationWarning,
                stacklevel=2,
            )
            if model_options is None or isinstance(model_options, dict):
                model_options = {**(model_options or {}), **extra_model_options}
        self.progress, self.model_options = progress, model_options
        self.multi_label, self.threshold, self.calibrate = multi_label, threshold, calibrate
        self.pretrained, self.transfer, self.body_lr_mult = pretrained, transfer, body_lr_mult
        self.lr_range, self.unfreeze_schedule, self.vocabulary = lr_range, unfreeze_schedule, vocabulary
        self.device = device

    # -- training --------------------------------------------------------------------------
    def encode(self, texts: list[str]) -> PackedSequences:
        """Token ids of ``texts`` as the model reads them: each cut to ``max_length``, packed back to back."""
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
        train, valid = train_and_valid(texts, labels, valid_texts, valid_labels, self.seed)
        return self.fit_data(train, valid, checkpoints, resume)

    def fit_data(
        self, train: LabeledTexts, valid: LabeledTexts, checkpoints: str | Path | None = None, resume: bool = False,
        on_epoch_end: EpochHook | None = None,
    ) -> TextClassifier:  # fmt: skip
        """``fit`` on already-read data sets (as the CLI does). ``on_epoch_end(member, epoch, report)`` runs after
        every epoch's validation (member: 0, or the ensemble member's index); what it raises ends the fit (autotune
        prunes so). Given one, an ensemble's members train one after another in this process."""
        return fit_sets(self, train, valid, checkpoints, resume, on_epoch_end)

    @classmethod
    def autotune(
        cls, texts: Sequence[str], labels: Sequence, valid_texts: Sequence[str] | None = None,
        valid_labels: Sequence | None = None, budget: float = 600, metric: str | None = None,
        folder: str | Path | None = None, threads: int | None = None, seed: int = 0, multi_label: bool = False,
        max_size: str | int | None = None, ensemble: int = 5,
    ) -> TextClassifier | EnsembleClassifier:  # fmt: skip
        """The best classifier found in ``budget`` seconds of search (Optuna's TPE over every setting convtext
        offers, convtext's defaults first, trials pruned on their validation curve). ``metric``: accuracy
        (default; multi-label: micro_f1), macro_f1 or f1:LABEL, on the validation set (default: a seeded 10 %
        holdout, the same for every trial). ``folder``: the best model is saved there, the study and the trials
        beside it in ``FOLDER.autotune/`` — run again with the same folder to resume or extend the budget.
        ``max_size`` (``"1MB"``): the best model is compressed to fit (``compress``), within the budget.
        ``ensemble``: up to this many of the best trials' models are joined into an ``EnsembleClassifier`` when
        that lowers the validation log-loss (single-label, no ``max_size``; 1: the best trial alone). The
        result's ``autotune_`` lists the chosen settings and the search."""
        from ._autotune_run import autotune  # here: the search builds TextClassifiers itself

        return autotune(cls, texts, labels, valid_texts, valid_labels, budget, metric, folder, threads, seed,
                        multi_label, max_size=max_size, ensemble=ensemble)  # fmt: skip

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
        checkpoints: str | Path | None = None,
        resume: bool = False,
    ) -> TextClassifier:
        """Learn from labelled source ``texts`` a model that also works on the domain of ``target_texts``, which
        come **without labels** (DANN: a domain classifier behind a gradient-reversal layer; anything carrying
        target labels is refused). The vocabulary covers both domains. The epoch is picked on a small labelled
        target set when given, else on a seeded 10 % source holdout. Then, unless ``dann.self_training`` is 0,
        a second round: the adapted model labels that share of the target texts (those it is surest of, as
        many per class) and a fresh model is trained the same way on the source plus them. ``dann`` sets the
        domain classifier's size, the λ schedule and that share; ``training_["adaptation"]`` records the
        domain accuracy of every epoch and the pseudo-labels' counts. ``checkpoints`` / ``resume``: as ``fit``'s."""
        return fit_adapted(
            self, texts, labels, target_texts, target_valid_texts, target_valid_labels, dann, checkpoints, resume
        )

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
        return fit_distilled(
            self, teacher, texts, labels, valid_texts, valid_labels, unlabelled, augmentation, soft, unlabelled_source,
            exclude,
        )  # fmt: skip

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

    def decision_function(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, n_classes)`` logits, columns in ``classes_`` order (through onnxruntime after ``use_onnx``)."""
        self._check_fitted()
        sequences = self.encode(as_text_list(texts))
        onnx = getattr(self, "onnx_", None)
        logits = onnx(sequences, batch_size) if onnx is not None else predict_logits(self.model_, sequences, batch_size)
        return check_finite(logits)

    def export_onnx(self, path: str | Path, int8: bool = False) -> Path:
        """Write the logits graph as ONNX (``int8``: then quantized, weights int8) for ``use_onnx`` or any runtime;
        its metadata ``convtext.temperature`` is what to divide the logits by before the softmax."""
        self._check_fitted()
        path = Path(path)
        if not int8:
            written = export_onnx(self.model_, self.classes_, path, self.temperature_)
        else:
            float_graph = export_onnx(
                self.model_, self.classes_, path.with_name(f".{path.name}.float.onnx"), self.temperature_
            )
            try:
                written = quantize_int8(float_graph, path)
            finally:
                float_graph.unlink(missing_ok=True)
        record_digest(written)  # written into a saved model folder, its digest joins the others
        return written

    def use_onnx(self, path: str | Path, threads: int | None = None) -> TextClassifier:
        """Predict through onnxruntime with the graph ``export_onnx`` wrote (it must come from this model);
        ``explain`` and ``features`` keep using PyTorch. ``use_onnx(None)`` goes back to PyTorch."""
        self._check_fitted()
        self.onnx_ = None if path is None else OnnxLogits(path, self.model_, self.classes_, threads)
        return self

    def features(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, num_features)`` sentence vectors from the body (for scikit-learn or any other tool)."""
        self._check_fitted()
        return predict_features(self.model_, self.encode(as_text_list(texts)), batch_size)

    transform = features

    def explain(self, text: str, top: int | None = 5) -> Explanation:
        """The n-grams behind the prediction for ``text``, exact per class (see ``Explanation``)."""
        self._check_fitted()
        if not isinstance(text, str):
            raise ConvtextError(f"explain takes one text (str), got {type(text).__name__}")
        return explain_text(
            self.model_, self.tokenizer_, self.classes_, text, self.max_length, top, self.multi_label, self.temperature_
        )

    # -- evaluation ------------------------------------------------------------------------
    def score(self, texts: Sequence[str], labels: Sequence[str]) -> float:
        """Accuracy (scikit-learn's ``score``; multi-label: exact-match accuracy)."""
        return self.evaluate(texts, labels)["accuracy"]

    def compress(
        self, max_size: str | int, valid_texts, valid_labels, test_texts=None, test_labels=None, train_texts=None,
        train_labels=None,
    ):  # fmt: skip
        """A copy whose saved folder takes at most ``max_size`` (``"1MB"``, bytes): fewer vocabulary rows, a
        narrower embedding, int8 weights, the combination chosen on the validation texts (``convtext compress``),
        then trained further on the training texts when given; the test texts, when given, scored before and
        after."""
        return compress(self, max_size, valid_texts, valid_labels, test_texts, test_labels, train_texts, train_labels)

    # -- persistence -----------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the model folder atomically: config.json, model.safetensors, tokenizer.json, README.md, PNGs."""
        self._check_fitted()
        return save(self, folder)

    save_pretrained = save

    @classmethod
    def load(cls, folder: str | Path) -> TextClassifier | EnsembleClassifier:
        """Load a saved model folder (no pickle); a missing or corrupted file is a clear error. An ensemble's
        folder (autotune's) gives an ``EnsembleClassifier``."""
        if read_config(folder)["convtext"].get("task") == ENSEMBLE:
            return EnsembleClassifier.load(folder)
        model, tokenizer, config = read_model(folder)
        return from_parts(cls, model, tokenizer, config, folder)

    @classmethod
    def from_parts(cls, model: TextModel, tokenizer: TextTokenizer, config: dict, folder: str | Path) -> TextClassifier:
        """A trained classifier from a loaded model, its tokenizer and its ``config.json``."""
        return from_parts(cls, model, tokenizer, config, folder)

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path) -> TextClassifier | SentenceEncoder | PretrainedBody:
        """A model folder, a zoo name (``textcnn.mr_sentiment``, built with ``convtext zoo build``) or a Hub id
        (a ``SentenceEncoder`` when the folder holds one; ``"minilm"``: MiniLM's whole body)."""
        return open_pretrained(cls, name_or_path)

    def push_to_hub(self, repo_id: str, token: str | None = None, private: bool = False) -> str:
        """Upload the saved model folder to the Hugging Face Hub (needs the network and a token); returns its URL."""
        return push_to_hub(self, repo_id, token, private)

    def __repr__(self) -> str:
        state = f"{len(self.classes_)} classes" if hasattr(self, "model_") else "not trained"
        return f"TextClassifier({self.architecture}, {self.tokenizer}, {state})"


load_pretrained = TextClassifier.from_pretrained
register_pretrained_loader(lambda name: load_pretrained(name).model_)
