"""An ensemble's members trained side by side in forked processes: the same weights as one after another, failures
raised where the fit was called, the thread budget shared out."""

import os
import signal
import time

import pytest
import torch
from conftest import run_cli, toy_texts, write_rows

import convtext.classifier.training as training_module
import convtext.infer._threads as threads_module
from convtext import ConvtextError, LabeledTexts, TextClassifier
from convtext.infer import confined_cores, parallel_training
from convtext.train import TrainResult, can_fork_trainings, train_side_by_side

SMALL = {"embeddings": "random", "epochs": 2, "num_filters": 16, "embed_dim": 16, "seed": 0, "device": "cpu",
         "progress": False}  # fmt: skip


@pytest.fixture
def forking():
    """Checked when the test runs: on a GPU machine an earlier test may have started CUDA in this process."""
    if not can_fork_trainings("cpu"):
        pytest.skip("forked trainings: Linux, in a process that has not started CUDA")


needs_fork = pytest.mark.usefixtures("forking")


@needs_fork
def test_members_side_by_side_end_with_the_weights_of_members_one_after_another(caplog):
    texts, labels = toy_texts(300, seed=0)
    alone = TextClassifier(threads=1, **SMALL).fit(texts, labels)  # one process, one thread
    with caplog.at_level("INFO", logger="convtext.classifier.training"):
        beside = TextClassifier(threads=2, **SMALL).fit(texts, labels)  # two children and this process, on 2 cores
    assert "training 3 members, 3 at a time (each but one in a process of its own, on one thread; all on" in caplog.text
    first, second = alone.model_.state_dict(), beside.model_.state_dict()
    assert alone.model_.members == 3 and all(torch.equal(first[name], second[name]) for name in first)
    assert alone.training_["config"]["members"] == beside.training_["config"]["members"]  # seeds, epochs, curves


@needs_fork
def test_auto_members_side_by_side_then_predict_on_the_cores_free_at_the_end(monkeypatch):
    texts, labels = toy_texts(200, seed=0)
    previous = torch.get_num_threads()
    monkeypatch.setattr(threads_module, "available_cores", lambda: 2)
    load = [0.0]  # idle when the fit starts (all three members at once), a core busy once they are trained
    monkeypatch.setattr(threads_module, "_others_load", lambda: load[0])
    side_by_side = training_module.train_side_by_side
    monkeypatch.setattr(
        training_module, "train_side_by_side", lambda *args: (side_by_side(*args), load.__setitem__(0, 1.0))[0]
    )
    try:
        clf = TextClassifier(threads=None, **SMALL).fit(texts, labels)
        assert clf.training_["config"]["members_side_by_side"] == 3 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(previous)


@needs_fork
def test_a_process_that_started_cuda_trains_its_members_in_itself(monkeypatch):
    """CUDA does not survive a fork: once this process has started it (a GPU run, a device query), members train
    one after another here, whatever the device of the training (found on the lent H200)."""
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    assert not can_fork_trainings("cpu") and not can_fork_trainings("cuda")
    texts, labels = toy_texts(120, seed=0)
    model = TextClassifier(threads=2, **{**SMALL, "epochs": 1}).fit(texts, labels)
    assert model.model_.members == 3 and model.training_["config"]["members_side_by_side"] == 1


@needs_fork
def test_a_failure_in_a_member_process_is_raised_in_the_caller():
    models = [torch.nn.Linear(2, 2) for _ in range(3)]

    def train_one(index: int, threads: int) -> TrainResult:
        if index == 1:
            raise ConvtextError("member two could not train: no labels")
        with torch.no_grad():
            models[index].weight.fill_(index)
        return TrainResult(best_epoch=index)

    with pytest.raises(ConvtextError, match="member two could not train"):
        train_side_by_side(train_one, models, budget=2)


@needs_fork
def test_a_killed_member_process_names_the_member_and_the_signal():
    models = [torch.nn.Linear(2, 2) for _ in range(2)]

    def train_one(index: int, threads: int) -> TrainResult:
        if index == 0:  # the forked one (this process trains the last of each round)
            os.kill(os.getpid(), signal.SIGKILL)
        return TrainResult()

    with pytest.raises(ConvtextError, match=r"member 1 ended without a result \(exit code -9.*threads=1"):
        train_side_by_side(train_one, models, budget=2)


@needs_fork
def test_trained_weights_and_records_come_back_in_order():
    models = [torch.nn.Linear(2, 2) for _ in range(3)]

    def train_one(index: int, threads: int) -> TrainResult:
        with torch.no_grad():
            models[index].weight.fill_(index + 1)
        return TrainResult(best_epoch=index + 1)

    results = train_side_by_side(train_one, models, budget=2)
    assert [r.best_epoch for r in results] == [1, 2, 3]
    assert [float(m.weight[0, 0]) for m in models] == [1.0, 2.0, 3.0]


@needs_fork
def test_trainings_confined_to_cores_run_there_and_this_process_gets_its_own_back():
    models = [torch.nn.Linear(2, 2) for _ in range(3)]
    own, one = os.sched_getaffinity(0), {min(os.sched_getaffinity(0))}

    def train_one(index: int, threads: int) -> TrainResult:
        return TrainResult(config={"cores": sorted(os.sched_getaffinity(0)), "threads": threads})

    results = train_side_by_side(train_one, models, budget=3, cores=one)
    assert [r.config for r in results] == [{"cores": sorted(one), "threads": 1}] * 3
    assert os.sched_getaffinity(0) == own


def test_the_thread_budget_is_shared_among_side_by_side_trainings(monkeypatch):
    assert parallel_training(3, 2) == (3, 1)  # all three at once, a thread each, confined to two cores
    assert confined_cores(3, 2) <= os.sched_getaffinity(0) and 1 <= len(confined_cores(3, 2)) <= 2
    assert confined_cores(3, 1) is None and confined_cores(2, 2) is None and confined_cores(3, None) is None
    assert parallel_training(3, 1) == (1, 1)  # one thread: one after another
    assert parallel_training(3, 8) == (3, 2)
    assert parallel_training(1, 8) == (1, 8)
    monkeypatch.setattr(threads_module, "available_cores", lambda: 8)
    monkeypatch.setattr(threads_module, "_others_load", lambda: 7.0)  # a busy machine: auto trains one at a time
    assert parallel_training(3, None) == (1, 1)
    monkeypatch.setattr(threads_module, "_others_load", lambda: 6.0)
    assert parallel_training(3, None) == (2, 1)
    monkeypatch.setattr(threads_module, "_others_load", lambda: 0.1)  # idle: all at once, the threads shared
    assert parallel_training(3, None) == (3, 2)
    monkeypatch.setattr(threads_module, "available_cores", lambda: 2)  # an idle 2-core machine: 3 processes on 2 cores
    assert parallel_training(3, None) == (3, 1)
    monkeypatch.setattr(threads_module, "_others_load", lambda: 0.5)  # half a core taken: no more than 2 at once
    assert parallel_training(3, None) == (2, 1)
    with pytest.raises(ConvtextError, match="threads must be at least 1"):
        parallel_training(3, 0)


@needs_fork
def test_each_round_forks_all_but_one_on_one_thread_and_trains_the_last_here(tmp_path):
    """A budget of two threads, three trainings: one child and this process (a thread each), then this process alone
    on both threads — a forked child never starts OpenMP threads (libgomp hangs it once the parent has used some)."""
    models = [torch.nn.Linear(2, 2) for _ in range(3)]
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    (torch.randn(500, 500) @ torch.randn(500, 500)).sum()  # this process has used its OpenMP threads

    def train_one(index: int, threads: int) -> TrainResult:
        with torch.no_grad():
            models[index].weight.fill_(index + 1)
        torch.set_num_threads(threads)
        (torch.randn(300, 300) @ torch.randn(300, 300)).sum()  # a child starting threads here would hang
        (tmp_path / f"member{index}").write_text(f"{os.getpid()} {threads} {time.monotonic()}")
        return TrainResult(best_epoch=index + 1)

    try:
        results = train_side_by_side(train_one, models, budget=2)
    finally:
        torch.set_num_threads(previous)
    seen = {int(path.name[-1]): path.read_text().split() for path in tmp_path.iterdir()}
    assert [r.best_epoch for r in results] == [1, 2, 3] and [float(m.weight[0, 0]) for m in models] == [1, 2, 3]
    here = str(os.getpid())
    assert seen[0][0] != here and seen[0][1] == "1"  # forked, one thread
    assert seen[1][:2] == [here, "1"] and seen[2][:2] == [here, "2"]  # here, then here alone on both threads
    assert float(seen[2][2]) >= float(seen[0][2])  # the third starts once the child's round has ended


@needs_fork
@pytest.mark.parametrize("threads", [1, 2])
def test_the_command_names_each_members_bar_and_says_how_they_trained(tmp_path, capsys, threads):
    texts, labels = toy_texts(200, seed=0)
    data = write_rows(tmp_path / "train.txt", LabeledTexts(texts, [(label,) for label in labels]))
    code, out, err = run_cli(capsys, "train", data, "--embeddings", "random", "--epochs", "1", "--threads", threads,
                             "-o", tmp_path / "model")  # fmt: skip
    assert code == 0, err
    side_by_side = 1 if threads == 1 else 3  # two threads: all three at once, confined to two cores
    assert f"3 members, {side_by_side} side by side, kept epochs 1/1/1" in out
    if threads == 1:  # one after another, each bar names its member (side by side, member 1's child draws it)
        assert all(f"member {m}/3 epoch 1/1" in out + err for m in (1, 2, 3))
