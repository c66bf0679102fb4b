"""Replacing a saved model is atomic (issue 32): a kill at any step of ``save`` over an older model leaves the old
or the new model under the name, whole; and no temporary file outlives a successful save or a resumed training."""

import json
import os
import subprocess
import sys

from conftest import KIM

KILL_AT_EVERY_STEP = r"""
import builtins, json, os, shutil, signal, sys
from pathlib import Path
import torch
torch.set_num_threads(1)
sys.path.insert(0, "tests")
from conftest import toy_texts
from convtext import TextClassifier, load
from convtext.artifact import _atomic

work = Path(sys.argv[1])
texts, labels = toy_texts(120)
options = dict(epochs=1, num_filters=8, embed_dim=8, members=1, threads=1, seed=0, device="cpu", progress=False)
old = TextClassifier(**options).fit(texts, labels)
new = TextClassifier(**options).fit(texts, ["good" if label == "pos" else "bad" for label in labels])
old.save(work / "pristine")
target = work / "model"

MUTATIONS = ["mkdir", "rename", "replace", "unlink", "rmdir", "fsync"]


def kill_at(step):
    # SIGKILL this process just before its step-th file-system change (os calls, writes, the folder swap)
    count = [0]

    def before(function):
        def wrapped(*args, **kwargs):
            count[0] += 1
            if count[0] == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)
        return wrapped

    for name in MUTATIONS:
        setattr(os, name, before(getattr(os, name)))
    opened = builtins.open
    builtins.open = lambda file, mode="r", *a, **k: (before(opened) if "w" in mode or "a" in mode else opened)(file, mode, *a, **k)
    _atomic._exchange = before(_atomic._exchange)
    return count


outcomes, step = [], 0
while True:
    step += 1
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(work / "pristine", target)
    child = os.fork()
    if child == 0:
        count = kill_at(step)
        new.save(target)
        os._exit(100 + min(count[0], 100))  # not killed: every step ran
    _, status = os.waitpid(child, 0)
    killed = os.WIFSIGNALED(status)
    found = sorted(load(target).classes_) if target.is_dir() else None
    outcomes.append({"step": step, "killed": killed, "labels": found})
    if not killed:
        break
shutil.rmtree(target)
shutil.copytree(work / "pristine", target)
new.save(target)  # a successful save after all those kills
print(json.dumps({"outcomes": outcomes, "left": sorted(p.name for p in work.iterdir())}))
"""


def test_a_kill_at_every_step_of_replacing_a_model_leaves_the_old_or_the_new_one(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", KILL_AT_EVERY_STEP, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    outcomes = report["outcomes"]
    assert len(outcomes) > 10 and not outcomes[-1]["killed"]  # killed at each of the steps, then one clean run
    assert {tuple(o["labels"] or ()) for o in outcomes} <= {("neg", "pos"), ("bad", "good")}, outcomes
    assert all(o["labels"] is not None for o in outcomes), outcomes
    assert any(o["labels"] == ["bad", "good"] for o in outcomes[:-1])  # a kill after the swap: already the new one
    assert report["left"] == ["model", "pristine"]  # the killed writers' staged folders were cleaned up


def _train(output, *extra):
    command = [sys.executable, "-m", "convtext", "train", str(KIM / "TREC.train.all"), "-o", str(output),
               "--embeddings", "random", "--members", "1", "--epochs", "2", "--threads", "1", "--seed", "5",
               "--no-progress", "--json", *extra]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_no_temporary_file_outlives_a_kill_and_resume(tmp_path):
    """What a SIGKILLed run leaves — a half-written checkpoint and a half-staged model folder (as
    tests/test_checkpoints.py's real kill leaves them) — is deleted by the resumed run; a live writer's is kept."""
    first = _train(tmp_path / "model")
    assert first.returncode == 0, first.stderr
    checkpoints = tmp_path / "model.checkpoints"
    checkpoints.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = dead.stdout.strip()
    (checkpoints / f".train.safetensors.tmp-{pid}").write_bytes(b"\0" * 1000)
    staged = tmp_path / f".model.tmp-{pid}-0a1b2c3d"
    staged.mkdir()
    (staged / "model.safetensors").write_bytes(b"\0" * 1000)
    alive = checkpoints / f".member-0.safetensors.tmp-{os.getpid()}"  # another run, still writing: left alone
    alive.write_bytes(b"\0")
    resumed = _train(tmp_path / "model", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "model.checkpoints"]
    assert [p.name for p in checkpoints.iterdir()] == [alive.name]
