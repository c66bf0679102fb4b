"""The classifier verbs of the convtext command: train → predict → evaluate → explain, in seconds."""

import io
import json

import pytest
from conftest import run_cli

from convtext.cli import main

FAST = ["--epochs", "3", "--filters", "16", "--embed-dim", "16", "--lr", "0.01", "--threads", "1", "--no-progress"]


def run(capsys, *args) -> tuple[int, str, str]:
    return run_cli(capsys, *args)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, kim):
    folder = tmp_path_factory.mktemp("cli") / "trec"
    with pytest.raises(SystemExit) as done:
        main(["train", str(kim / "TREC.train.all"), "--test", str(kim / "TREC.test.all"), "-o", str(folder), *FAST])
    assert done.value.code in (0, None)
    return folder


@pytest.fixture(scope="module")
def kim():
    from conftest import KIM

    return KIM


def test_train_writes_a_complete_model(model_dir):
    names = {path.name for path in model_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md", "training_curve.png"} <= names
    metrics = json.loads((model_dir / "config.json").read_text())["convtext"]["metrics"]
    assert metrics["test"]["n"] == 500 and metrics["test"]["accuracy"] > 0.6


def test_train_json_summary(capsys, tmp_path, kim):
    code, out, _ = run(capsys, "train", kim / "TREC.test.all", "-o", tmp_path / "m", "--json", "--members", "2", *FAST)
    summary = json.loads(out)
    assert code == 0 and set(summary["valid"]) == {"accuracy", "macro_f1", "n"} and 45 <= summary["valid"]["n"] <= 55
    assert json.loads((tmp_path / "m" / "config.json").read_text())["members"] == 2


def test_train_says_which_schedule_ran(capsys, tmp_path, kim):
    code, out, _ = run(capsys, "train", kim / "TREC.test.all", "-o", tmp_path / "m", "--members", "1", *FAST)
    # a small set from random vectors: batches of 50 and patience 2 (the schedule of 2,000 texts up is not used)
    assert code == 0 and "schedule: at most 3 epochs, batches of 50, lr 0.01 decaying to 0, patience 2" in out


def test_predict_texts_top_k_and_proba(capsys, model_dir):
    code, out, _ = run(capsys, "predict", model_dir, "How far is Moscow from Kyiv ?", "Who was Galileo ?", "--json")
    results = json.loads(out)
    assert code == 0 and [r["text"] for r in results] == ["How far is Moscow from Kyiv ?", "Who was Galileo ?"]
    code, out, _ = run(capsys, "predict", model_dir, "Who was Galileo ?", "--proba", "--json")
    probabilities = json.loads(out)[0]["probabilities"]
    assert list(probabilities) == ["0", "1", "2", "3", "4", "5"] and abs(sum(probabilities.values()) - 1) < 1e-5
    code, out, _ = run(capsys, "predict", model_dir, "Who was Galileo ?", "--top-k", "3")
    assert code == 0 and "Who was Galileo ?" in out


def test_predict_reads_stdin_and_files(capsys, monkeypatch, model_dir, tmp_path):
    monkeypatch.setattr("sys.stdin", io.StringIO("Who was Galileo ?\n\nWhat is a Кремль ?\n"))
    code, out, _ = run(capsys, "predict", model_dir, "--json")
    assert code == 0 and [r["text"] for r in json.loads(out)] == ["Who was Galileo ?", "What is a Кремль ?"]
    (tmp_path / "in.txt").write_text("Who was Galileo ?\nWhere is Paris ?\n", encoding="utf-8")
    code, out, _ = run(capsys, "predict", model_dir, "--input", tmp_path / "in.txt", "--json")
    assert len(json.loads(out)) == 2


def test_evaluate_json_and_table(capsys, model_dir, kim):
    code, out, _ = run(capsys, "evaluate", model_dir, kim / "TREC.test.all", "--json")
    report = json.loads(out)
    assert code == 0 and report["n"] == 500 and {"accuracy", "macro_f1", "per_class"} <= set(report)
    assert set(report["per_class"]["0"]) == {"precision", "recall", "f1", "support"}
    code, out, _ = run(capsys, "evaluate", model_dir, kim / "TREC.test.all")
    assert "accuracy" in out and "precision" in out


def test_evaluate_with_unseen_labels_counts_them(capsys, model_dir, tmp_path):
    data = tmp_path / "odd.txt"
    data.write_text("0 How far is it ?\n9 Who was Galileo ?\n", encoding="utf-8")
    code, out, _ = run(capsys, "evaluate", model_dir, data, "--json")
    assert code == 0 and json.loads(out)["unknown_labels"] == {"9": 1}


def test_explain(capsys, model_dir):
    code, out, _ = run(capsys, "explain", model_dir, "How far is it from Denver to Aspen ?", "--json")
    result = json.loads(out)
    assert code == 0 and result["label"] in result["probabilities"]
    ngrams = result["classes"][result["label"]]["ngrams"]
    assert ngrams and all(n["text"] in "How far is it from Denver to Aspen ?" for n in ngrams)
    code, out, _ = run(capsys, "explain", model_dir, "Who was Galileo ?", "--label", "3", "--label", "5")
    assert code == 0 and "class 3" in out and "class 5" in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["predict", "no-such-model", "hi"], "no such model folder"),
        (["train", "no-such-file.csv", "-o", "m"], "no such file"),
        (["train", "{kim}/TREC.test.all", "-o", "m", "--kernel-sizes", "3,x"], "--kernel-sizes"),
        (["train", "{kim}/TREC.test.all", "-o", "m", "--embed-dim", "big"], "--embed-dim"),
        (["train", "{kim}/TREC.test.all", "-o", "m", "--tokenizer", "spm"], "unknown tokenizer"),
        (
            ["train", "{kim}/TREC.test.all", "-o", "m", "--embeddings", "minilm", "--keep-case"],
            "lower-cases every text",
        ),
        (["explain", "{model}", "hi", "--label", "nope"], "unknown label"),
    ],
)
def test_errors_are_one_line(capsys, monkeypatch, tmp_path, kim, model_dir, args, message):
    monkeypatch.chdir(tmp_path)
    args = [a.format(kim=kim, model=model_dir) for a in args]
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_train_on_csv_with_named_columns_in_any_script(capsys, tmp_path):
    from conftest import toy_texts

    texts, labels = toy_texts(200, seed=1)
    rows = ["отзыв,оценка"] + [f'"{text}",{label}' for text, label in zip(texts, labels)]
    data = tmp_path / "reviews.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = ["train", data, "--text-col", "отзыв", "--label-col", "оценка", "-o", tmp_path / "m", "--json"]
    code, out, _ = run(capsys, *args, *FAST, "--class-weights")
    assert code == 0 and json.loads(out)["valid"]["n"] == 20
    code, out, _ = run(capsys, "predict", tmp_path / "m", "отлично 👍 superb", "--json")
    assert json.loads(out)[0]["label"] in {"pos", "neg"}
    code, _, err = run(capsys, "train", data, "-o", tmp_path / "m2", *FAST)
    assert code == 2 and "no column 'text'; columns found: ['отзыв', 'оценка']" in err


def test_train_with_minilm_embeddings(capsys, tmp_path, kim):
    code, out, _ = run(capsys, "train", kim / "TREC.test.all", "--embeddings", "minilm", "-o", tmp_path / "m", "--json",
                       "--epochs", "2", "--filters", "16", "--threads", "1", "--no-progress")  # fmt: skip
    assert code == 0 and json.loads(out)["valid"]["n"] > 0
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["embed_dim"] == 384 and config["convtext"]["embeddings"] == "minilm"
    assert config["convtext"]["tokenizer"]["kind"] == "wordpiece"
    code, _, err = run(
        capsys, "train", kim / "TREC.test.all", "--embeddings", "minilm", "--embed-dim", "64", "-o", tmp_path / "x"
    )
    assert code == 2 and "leave tokenizer and embed_dim unset" in err


def test_train_keeps_case_and_wraps_texts_from_random_vectors_unless_told(capsys, tmp_path, kim):
    for flags, lowercased, wrapped in (([], False, True), (["--lowercase", "--no-boundaries"], True, False)):
        folder = tmp_path / f"m{len(flags)}"
        code, _, _ = run(
            capsys, "train", kim / "TREC.test.all", "-o", folder, "--json", "--members", "1", *FAST, *flags
        )
        config = json.loads((folder / "config.json").read_text())
        assert code == 0 and config["convtext"]["tokenizer"]["lowercase"] is lowercased
        assert config["convtext"]["tokenizer"]["boundaries"] is wrapped
        added = json.loads((folder / "tokenizer.json").read_text())["added_tokens"]
        assert any(token["content"] == "<s>" for token in added) is wrapped
