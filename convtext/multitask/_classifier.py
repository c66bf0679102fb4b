"""``MultiTaskClassifier``: one body trained on several labelled data sets at once, a head per task."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from .. import artifact
from .._errors import ConvtextError, DataError
from ..classifier import Explanation, TextClassifier, training
from ..data import LabeledTexts, as_labeled, as_text_list, stratified_holdout
from ..infer import model_device, predict_logits, set_threads
from ..models import TextCNN, TextModel
from ..train import TrainConfig, TrainResult, ensemble_result, plot_training_curve, score_logits, stage_checkpoint
from ._card import multitask_card
from ._loop import MultiTaskConfig, TaskData, fit_multitask
from ._network import MultiTaskNetwork, check_task_name, share_body

__all__ = ["MultiTaskClassifier"]

TASK_RECORD = ("train_rows", "valid_rows", "train_source")  # a task's own part of the training record
TaskInput = LabeledTexts | tuple[Sequence[str], Sequence[str]]


def _task_data(name: str, data: TaskInput, role: str) -> LabeledTexts:
    """A task's data as ``LabeledTexts``: given so, or as ``(texts, labels)`` (checked as ``fit`` checks them)."""
    if isinstance(data, LabeledTexts):
        return data
    if not isinstance(data, tuple | list) or len(data) != 2 or isinstance(data[0], str):
        raise ConvtextError(f"task {name!r}: give its {role} data as (texts, labels) or LabeledTexts")
    return as_labeled(as_text_list(data[0], f"task {name!r} {role} texts"), data[1], f"{name} {role} data")


class MultiTaskClassifier:
    """Several classifiers that share one body (embeddings and encoder) and differ only in their head.

    >>> mt = MultiTaskClassifier().fit({"sentiment": (texts, labels), "question": (q_texts, q_labels)})  # doctest: +SKIP
    >>> mt.predict(["what a film"], task="sentiment"), mt.task("question").explain("who wrote it?")  # doctest: +SKIP

    Each step of training serves one task, drawn with probability ∝ ``rows ** (1 / temperature)``
    (``sampling="temperature"``, the default with T = 2: small tasks get more turns; on SST-2, TREC, Subj, CR
    and MPQA a mean accuracy of 88.50 against 88.30 with proportional sampling) or in proportion to its rows
    (``"proportional"``); ``task_weights`` scale each task's loss. Every epoch validates every task; the
    epoch with the best mean accuracy is kept. ``private_filters``: each task also has its own filters, as
    many per kernel size as the shared body, beside the shared ones (shared-private; there +0.24 points over
    five single-task models, where a body shared whole is −0.45); ``None`` (default) turns them on for the
    TextCNN architectures, the only ones that have them; ``False`` shares every layer but the heads. Any
    other keyword is a ``TextClassifier`` hyperparameter, shared by all tasks. ``task(name)`` is an ordinary
    ``TextClassifier`` (predict, explain, evaluate, export, serve) over the shared body.
    """

    def __init__(
        self,
        sampling: str = "temperature",
        temperature: float = 2.0,
        task_weights: Mapping[str, float] | None = None,
        private_filters: bool | None = None,
        **classifier_options,
    ):
        self.sampling, self.temperature = sampling, temperature
        self.task_weights = dict(task_weights or {})
        if private_filters is not None and not isinstance(private_filters, bool):
            raise ConvtextError(f"private_filters is True, False or None (on for TextCNN), got {private_filters!r}")
        self.private_filters = private_filters
        self.classifier_options = classifier_options

    # -- training --------------------------------------------------------------------------
    def fit(
        self, tasks: Mapping[str, TaskInput], valid: Mapping[str, TaskInput] | None = None,
        checkpoints: str | Path | None = None, resume: bool = False,
    ) -> MultiTaskClassifier:  # fmt: skip
        """Train on ``{task: (texts, labels)}`` (or ``LabeledTexts``); ``valid`` gives some or all tasks their
        validation data, the others hold out a seeded stratified 10 % of theirs. Returns ``self``.

        ``checkpoints``: a folder that receives the training state after every epoch; with ``resume``, an
        interrupted run goes on from there (same data and settings) and ends as an uninterrupted one would."""
        if not isinstance(tasks, Mapping) or len(tasks) < 1:
            raise ConvtextError("give the tasks as {name: (texts, labels)} — at least one")
        valid = dict(valid or {})
        unknown = sorted(set(valid) - set(tasks))
        if unknown:
            raise ConvtextError(f"validation data for unknown tasks {unknown} — the tasks are {', '.join(tasks)}")
        seed = self.classifier_options.get("seed", 0)
        train_sets, valid_sets = {}, {}
        for name, data in tasks.items():
            train = _task_data(check_task_name(name), data, "training").require_classes(2)
            if name in valid:
                valid_sets[name] = _task_data(name, valid[name], "validation")
            else:
                keep, held = stratified_holdout(train.label_sets, 0.1, seed)
                train, valid_sets[name] = train.subset(keep), train.subset(held)
            train_sets[name] = train
        return self.fit_data(train_sets, valid_sets, checkpoints, resume)

    def fit_data(
        self, train: dict[str, LabeledTexts], valid: dict[str, LabeledTexts],
        checkpoints: str | Path | None = None, resume: bool = False,
    ) -> MultiTaskClassifier:  # fmt: skip
        """``fit`` on already-read data sets, one training and one validation set per task (as the CLI does)."""
        template = TextClassifier(**self.classifier_options)
        if template.pretrained is not None or template.multi_label:
            raise ConvtextError(
                "multi-task training builds a new single-label model: leave pretrained and multi_label unset"
            )
        names = [check_task_name(name) for name in train]
        if set(valid) != set(names):
            raise ConvtextError(f"validation data for tasks {sorted(valid)}, training data for {sorted(names)}")
        for name in names:
            if train[name].is_multilabel:
                raise DataError(f"task {name!r}: some rows have several labels — multi-task heads are single-label")
            unknown = sorted(set(valid[name].label_set()) - set(train[name].label_set()))
            if unknown:
                raise DataError(f"task {name!r}: validation labels {unknown[:10]} do not occur in its training data")
        set_threads(template.threads)
        torch.manual_seed(template.seed)
        template.label_set_ = train[names[0]].label_set()
        training.build_model(template, [text for name in names for text in train[name].texts])
        body = template.model_  # the shared layers; with private filters no task's model is the body itself
        self.private_ = self.private_filters if self.private_filters is not None else isinstance(body, TextCNN)
        seen = list(dict.fromkeys(source for name in names for source in (train[name].source, valid[name].source)))
        classifiers = {
            name: self._task_classifier(template, train[name], body if i == 0 and not self.private_ else None, seen)
            for i, name in enumerate(names)
        }
        data = {
            name: TaskData(
                clf.encode(train[name].texts), np.asarray(training.targets(clf, train[name])),
                clf.encode(valid[name].texts), np.asarray(training.targets(clf, valid[name])), clf.label_set_.labels,
            )
            for name, clf in classifiers.items()
        }  # fmt: skip
        models = {name: clf.model_ for name, clf in classifiers.items()}
        checkpoints = Path(checkpoints) if checkpoints is not None else None
        result = self._train(body, models, data, training.train_config(template), checkpoints, resume)
        for name, classifier in classifiers.items():
            classifier.history_, classifier.thresholds_ = result, np.full(len(classifier.label_set_), 0.5)
            classifier.metrics_ = {"valid": result.best_valid[name]}
            classifier.training_ = {
                "train_rows": len(train[name]), "valid_rows": len(valid[name]), "train_source": train[name].source,
                "best_epoch": result.best_epoch, "seconds": round(result.seconds, 2),
                "history": [asdict(entry) for entry in result.history], "config": result.config,
                "multitask": {"tasks": names, "train_rows": {n: len(train[n]) for n in names}},
            }  # fmt: skip
        self.tasks_: dict[str, TextClassifier] = classifiers
        self.body_: TextModel = body
        self.history_: TrainResult = result
        return self

    def _task_classifier(
        self, template: TextClassifier, train: LabeledTexts, model: TextModel | None, seen: list[str]
    ) -> TextClassifier:
        """A task's classifier: the template's tokenizer and embeddings, its own labels, and ``model`` — or, when
        that is None, a model sharing the template's body with a fresh head (and private filters) for the task."""
        classifier = TextClassifier(**self.classifier_options)
        classifier.label_set_ = train.label_set()
        classifier.tokenizer_, classifier.embeddings_ = template.tokenizer_, template.embeddings_
        classifier.embedding_mode_, classifier.transfer_, classifier.data_seen_ = template.embedding_mode_, None, seen
        if hasattr(template, "vectors_"):
            classifier.vectors_ = template.vectors_
        if model is None:
            model = share_body(template.model_, len(classifier.label_set_), self.private_)
        classifier.model_ = model
        return classifier

    def _task_config(self) -> MultiTaskConfig:
        return MultiTaskConfig(self.sampling, self.temperature, self.task_weights)

    def _train(
        self, body: TextModel, models: dict, data: dict[str, TaskData], config: TrainConfig,
        checkpoints: Path | None, resume: bool,
    ) -> TrainResult:  # fmt: skip
        """Train the shared body and every head — an ensemble (``members > 1``) one member at a time, as
        ``TextClassifier`` does, each member with its own heads; the members are then joined per task."""
        tasks = self._task_config()

        if training.ensemble_size(body) == 1:
            return fit_multitask(
                MultiTaskNetwork(models, body),
                data,
                config,
                tasks,
                **stage_checkpoint(checkpoints, "multitask", resume),
            )
        trained, results = [], []
        for index, single_body in enumerate(body.split_members()):
            torch.manual_seed(config.seed + index)  # the heads' (and private filters') initialisation
            singles = {
                name: single_body if model is body else share_body(single_body, model.num_classes, self.private_)
                for name, model in models.items()
            }
            network = MultiTaskNetwork(singles, single_body)
            member_config = replace(config, seed=config.seed + index)
            results.append(
                fit_multitask(
                    network, data, member_config, tasks, **stage_checkpoint(checkpoints, f"member-{index}", resume)
                )
            )
            trained.append(singles)
        for name, model in models.items():
            model.join_members([singles[name] for singles in trained])
        best_valid = {
            name: score_logits(predict_logits(model, data[name].valid_ids), data[name].valid_y, data[name].labels)[0]
            for name, model in models.items()
        }
        scores = [{name: report["accuracy"] for name, report in r.best_valid.items()} for r in results]
        return ensemble_result(results, best_valid, config.seed, scores)

    # -- prediction ------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "tasks_"):
            raise ConvtextError("this multi-task classifier is not trained yet — call fit(...) or load(folder)")

    @property
    def task_names(self) -> list[str]:
        self._check_fitted()
        return list(self.tasks_)

    def task(self, name: str) -> TextClassifier:
        """The classifier of task ``name`` (shares the body with the others)."""
        self._check_fitted()
        if name not in self.tasks_:
            raise ConvtextError(f"no task {name!r} — this model's tasks are {', '.join(self.tasks_)}")
        return self.tasks_[name]

    __getitem__ = task

    def predict(self, texts: Sequence[str], task: str) -> list[str]:
        return self.task(task).predict(texts)

    def predict_proba(self, texts: Sequence[str], task: str) -> np.ndarray:
        return self.task(task).predict_proba(texts)

    def evaluate(self, texts: Sequence[str], labels: Sequence[str], task: str) -> dict:
        return self.task(task).evaluate(texts, labels)

    def explain(self, text: str, task: str, top: int | None = 5) -> Explanation:
        return self.task(task).explain(text, top)

    def predict_all(self, texts: Sequence[str], batch_size: int = 256) -> dict[str, list[str]]:
        """Every task's labels for ``texts``, tokenized once and the body run once (with private filters: each
        task's model in turn, as each has its own filters): ``{task: labels}``."""
        self._check_fitted()
        first = next(iter(self.tasks_.values()))
        if self.private_:
            ids = first.encode(as_text_list(texts, "texts"))
            return {
                name: clf.label_set_.decode(predict_logits(clf.model_, ids, batch_size).argmax(1))
                for name, clf in self.tasks_.items()
            }
        features = torch.from_numpy(first.features(texts, batch_size)).to(model_device(first.model_))  # (N, F)
        with torch.inference_mode():
            return {
                name: clf.label_set_.decode(clf.model_.eval().forward_head(features).argmax(1).cpu().numpy())
                for name, clf in self.tasks_.items()
            }

    # -- persistence -----------------------------------------------------------------------
    def _network(self) -> MultiTaskNetwork:
        return MultiTaskNetwork({name: clf.model_ for name, clf in self.tasks_.items()}, self.body_)

    def _config(self) -> dict:
        first = next(iter(self.tasks_.values()))
        meta = {
            "task": artifact.MULTITASK, "labels": first.classes_, "max_length": first.max_length,
            "embeddings": str(first.embeddings_), "data_seen": first.data_seen_, "private_filters": self.private_,
            "training": {k: v for k, v in first.training_.items() if k not in TASK_RECORD},
            "tasks": {name: {"labels": clf.classes_, "metrics": clf.metrics_,
                             **{k: clf.training_.get(k) for k in TASK_RECORD}} for name, clf in self.tasks_.items()},
        }  # fmt: skip
        if hasattr(first, "vectors_"):
            meta["vectors"] = first.vectors_.summary()
        return artifact.config_for(self.body_, first.tokenizer_, meta)

    def save(self, folder: str | Path) -> Path:
        """One folder: ``config.json`` (the body's settings, every task's labels and scores), ``model.safetensors``
        (the body once, ``heads.NAME.*`` and ``private.NAME.*`` per task), ``tokenizer.json``, ``README.md``,
        ``training_curve.png``; written atomically."""
        self._check_fitted()
        config = self._config()
        first = next(iter(self.tasks_.values()))
        weights = {name: tensor.detach().cpu().contiguous() for name, tensor in self._network().weights().items()}

        def write(staging: Path) -> None:
            first.tokenizer_.save(staging / artifact.TOKENIZER)
            save_file(weights, str(staging / artifact.WEIGHTS), metadata={"format": "pt"})
            (staging / artifact.CONFIG).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
            (staging / "README.md").write_text(multitask_card(config), encoding="utf-8")
            history = getattr(self, "history_", None)
            if history is not None and history.history:
                members = history.config.get("members", [])
                plot_training_curve(history.history, history.best_epoch, staging / "training_curve.png", members)

        return artifact.write_atomically(folder, write)

    @classmethod
    def load(cls, folder: str | Path) -> MultiTaskClassifier:
        """Load a multi-task model folder (no pickle; every tensor's name and shape checked before loading)."""
        folder = Path(folder)
        config = artifact.read_config(folder)
        meta = config["convtext"]
        if meta.get("task") != artifact.MULTITASK:
            raise artifact.ArtifactError(
                f"{folder} holds a single-task model — load it with convtext.load(folder), no task"
            )
        tokenizer = artifact.read_tokenizer(folder)
        tasks, private = meta["tasks"], meta.get("private_filters", False)
        if not isinstance(private, bool):
            raise artifact.ArtifactError(f"{folder}: config.json's private_filters is {private!r}, not true or false")
        names = [check_task_name(name) for name in tasks]
        body = artifact.build_model({**config, "num_classes": len(tasks[names[0]]["labels"])})  # on the meta device
        artifact.check_tokenizer_fits(folder, body, tokenizer)
        models = {
            name: body if i == 0 and not private else share_body(body, len(tasks[name]["labels"]), private)
            for i, name in enumerate(names)
        }
        network = MultiTaskNetwork(models, body)
        state = artifact.read_weights(folder, {name: tuple(t.shape) for name, t in network.weights().items()})
        network.to_empty(device="cpu")
        network.load_weights(state)
        if private:  # the body's own head belongs to no task (each has its own) and is never read: zeros
            body.head.to_empty(device="cpu")
            for tensor in body.head.parameters():
                torch.nn.init.zeros_(tensor)
        loaded = cls(private_filters=private)
        loaded.private_ = private
        loaded.tasks_, loaded.body_ = {}, body
        for name, model in models.items():
            task = tasks[name]
            own = {key: task[key] for key in TASK_RECORD if key in task}  # this task's rows, back in its record
            task_meta = {**meta, "labels": task["labels"], "metrics": task.get("metrics", {})}
            task_meta["training"] = {**meta.get("training", {}), **own}
            task_meta.pop("task")
            task_config = {**config, **model.config(), "convtext": task_meta}
            loaded.tasks_[name] = TextClassifier.from_parts(model.eval(), tokenizer, task_config, folder)
        return loaded

    def __repr__(self) -> str:
        state = f"tasks {', '.join(self.tasks_)}" if hasattr(self, "tasks_") else "not trained"
        return f"MultiTaskClassifier({state})"
