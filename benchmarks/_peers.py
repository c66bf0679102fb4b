"""The systems the benchmarks compare, behind one interface (``fit_select(texts, labels, dev_texts, dev_labels)``,
``predict(texts)``, ``train_seconds_``): convtext itself, fastText (supervised), MiniLM features + logistic regression."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from convtext.transfer import HEAD_CS

__all__ = ["ConvtextPeer", "FastTextPeer", "MiniLMLogReg", "train_fasttext"]


class ConvtextPeer:
    """``TextClassifier`` with the given settings, selecting its epoch on the dev set."""

    def __init__(self, settings: dict, threads: int = 2, seed: int = 0):
        from convtext import TextClassifier

        self.model = TextClassifier(**{"threads": threads, "seed": seed, **settings})

    def fit_select(self, texts, labels, dev_texts, dev_labels) -> ConvtextPeer:
        started = time.perf_counter()
        self.model.fit(texts, labels, dev_texts, dev_labels)
        self.train_seconds_ = time.perf_counter() - started
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        return self.model.predict(texts)


_TRAIN_FASTTEXT = """
import json, sys, time
import fasttext
import fasttext.FastText as binding
build_args = binding._build_args
def build_args_as_the_cli_does(args, manually_set):  # the binding zeroes a given bucket: fastText issue 1182
    built = build_args(args, manually_set)
    if "bucket" in manually_set:
        built.bucket = args["bucket"]
    return built
binding._build_args = build_args_as_the_cli_does
train, model, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
started = time.perf_counter()
fasttext.train_supervised(train, **options).save_model(model)
print(time.perf_counter() - started)
"""  # run as a child process: python -c _TRAIN_FASTTEXT TRAIN_FILE MODEL_FILE OPTIONS_JSON; prints training seconds


def train_fasttext(lines: list[str], options: dict):
    """A fastText supervised model and its training seconds, trained on ``lines`` (``__label__X text``) in a child
    process: after one diverged run ("Encountered NaN") fastText fails every later training in the same process,
    at any lr; a fresh process trains the same data fine. A failed training raises ``RuntimeError``."""
    import fasttext

    with tempfile.TemporaryDirectory() as folder:
        train, model = Path(folder) / "train.txt", Path(folder) / "model.bin"
        train.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        child = subprocess.run(
            [sys.executable, "-c", _TRAIN_FASTTEXT, str(train), str(model), json.dumps(options)],
            capture_output=True, text=True,
        )  # fmt: skip
        if child.returncode != 0:
            raise RuntimeError(child.stderr.strip().splitlines()[-1] if child.stderr.strip() else "fastText failed")
        return fasttext.load_model(str(model)), float(child.stdout)


class FastTextPeer:
    """fastText supervised: its defaults except ``wordNgrams`` and ``epoch`` (its default 5 undertrains small sets).

    ``fit_select`` picks the epoch count on a dev set, as convtext picks its epoch: the same footing.
    """

    EPOCHS = (5, 10, 15, 20, 25)
    LRS = (0.1, 0.05, 0.025)  # its default first; the smaller ones only after a diverged run

    def __init__(self, word_ngrams: int = 2, epoch: int = 20, threads: int = 2, seed: int = 0):
        self.word_ngrams, self.epoch, self.threads, self.seed = word_ngrams, epoch, threads, seed
        self.lr = self.LRS[0]

    @property
    def name(self) -> str:
        return f"fastText (wordNgrams={self.word_ngrams}, epoch chosen on dev from {self.EPOCHS}, lr 0.1)"

    def fit_select(self, texts, labels, dev_texts, dev_labels) -> FastTextPeer:
        """Train once per candidate epoch count, keep the best on dev; a run that diverges is retried at a smaller lr."""
        best, total, errors = None, 0.0, []
        for epoch in self.EPOCHS:
            self.epoch = epoch
            for self.lr in self.LRS:  # fastText's advice when SGD diverges ("Encountered NaN"): a smaller rate
                try:
                    self.fit(texts, labels)
                    break
                except RuntimeError as error:
                    errors.append(f"epoch {epoch}, lr {self.lr}: {error}")
            else:
                continue
            total += self.train_seconds_
            score = sum(p == g for p, g in zip(self.predict(dev_texts), dev_labels)) / len(dev_labels)
            if best is None or score > best[0]:
                best = (score, epoch, self.model_, self.train_seconds_, self.lr)
        if best is None:
            raise RuntimeError(f"fastText failed at every epoch count: {'; '.join(errors)}")
        _, self.epoch, self.model_, self.train_seconds_, self.lr = best
        self.search_seconds_ = total
        return self

    @staticmethod
    def _line(text: str) -> str:
        return " ".join(text.split())  # fastText reads one example per line

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> FastTextPeer:
        """Train on the texts, shuffled (seeded): fastText reads its file in order, and MR, Subj, CR and MPQA come
        sorted by label, which unshuffled SGD cannot learn."""
        order = np.random.default_rng(self.seed).permutation(len(texts))
        options = {"wordNgrams": self.word_ngrams, "epoch": self.epoch, "lr": self.lr, "thread": self.threads,
                   "seed": self.seed, "verbose": 0}  # fmt: skip
        self.model_, self.train_seconds_ = train_fasttext(
            [f"__label__{labels[i]} {self._line(texts[i])}" for i in order], options
        )
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        labels, _ = self.model_.predict([self._line(text) for text in texts])
        return [label[0].removeprefix("__label__") for label in labels]


class MiniLMLogReg:
    """all-MiniLM-L6-v2 sentence embeddings + scikit-learn logistic regression, C chosen on dev.

    Training texts' embeddings are computed once per text per process (cross-validation folds share them);
    ``predict`` encodes its texts afresh, so its speed includes the transformer.
    """

    CS = HEAD_CS  # the same grid convtext's feature-extraction head searches
    _seen: dict[str, np.ndarray] = {}  # text -> its embedding, shared by every run of this process
    name = "all-MiniLM-L6-v2 features + LogisticRegression (C chosen on dev)"

    def __init__(self, threads: int = 2, seed: int = 0):
        self.threads, self.seed = threads, seed

    def fit_select(self, texts, labels, dev_texts, dev_labels) -> MiniLMLogReg:
        import torch
        from sklearn.linear_model import LogisticRegression

        torch.set_num_threads(self.threads)
        started = time.perf_counter()
        train_x, dev_x = self._embeddings(texts), self._embeddings(dev_texts)
        best = None
        for c in self.CS:
            model = LogisticRegression(C=c, max_iter=2000, random_state=self.seed).fit(train_x, list(labels))
            score = float((model.predict(dev_x) == list(dev_labels)).mean())
            if best is None or score > best[0]:
                best = (score, c, model)
        _, self.c_, self.model_ = best
        self.train_seconds_ = time.perf_counter() - started  # the embeddings may come from the cache
        return self

    @classmethod
    def _embeddings(cls, texts: Sequence[str]) -> np.ndarray:
        """``(n, 384)`` training vectors, each text encoded once per process (folds share most texts); each batch
        of new texts is also cached on disk (``teacher_embeddings``), so a rerun of the same folds encodes nothing."""
        from convtext.distill import teacher_embeddings

        missing = list(dict.fromkeys(t for t in texts if t not in cls._seen))
        if missing:
            cls._seen.update(zip(missing, teacher_embeddings(missing)))
        return np.stack([cls._seen[t] for t in texts])

    def predict(self, texts: Sequence[str]) -> list[str]:
        if not hasattr(self, "encoder_"):
            from convtext.distill import minilm_sentence_model

            self.encoder_ = minilm_sentence_model()
        vectors = self.encoder_.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return list(self.model_.predict(vectors))
