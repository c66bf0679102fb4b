"""The Kim-suite benchmark harness runs end to end in --quick mode on a tiny data folder (so it cannot rot)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import toy_texts

REPOSITORY = Path(__file__).resolve().parents[1]


def kim_file(path: Path, count: int, seed: int) -> None:
    texts, labels = toy_texts(count, seed)
    path.write_text("".join(f"{int(label == 'pos')} {text}\n" for text, label in zip(texts, labels)), encoding="utf-8")


def test_kim_harness_quick_mode_writes_both_tables(tmp_path):
    folder = tmp_path / "data" / "kim2014"
    folder.mkdir(parents=True)
    kim_file(folder / "rt-polarity.all", 200, seed=1)  # a cross-validation set
    kim_file(folder / "TREC.train.all", 160, seed=2)  # a given-splits set without a dev file
    kim_file(folder / "TREC.test.all", 60, seed=3)
    command = [sys.executable, "benchmarks/kim2014.py", "--data", str(tmp_path / "data"), "--quick", "--sets", "MR,TREC",
               "--systems", "convtext,fasttext2,minilm_lr", "--threads", "1", "--results", str(tmp_path / "out")]  # fmt: skip
    env = {**os.environ, "CONVTEXT_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(command, cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = (tmp_path / "out" / "kim2014.md").read_text(encoding="utf-8")
    assert "Command: `python benchmarks/kim2014.py --data" in table and "--quick" in table
    assert "convtext from scratch" in table and "fastText (wordNgrams=2" in table and "MiniLM" in table
    assert "Kim 2014 CNN-rand (published) | 76.1" in table and "## Wall seconds per set" in table
    runs = json.loads((tmp_path / "out" / "kim2014.json").read_text(encoding="utf-8"))["runs"]
    assert set(runs) == {"convtext", "fasttext2", "minilm_lr"}
    for system in runs.values():
        assert set(system) == {"MR", "TREC"}
        assert all(len(s["accuracies"]) == 1 and s["wall_seconds"] > 0 for s in system.values())  # 1 fold, 1 seed
    assert runs["convtext"]["TREC"]["accuracies"][0] > 0.7  # the toy sets are learnable: a real run, not a stub
