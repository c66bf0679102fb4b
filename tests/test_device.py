"""Device selection: auto / cpu / cuda, clear errors, and (on a machine with a GPU) the CUDA path end to end."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from conftest import run_cli

from convtext import ConvtextError, TextClassifier, load
from convtext.infer import available_cores, free_cores, set_threads, training_threads
from convtext.train import resolve_device

GPU = torch.cuda.is_available()


def test_device_names_resolve_or_say_what_to_use():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if GPU else "cpu")
    with pytest.raises(ConvtextError, match="unknown device 'tpu'"):
        resolve_device("tpu")
    if not GPU:
        with pytest.raises(ConvtextError, match="no CUDA GPU is visible"):
            resolve_device("cuda")


def test_cpu_training_with_an_explicit_device(toy, tmp_path, capsys):
    texts, labels = toy
    clf = TextClassifier(epochs=3, lr=0.01, num_filters=8, embed_dim=16, threads=1, device="cpu").fit(texts, labels)
    assert clf.score(texts, labels) > 0.9
    folder = clf.save(tmp_path / "m")
    code, out, err = run_cli(capsys, "predict", folder, "good film", "--device", "cpu", "--json")
    assert code == 0 and '"label": "pos"' in out
    if not GPU:
        code, _, err = run_cli(capsys, "predict", folder, "good film", "--device", "cuda")
        assert code == 2 and "no CUDA GPU" in err


@pytest.mark.skipif(not GPU, reason="needs a CUDA GPU (run on the lent GPU machine)")
def test_cuda_training_matches_cpu_quality_and_saves_cpu_weights(toy, tmp_path):
    texts, labels = toy
    settings = {"epochs": 4, "lr": 0.01, "num_filters": 16, "embed_dim": 16, "seed": 0}
    gpu = TextClassifier(**settings, device="cuda").fit(texts, labels)
    assert next(gpu.model_.parameters()).is_cuda
    cpu = TextClassifier(**settings, device="cpu").fit(texts, labels)
    assert abs(gpu.score(texts, labels) - cpu.score(texts, labels)) < 0.05
    assert gpu.explain("good film").label in ("pos", "neg")
    again = load(gpu.save(tmp_path / "gpu"))  # weights written as CPU tensors, loadable anywhere
    assert not next(again.model_.parameters()).is_cuda
    assert np.allclose(again.predict_proba(texts[:20]), gpu.predict_proba(texts[:20]), atol=2e-2)  # bf16 autocast
    for architecture in ("inception_small", "char_cnn", "mean_bigram"):
        model = TextClassifier(architecture, **{**settings, "num_filters": None, "embed_dim": None}, device="cuda")
        assert model.fit(texts, labels).score(texts, labels) > 0.8, architecture


@pytest.mark.skipif(not GPU, reason="needs a CUDA GPU (run on the lent GPU machine)")
def test_cuda_multitask_adaptation_and_distillation(toy, tmp_path, monkeypatch):
    """The training paths built after the CUDA one (multi-task, DANN, distillation) run on the GPU too."""
    from convtext import MultiTaskClassifier
    from convtext.adapt import DannConfig
    from convtext.distill import Augmentation

    monkeypatch.setenv("CONVTEXT_CACHE", str(tmp_path / "cache"))
    texts, labels = toy
    settings = {"epochs": 4, "lr": 0.01, "num_filters": 16, "embed_dim": 16, "seed": 0, "embeddings": "random",
                "members": 1, "device": "cuda"}  # fmt: skip
    negated = ["neg" if label == "pos" else "pos" for label in labels]

    def accuracy(predicted, truth):
        return np.mean(np.array(predicted) == np.array(truth))

    multi = MultiTaskClassifier(**settings).fit({"same": (texts, labels), "flipped": (texts, negated)})
    assert accuracy(multi.predict(texts, task="same"), labels) > 0.9
    assert accuracy(multi.predict(texts, task="flipped"), negated) > 0.9
    assert accuracy(multi.predict_all(texts)["flipped"], multi.predict(texts, task="flipped")) > 0.98
    again = MultiTaskClassifier.load(multi.save(tmp_path / "multi"))  # CPU weights on disk
    assert accuracy(again.predict(texts, task="flipped"), multi.predict(texts, task="flipped")) > 0.98

    adapted = TextClassifier(**settings).adapt(texts, labels, texts[::-1], dann=DannConfig(scale=0.1))
    assert adapted.score(texts, labels) > 0.9 and next(adapted.model_.parameters()).is_cuda
    assert all(0.0 <= value <= 1.0 for value in adapted.training_["adaptation"]["domain_accuracy"])

    teacher = TextClassifier(**settings).fit(texts, labels)
    student = TextClassifier(**settings).distill(teacher, texts, labels, augmentation=Augmentation(copies=2))
    assert next(student.model_.parameters()).is_cuda  # on the H200, seed 0: student 0.90, agreement 0.88 in bf16
    assert student.score(texts, labels) > 0.85 and accuracy(student.predict(texts), teacher.predict(texts)) > 0.85


def test_auto_threads_leave_out_cores_other_processes_keep_busy(monkeypatch):
    cores = available_cores()
    if cores < 2 or not os.path.exists("/proc/stat"):
        pytest.skip("needs two cores and Linux's /proc/stat")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        monkeypatch.setattr("convtext.infer._threads._last_sample", None)  # no sample from before it started
        assert 1 <= free_cores() <= cores - 1
        assert set_threads(None) == torch.get_num_threads() <= cores - 1
    finally:
        busy.kill()


def test_training_takes_at_most_its_cap_and_gives_the_cores_back(toy, monkeypatch):
    cores = available_cores()
    cap = min(cores, max(2, cores // 2))  # half the cores, two where there are two
    torch.set_num_threads(cores)
    with training_threads(None) as training:
        assert training.count == torch.get_num_threads() <= cap
    assert torch.get_num_threads() == cores
    counts = []
    real = torch.set_num_threads
    monkeypatch.setattr("convtext.infer._threads.free_cores", lambda: cores)  # a quiet machine
    monkeypatch.setattr("convtext.infer._threads._load_mark", lambda: None)  # and it stays quiet
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (counts.append(n), real(n)))
    TextClassifier(embeddings="random", epochs=1, members=1, progress=False).fit(*toy)
    assert cap in counts and torch.get_num_threads() == cores  # every core again for predictions


def test_auto_training_threads_follow_the_load(monkeypatch):
    ticks = os.sysconf("SC_CLK_TCK")
    marks = iter([(0.0, 0, 0), (1.0, 2 * ticks, ticks), (2.0, 3 * ticks, 2 * ticks), (3.0, 3 * ticks, 2 * ticks)])
    monkeypatch.setattr("convtext.infer._threads._load_mark", lambda: next(marks))
    monkeypatch.setattr("convtext.infer._threads.available_cores", lambda: 2)
    monkeypatch.setattr("convtext.infer._threads.free_cores", lambda: 2)
    previous = torch.get_num_threads()
    with training_threads(None) as threads:
        assert threads.count == 2
        assert threads.retune() == 1 == torch.get_num_threads()  # another process kept a core busy (2 - 1 own)
        assert threads.retune() == 2 == torch.get_num_threads()  # only this process worked: both cores again
        assert threads.retune() == 2  # nobody worked
        monkeypatch.setattr("convtext.infer._threads._load_mark", lambda: pytest.fail("looked again within a second"))
        threads._mark = (time.monotonic(), 0, 0)
        assert threads.step() == 2
        threads.others = 1.0  # the last look found another process on a core
    assert torch.get_num_threads() == 1  # predictions after it: the free core only
    torch.set_num_threads(previous)
    with training_threads(1) as threads:  # an explicit count is kept whatever the load
        assert threads.count == 1 and threads.retune() == 1 and threads.step() == 1
    assert torch.get_num_threads() == previous


def test_training_beside_a_busy_process_moves_to_the_free_cores(monkeypatch):
    cores = available_cores()
    if cores < 2 or not os.path.exists("/proc/stat"):
        pytest.skip("needs two cores and Linux's /proc/stat")
    with training_threads(None) as threads:
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            time.sleep(0.5)
            assert threads.retune() <= cores - 1
        finally:
            busy.kill()
