"""Crash-safe training: epoch checkpoints written atomically, --resume after a crash or SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import KIM, toy_texts
from safetensors.torch import load_file

from convtext import TextClassifier
from convtext._errors import ConvtextError
from convtext.models import create_model
from convtext.train import TrainConfig, fit

CONFIG = TrainConfig(epochs=5, patience=5, threads=1, progress=False, seed=3)


class Crash(Exception):
    pass


def crash_at(epoch: int):
    def on_epoch_start(current: int) -> None:
        if current == epoch:
            raise Crash

    return on_epoch_start


@pytest.fixture(scope="module")
def ids_data():
    rng = np.random.default_rng(0)
    ids = [list(rng.integers(2, 60, size=rng.integers(3, 14))) for _ in range(300)]
    labels = [int(sum(row) % 3 == 0) for row in ids]
    return (ids[:240], labels[:240]), (ids[240:], labels[240:])


def new_model():
    torch.manual_seed(0)
    return create_model("textcnn", vocab_size=60, num_classes=2, embed_dim=16, num_filters=8, embed_dropout=0.1)


def same_weights(a, b) -> bool:
    return all(torch.equal(a.state_dict()[name], b.state_dict()[name]) for name in a.state_dict())


def test_resumed_run_equals_an_uninterrupted_one(ids_data, tmp_path):
    train, valid = ids_data
    whole = new_model()
    expected = fit(whole, train, valid, ["a", "b"], CONFIG)
    path = tmp_path / "train.safetensors"
    with pytest.raises(Crash):
        fit(new_model(), train, valid, ["a", "b"], CONFIG, on_epoch_start=crash_at(3), checkpoint=path)
    resumed = new_model()
    result = fit(resumed, train, valid, ["a", "b"], CONFIG, checkpoint=path, resume=True)
    assert [e.valid_accuracy for e in result.history] == [e.valid_accuracy for e in expected.history]
    assert result.best_epoch == expected.best_epoch and same_weights(whole, resumed)
    again = new_model()  # the checkpoint now says training finished: resuming only restores the best weights
    assert len(fit(again, train, valid, ["a", "b"], CONFIG, checkpoint=path, resume=True).history) == 5
    assert same_weights(whole, again)


def test_resume_refuses_a_checkpoint_of_other_data_or_settings(ids_data, tmp_path):
    train, valid = ids_data
    path = tmp_path / "train.safetensors"
    fit(new_model(), train, valid, ["a", "b"], TrainConfig(epochs=1, progress=False, threads=1), checkpoint=path)
    with pytest.raises(ConvtextError, match="other data or settings"):
        fit(new_model(), train, valid, ["a", "b"], TrainConfig(epochs=2, progress=False, threads=1),
            checkpoint=path, resume=True)  # fmt: skip
    other = ([row[:-1] or row for row in train[0]], train[1])
    with pytest.raises(ConvtextError, match="other data or settings"):
        fit(new_model(), other, valid, ["a", "b"], TrainConfig(epochs=1, progress=False, threads=1),
            checkpoint=path, resume=True)  # fmt: skip
    path.write_bytes(b"\x00" * 10)
    with pytest.raises(ConvtextError, match="unreadable checkpoint"):
        fit(new_model(), train, valid, ["a", "b"], CONFIG, checkpoint=path, resume=True)


def test_a_write_that_dies_halfway_leaves_the_last_checkpoint_whole(ids_data, tmp_path, monkeypatch):
    train, valid = ids_data
    path = tmp_path / "train.safetensors"
    with pytest.raises(Crash):
        fit(new_model(), train, valid, ["a", "b"], CONFIG, on_epoch_start=crash_at(2), checkpoint=path)
    before = path.read_bytes()

    def dies_halfway(file: Path, data: bytes) -> None:
        with open(file, "wb") as handle:
            handle.write(data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        fit(new_model(), train, valid, ["a", "b"], CONFIG, checkpoint=path, resume=True)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["train.safetensors"]


def test_classifier_members_resume_after_a_crash(tmp_path, monkeypatch):
    texts, labels = toy_texts(240)
    options = dict(embeddings="random", members=2, epochs=3, embed_dim=16, num_filters=8, threads=1, seed=1)
    expected = TextClassifier(**options).fit(texts, labels).decision_function(texts[:50])
    real_fit, calls = fit, []

    def crashes_in_second_member(model, *args, **kwargs):
        calls.append(kwargs["checkpoint"].name)
        if len(calls) == 2:
            return real_fit(model, *args, on_epoch_start=crash_at(2), **kwargs)
        return real_fit(model, *args, **kwargs)

    monkeypatch.setattr("convtext.classifier.training.fit", crashes_in_second_member)
    with pytest.raises(Crash):
        TextClassifier(**options).fit(texts, labels, checkpoints=tmp_path / "ckpt")
    assert calls == ["member-0.safetensors", "member-1.safetensors"]
    monkeypatch.setattr("convtext.classifier.training.fit", real_fit)
    resumed = TextClassifier(**options).fit(texts, labels, checkpoints=tmp_path / "ckpt", resume=True)
    np.testing.assert_array_equal(resumed.decision_function(texts[:50]), expected)


def _train_command(output, *extra):
    return [sys.executable, "-m", "convtext", "train", str(KIM / "TREC.train.all"), "-o", str(output),
            "--embeddings", "random", "--members", "1", "--epochs", "4", "--patience", "4", "--threads", "1",
            "--seed", "5", "--no-progress", "--json", *extra]  # fmt: skip


def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path):
    """The real thing: `convtext train` killed with SIGKILL after its first checkpoint, then --resume."""
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    reference = subprocess.run(_train_command(tmp_path / "whole"), capture_output=True, text=True, env=environment)
    assert reference.returncode == 0, reference.stderr
    killed_output = tmp_path / "killed"
    checkpoint = tmp_path / "killed.checkpoints" / "train.safetensors"
    process = subprocess.Popen(_train_command(killed_output), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)  # fmt: skip
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)  # into a later epoch, or its checkpoint's write (an epoch takes about half a second)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "training ended before it could be killed"
    assert checkpoint.exists() and not killed_output.exists()
    resumed = subprocess.run(_train_command(killed_output, "--resume"), capture_output=True, text=True, env=environment)
    assert resumed.returncode == 0, resumed.stderr
    summary, expected = json.loads(resumed.stdout), json.loads(reference.stdout)
    assert summary["valid"] == expected["valid"] and summary["best_epoch"] == expected["best_epoch"]
    whole, again = load_file(tmp_path / "whole" / "model.safetensors"), load_file(killed_output / "model.safetensors")
    assert all(torch.equal(whole[name], again[name]) for name in whole)
    assert not checkpoint.parent.exists()  # deleted once the model is saved
    TextClassifier.load(killed_output).predict(["Who was Galileo ?"])
