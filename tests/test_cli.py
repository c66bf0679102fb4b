"""The convtext command: --help on every verb, --version, data inspect, tokenizers, BPE, error lines."""

import json

import pytest

from convtext import __version__, load_tokenizer
from convtext.cli import main

VERBS = [[], ["data"], ["data", "inspect"], ["tokenizer"], ["tokenizer", "train"], ["tokenizer", "show"],
         ["bpe"], ["bpe", "explain"], ["bpe", "train"], ["bpe", "encode"]]  # fmt: skip


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return done.value.code or 0, out, err


@pytest.mark.parametrize("verb", VERBS, ids=lambda verb: " ".join(verb) or "convtext")
def test_every_verb_has_help(capsys, verb):
    code, out, _ = run(capsys, *verb, "--help")
    assert code == 0 and "Usage" in out


def test_version(capsys):
    assert run(capsys, "--version")[1].strip() == f"convtext {__version__}"


def test_data_inspect_json(capsys, kim):
    code, out, _ = run(capsys, "data", "inspect", kim / "custrev.all", "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["rows"] == 3771 and summary["skipped"] == 4
    assert summary["label_counts"] == {"0": 1366, "1": 2405}


def test_bpe_explain_prints_the_worked_example(capsys):
    code, out, _ = run(capsys, "bpe", "explain", "--words", "hug:10,pug:5,pun:12,bun:4,hugs:5", "--merges", "3")
    assert code == 0
    assert "1. u g → ug (20)" in out and "2. u n → un (16)" in out and "3. h ug → hug (15)" in out
    assert "hug s ×5" in out


def test_bpe_explain_on_a_corpus_file(capsys, kim):
    code, out, _ = run(capsys, "bpe", "explain", kim / "TREC.test.all", "--merges", "2")
    assert code == 0 and "1. " in out and "2. " in out


def test_bpe_train_then_encode(capsys, kim, tmp_path):
    output = tmp_path / "tok" / "tokenizer.json"
    code, out, _ = run(capsys, "bpe", "train", kim / "stsa.binary.dev", "--vocab-size", "500", "-o", output)
    assert code == 0 and "500 tokens" in out
    code, out, _ = run(capsys, "bpe", "encode", output, "a moving film", "Фильм", "--json")
    encoded = json.loads(out)
    assert encoded[0]["ids"] == load_tokenizer(output).encode("a moving film")
    assert encoded[1]["text"] == "Фильм"


def test_tokenizer_train_word_and_show(capsys, write, tmp_path):
    corpus = write("corpus.txt", "Первая строка текста\nвторая строка\n")
    output = tmp_path / "word.json"
    code, _, _ = run(capsys, "tokenizer", "train", corpus, "--kind", "word", "--min-freq", "1", "-o", output)
    assert code == 0
    code, out, _ = run(capsys, "tokenizer", "show", output, "Строка текста", "--json")
    assert [token for token, _, _ in json.loads(out)[0]["tokens"]] == ["строка", "текста"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["data", "inspect", "missing.csv"], "no such file"),
        (["bpe", "explain"], "give either a corpus file or --words"),
        (["bpe", "explain", "--words", "hug=3"], "WORD:COUNT"),
        (["tokenizer", "train", "x.txt", "--kind", "sentencepiece", "-o", "t.json"], "no such file"),
        (["bpe", "encode", "missing.json", "hi"], "no tokenizer file"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2 and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unknown_tokenizer_kind(capsys, write, tmp_path):
    corpus = write("c.txt", "a b\n")
    code, _, err = run(capsys, "tokenizer", "train", corpus, "--kind", "sentencepiece", "-o", tmp_path / "t.json")
    assert code == 2 and "unknown tokenizer 'sentencepiece'" in err
