"""Data-parallel training (DDP) launched by torchrun: 2 processes on CPU (gloo) train one model."""

import json
import subprocess
import sys

from conftest import KIM

from convtext import TextClassifier
from convtext.train._distributed import shard_batches

# 6 epochs: two processes take half the optimizer steps of one; with case kept (the from-scratch default) the
# larger vocabulary needed more than 4 for both to reach the same accuracy (0.826 against 0.882 after 4)
TRAIN = ["train", str(KIM / "TREC.train.all"), "--test", str(KIM / "TREC.test.all"), "--embeddings", "random",
         "--members", "1", "--epochs", "6", "--threads", "1", "--seed", "0", "--no-progress", "--json"]  # fmt: skip


def test_each_process_gets_an_equal_share_of_the_batches():
    batches = [[i] for i in range(7)]
    shares = [shard_batches(batches, rank, 3) for rank in range(3)]
    assert [len(share) for share in shares] == [3, 3, 3]
    assert sorted(b[0] for share in shares for b in share) == [0, 0, 1, 1, 2, 3, 4, 5, 6]  # topped up from the start
    assert shard_batches(batches[:1], 1, 4) == [[0]]


def test_torchrun_two_processes_train_a_model_as_good_as_one_process(tmp_path):
    single = subprocess.run([sys.executable, "-m", "convtext", *TRAIN, "-o", str(tmp_path / "single")],
                            capture_output=True, text=True)  # fmt: skip
    assert single.returncode == 0, single.stderr
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "convtext"]
    both = subprocess.run([*launch, *TRAIN, "-o", str(tmp_path / "ddp")], capture_output=True, text=True, timeout=300)
    assert both.returncode == 0, both.stderr[-2000:]  # torchrun fails if any process fails
    summary = json.loads(both.stdout)  # one JSON document: rank 0 alone reports and writes
    distributed, alone = summary["test"]["accuracy"], json.loads(single.stdout)["test"]["accuracy"]
    assert abs(distributed - alone) < 0.05, (distributed, alone)
    model = TextClassifier.load(tmp_path / "ddp")
    assert model.evaluate(["Who was Galileo ?", "How far is Kyiv ?"], ["1", "5"])["n"] == 2
    assert not (tmp_path / "ddp.checkpoints").exists()
