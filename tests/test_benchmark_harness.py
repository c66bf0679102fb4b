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


def tiny_kim_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "kim2014"
    folder.mkdir(parents=True)
    kim_file(folder / "rt-polarity.all", 200, seed=1)  # a cross-validation set
    kim_file(folder / "TREC.train.all", 160, seed=2)  # a given-splits set without a dev file
    kim_file(folder / "TREC.test.all", 60, seed=3)
    return folder


def test_kim_harness_quick_mode_writes_both_tables(tmp_path):
    tiny_kim_folder(tmp_path)
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


def test_ablation_grid_records_paired_runs_and_tabulates_them_again(tmp_path):
    tiny_kim_folder(tmp_path)
    records, out = tmp_path / "runs.jsonl", tmp_path / "out"
    command = [sys.executable, "benchmarks/ablations.py", "--data", str(tmp_path / "data"), "--sets", "MR,TREC",
               "--folds", "1", "--seeds", "1", "--variants", "members=1,members=3", "--workers", "2",
               "--records", str(records), "--results", str(out), "--name", "grid"]  # fmt: skip
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = [json.loads(line) for line in records.read_text().splitlines()]
    assert sorted((r["variant"], r["set"]) for r in runs) == [
        ("members=1", "MR"),
        ("members=1", "TREC"),
        ("members=3", "MR"),
        ("members=3", "TREC"),
    ]
    assert all(r["accuracy"] > 0.7 for r in runs if r["set"] == "TREC")  # learnable toy data: real training
    table = (out / "grid.md").read_text(encoding="utf-8")
    assert "| members=3 |" in table and ("(+" in table or "(-" in table)  # paired gains over members=1
    again = [
        sys.executable,
        "benchmarks/ablations.py",
        "--tabulate",
        str(records),
        "--results",
        str(out),
        "--name",
        "again",
    ]
    assert subprocess.run(again, cwd=REPOSITORY, capture_output=True, text=True, timeout=120).returncode == 0
    rows = lambda name: [line for line in (out / name).read_text().splitlines() if line.startswith("| members")]  # noqa: E731
    assert rows("again.md") == rows("grid.md")


def test_transfer_update_of_some_rows_keeps_the_others_and_marks_the_rerun():
    sys.path.insert(0, str(REPOSITORY / "benchmarks"))
    from transfer import merge_rows, render_section

    row = lambda accuracy: {"accuracies": {"16": [accuracy]}, "train_seconds": [1.0], "texts_per_second": 10.0}  # noqa: E731
    old = {"pool": 9, "test": 3, "seeds": 1, "folds": None, "run": "then",
           "systems": {"scratch": row(0.5), "fine-tune": row(0.6)}}  # fmt: skip
    merged = merge_rows(old, {**old, "run": "now", "systems": {"fine-tune": row(0.7)}})
    table = "\n".join(render_section("SST-2", merged))
    assert "Run: then" in table and "Rows marked † rerun: now" in table
    assert "| scratch | 50.0 ± 0.0 |" in table and "| fine-tune† | 70.0 ± 0.0 |" in table
    try:
        merge_rows(old, {**old, "systems": {"fine-tune": {**row(0.7), "accuracies": {"64": [0.7]}}}})
    except SystemExit as error:
        assert "sizes" in str(error)
    else:
        raise AssertionError("rows of other sizes were merged")
