"""The one training engine under DANN and multi-task: killed with SIGKILL then resumed, each ends exactly where
an uninterrupted run does (one thread); under torchrun, two processes train each as well as one."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import toy_texts, write_csv

import convtext
from convtext.train import Passes

ENVIRONMENT = {**os.environ, "PYTHONHASHSEED": "0"}
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engine")
    texts, labels = toy_texts(700, seed=3)
    target, _ = toy_texts(400, seed=4)
    with (folder / "target.csv").open("w", newline="", encoding="utf-8") as handle:  # a text column, no labels
        csv.writer(handle).writerows([["text"], *([text.replace("film", "кухня")] for text in target)])
    lengths = ["long" if len(text.split()) > 7 else "short" for text in texts]
    return {
        "source": write_csv(folder / "source.csv", texts, labels),
        "target": folder / "target.csv",
        "lengths": write_csv(folder / "lengths.csv", texts, lengths),
        "probe": target[:60],
    }


def _adapt(files, output, *extra):
    return [sys.executable, "-m", "convtext", "adapt", "--source", str(files["source"]), "--target",
            str(files["target"]), "-o", str(output), "--embeddings", "random", "--members", "1", "--epochs", "6",
            "--patience", "6", "--threads", "1", "--seed", "2", "--json", *extra]  # fmt: skip


def _multitask(files, output, *extra):
    return [sys.executable, "-m", "convtext", "train", "--task", f"sentiment={files['source']}", "--task",
            f"length={files['lengths']}", "-o", str(output), "--embeddings", "random", "--members", "1",
            "--epochs", "6", "--patience", "6", "--threads", "1", "--seed", "2", "--json", *extra]  # fmt: skip


def _killed_when(command, checkpoint):
    """Start ``command``, SIGKILL it as soon as ``checkpoint`` exists; the run must not have ended by then."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENVIRONMENT)
    deadline = time.monotonic() + 180
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate()
    assert process.returncode == -signal.SIGKILL, f"training ended before it could be killed: {stderr[-2000:]}"


def _run(command):
    done = subprocess.run(command, capture_output=True, text=True, env=ENVIRONMENT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _scores(folder, texts, task=None) -> np.ndarray:
    return convtext.load(folder, task=task).decision_function(texts)


def test_dann_killed_in_its_second_round_resumes_to_the_uninterrupted_result(files, tmp_path):
    expected = _run(_adapt(files, tmp_path / "whole"))
    killed = tmp_path / "killed"
    _killed_when(_adapt(files, killed), tmp_path / "killed.checkpoints" / "round-2.safetensors")
    assert not killed.exists()
    resumed = _run(_adapt(files, killed, "--resume"))
    assert resumed["adaptation"] == expected["adaptation"] and resumed["best_epoch"] == expected["best_epoch"]
    np.testing.assert_array_equal(_scores(killed, files["probe"]), _scores(tmp_path / "whole", files["probe"]))
    assert not (tmp_path / "killed.checkpoints").exists()  # removed once the model is saved


def test_multitask_killed_mid_run_resumes_to_the_uninterrupted_result(files, tmp_path):
    expected = _run(_multitask(files, tmp_path / "whole"))
    killed = tmp_path / "killed"
    _killed_when(_multitask(files, killed), tmp_path / "killed.checkpoints" / "multitask.safetensors")
    resumed = _run(_multitask(files, killed, "--resume"))
    assert resumed["tasks"] == expected["tasks"] and resumed["best_epoch"] == expected["best_epoch"]
    for task in ("sentiment", "length"):
        scores = _scores(killed, files["probe"], task)
        np.testing.assert_array_equal(scores, _scores(tmp_path / "whole", files["probe"], task))


def test_resume_refuses_the_checkpoint_of_another_run(files, tmp_path):
    _killed_when(_multitask(files, tmp_path / "m"), tmp_path / "m.checkpoints" / "multitask.safetensors")
    other = subprocess.run(_multitask(files, tmp_path / "m", "--resume", "--epochs", "5"), capture_output=True,
                           text=True, env=ENVIRONMENT)  # fmt: skip
    assert other.returncode != 0 and "other data or settings" in other.stderr


def test_dann_under_torchrun_trains_as_well_as_one_process(files, tmp_path):
    alone = _run(_adapt(files, tmp_path / "alone", "--self-training", "0"))
    both = _run([*TORCHRUN, *_adapt(files, tmp_path / "ddp", "--self-training", "0")[1:]])
    assert abs(both["valid"]["accuracy"] - alone["valid"]["accuracy"]) < 0.1, (both, alone)
    assert both["valid"]["accuracy"] > 0.8 and len(both["adaptation"]["domain_accuracy"]) >= 1
    assert not (tmp_path / "ddp.checkpoints").exists()


def test_multitask_under_torchrun_trains_every_task(files, tmp_path):
    both = _run([*TORCHRUN, *_multitask(files, tmp_path / "ddp")[1:]])
    assert set(both["tasks"]) == {"sentiment", "length"}
    assert all(task["valid"]["accuracy"] > 0.8 for task in both["tasks"].values()), both["tasks"]
    assert _scores(tmp_path / "ddp", files["probe"], "length").shape == (60, 2)


def test_a_stream_of_passes_goes_on_from_its_saved_position():
    draw = lambda rng: [np.arange(3) + 10 * rng.integers(9), np.arange(2)]  # noqa: E731
    rng, stream = np.random.default_rng(0), Passes(draw)
    taken = [stream.next(rng) for _ in range(3)]
    state, generator = json.loads(json.dumps(stream.state())), rng.bit_generator.state
    later = [stream.next(rng).tolist() for _ in range(4)]
    again, rng = Passes(draw), np.random.default_rng(1)
    again.load_state(state)
    rng.bit_generator.state = generator
    assert [again.next(rng).tolist() for _ in range(4)] == later and len(taken) == 3


def test_each_epoch_is_validated_with_its_own_weights():
    """The fused AdamW step writes the weights in place; prediction's n-gram table must still see every update."""
    texts, labels = toy_texts(900, seed=5)
    valid_texts, valid_labels = toy_texts(300, seed=6)
    clf = convtext.TextClassifier(
        embeddings="random", members=1, epochs=3, lr=2e-4, lr_schedule="constant", threads=1, seed=0, progress=False
    )
    clf.fit(texts, labels, valid_texts, valid_labels)
    history = clf.training_["history"]
    best = max(history, key=lambda entry: entry["valid_accuracy"])
    assert best["epoch"] > 1  # the table the first validation built must have been replaced
    accuracy = np.mean(np.asarray(clf.predict(valid_texts)) == np.asarray(valid_labels))
    assert best["valid_accuracy"] == pytest.approx(accuracy)


def test_a_tuple_score_breaks_ties_in_order_and_survives_a_checkpoint():
    """(accuracy, -loss): an equal accuracy with a lower loss is better; a resumed stopper gets the score as JSON."""
    from torch import nn

    from convtext.train import EarlyStopping

    stopper = EarlyStopping(nn.Linear(2, 2), patience=2)
    for epoch, score in enumerate([(0.5, -0.7), (0.5, -0.6), (0.5, -0.65), (0.4, -0.1)]):
        stop = stopper.step(score, epoch)
    assert stopper.best_epoch == 1 and stop
    again = EarlyStopping(nn.Linear(2, 2), patience=2)
    again.resume(json.loads(json.dumps(stopper.best_score)), stopper.best_epoch, 0, None)
    again.step((0.5, -0.5), 2)
    assert again.best_epoch == 2 and again.best_score == (0.5, -0.5)
