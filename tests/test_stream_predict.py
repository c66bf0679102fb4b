"""Predicting a file of any size: chunked reading and writing, every line accounted for."""

import io
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from convtext import read_labeled
from convtext.classifier import predict_file
from convtext.data import _stream


def test_a_file_is_predicted_in_chunks_with_line_numbers(trained, tmp_path):
    texts = ["great film 👍", "ужасно boring", "", "   ", "the plot", "отлично"] * 50
    raw = "\r\n".join(texts[:150]).encode() + b"\n" + "\n".join(texts[150:]).encode("utf-8")
    raw += b"\ncaf\xe9 bad\ngood\rfilm\n"  # a Windows-1252 line among UTF-8 ones; a lone \r ends no line
    source = tmp_path / "in.txt"
    source.write_bytes(b"\xef\xbb\xbf" + raw)
    report = predict_file(trained, source, tmp_path / "out.jsonl", chunk=7, top_k=2)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    expected_texts = [t for t in texts if t.strip()] + ["café bad", "good\rfilm"]
    assert report.predicted == len(records) == len(expected_texts) and report.blank == 100
    assert report.fallback_decoded == 1
    assert [r["label"] for r in records] == trained.predict(expected_texts)
    assert records[0]["line"] == 1 and records[1]["line"] == 2 and records[2]["line"] == 5  # blanks keep their numbers
    assert all(len(r["top"]) == 2 for r in records)


def test_block_boundaries_inside_a_crlf_do_not_split_lines(trained, tmp_path, monkeypatch):
    real_open = open

    class SmallBlocks:  # reads 3 bytes at a time, so every \r\n is split somewhere
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, size):
            return self.handle.read(3)

    def small_open(path, mode="r", **options):
        return SmallBlocks(real_open(path, mode)) if mode == "rb" else real_open(path, mode, **options)

    monkeypatch.setattr(_stream, "open", small_open, raising=False)
    source = tmp_path / "in.txt"
    source.write_bytes(b"good film\r\nbad film\r\n\r\nok\r")
    report = predict_file(trained, source, tmp_path / "out.jsonl")
    lines = [json.loads(line)["line"] for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert lines == [1, 2, 4] and report.blank == 1


def test_command_line_output_option(trained, tmp_path, capsys):
    folder = trained.save(tmp_path / "toy")
    (tmp_path / "in.txt").write_text("great film\n\nawful plot\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "predict", folder, "--input", tmp_path / "in.txt", "--output", tmp_path / "o.jsonl")
    assert code == 0 and "predicted 2 texts" in err and "skipped 1 blank" in err
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 2
    code, _, err = run_cli(capsys, "predict", folder, "x", "--output", tmp_path / "o.jsonl")
    assert code == 2 and "--input" in err


@pytest.mark.parametrize("missing", ["nowhere.txt"])
def test_a_missing_input_is_a_clear_error(trained, tmp_path, missing):
    from convtext._errors import DataError

    with pytest.raises(DataError, match="no such file"):
        predict_file(trained, tmp_path / missing, tmp_path / "o.jsonl")


def test_an_output_that_cannot_be_written_fails_before_any_work(trained, tmp_path, capsys):
    folder = trained.save(tmp_path / "toy")
    (tmp_path / "in.txt").write_text("great film\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "predict", folder, "--input", tmp_path / "in.txt", "--output", tmp_path)
    assert code == 2 and "is a folder" in err and "predictions.jsonl" in err
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere: nothing to refuse
        return
    code, _, err = run_cli(capsys, "predict", folder, "--input", tmp_path / "in.txt", "--output", locked / "o.jsonl")
    assert code == 2 and "not a writable folder" in err


def test_an_overwritten_output_keeps_its_permissions(trained, tmp_path, capsys):
    folder = trained.save(tmp_path / "toy")
    (tmp_path / "in.txt").write_text("great film\nawful plot\n", encoding="utf-8")
    output = tmp_path / "o.jsonl"
    output.write_text("old\n")
    output.chmod(0o640)
    code, _, _ = run_cli(capsys, "predict", folder, "--input", tmp_path / "in.txt", "--output", output)
    assert code == 0 and stat.S_IMODE(output.stat().st_mode) == 0o640 and len(output.read_text().splitlines()) == 2


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_prediction_leaves_no_file(trained, tmp_path, signum):
    folder = trained.save(tmp_path / "toy")
    (tmp_path / "in.txt").write_text("a great film with a plot\n" * 400_000, encoding="utf-8")
    command = [sys.executable, "-m", "convtext", "predict", str(folder), "--input", str(tmp_path / "in.txt"),
               "--output", str(tmp_path / "o.jsonl")]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".o.jsonl.tmp-*")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "prediction ended before it could be stopped: give it more lines"
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.txt", "toy"]


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(trained, tmp_path, capsys):
    folder = trained.save(tmp_path / "toy")
    (tmp_path / "in.txt").write_text("great film\n", encoding="utf-8")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f".o.jsonl.tmp-{ended.stdout.strip()}"  # as a SIGKILLed run leaves it
    alive = tmp_path / f".o.jsonl.tmp-{os.getppid()}"  # another run still writing
    dead.write_text("half a file")
    alive.write_text("being written")
    code, _, _ = run_cli(capsys, "predict", folder, "--input", tmp_path / "in.txt", "--output", tmp_path / "o.jsonl")
    assert code == 0 and not dead.exists() and alive.exists() and (tmp_path / "o.jsonl").exists()


def test_a_full_disk_is_one_line_and_leaves_nothing(trained, tmp_path, capsys, monkeypatch):
    import errno

    from convtext.runtime import _stream

    def full(classifier, batch, out, top_k):
        raise OSError(errno.ENOSPC, "No space left on device", out.name)

    folder = trained.save(tmp_path / "toy")
    (tmp_path / "in.txt").write_text("great film\n", encoding="utf-8")
    monkeypatch.setattr(_stream, "_write", full)
    code, _, err = run_cli(capsys, "predict", folder, "--input", tmp_path / "in.txt", "--output", tmp_path / "o.jsonl")
    assert code == 2 and f"cannot write {tmp_path / 'o.jsonl'}: No space left on device" in err and ".tmp" not in err
    assert "free some space" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.txt", "toy"]


@pytest.fixture(scope="module")
def saved_model(trained, tmp_path_factory):
    return trained.save(tmp_path_factory.mktemp("model") / "toy")


PIECES = [
    b"\n",
    b"\r\n",
    b"\r",
    b"\x00",
    b" ",
    b"\t",
    b"\xe9",
    b"\xff",
    "фильм".encode(),
    "👍".encode(),
    b"good",
    b"bad",
]


def _expected_lines(raw: bytes) -> list[int]:
    """Line numbers of the non-blank lines, by the documented rule (not by convtext's reader)."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    pieces = raw.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    numbers = []
    for number, piece in enumerate(pieces, 1):
        piece = piece.removesuffix(b"\r")
        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                text = piece.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text.strip():
            numbers.append(number)
    return numbers


def test_evaluate_reads_the_lines_predict_reads(saved_model, capsys, tmp_path):
    """The same lines, labelled or not: evaluate scores exactly the texts predict --input predicts, in order."""
    lines = ["фильм café good".encode(), b"", b"caf\xe9 bad", b"good\rfilm", b"   ", "👍 plot".encode(), b"\xff\xfe?"]
    plain, labelled = tmp_path / "plain.txt", tmp_path / "labelled.txt"
    plain.write_bytes(b"\r\n".join(lines) + b"\n")
    labelled.write_bytes(b"\r\n".join(b"1 " + line if line.strip() else line for line in lines) + b"\n")
    code, out, _ = run_cli(capsys, "predict", saved_model, "--input", plain, "--json")
    predicted = json.loads(out)
    code_evaluate, report, _ = run_cli(capsys, "evaluate", saved_model, labelled, "--json")
    assert code == code_evaluate == 0
    assert read_labeled(labelled).texts == [record["text"] for record in predicted]
    assert json.loads(report)["n"] == len(predicted) == 5


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES) | st.binary(max_size=4), max_size=40).map(b"".join))
@example(b"good\rbad\rfilm\r")  # \r only: refused alike
@example("caf\xe9 good\n".encode("cp1252") + "фильм bad\r\n".encode())  # Windows-1252 beside UTF-8
@example(b"go\x00od\nbad\x00\n\x00\n")  # NUL bytes: binary, refused alike
@example(b"\n\n \t\ngood\n\r\n\nbad")  # blank lines, a last line without its newline
@example(b"\xff\xfegood\n")  # a UTF-16 byte-order mark
def test_stdin_input_and_output_read_the_same_lines(saved_model, capsys, monkeypatch, raw):
    folder = Path(tempfile.mkdtemp())
    source, target = folder / "in.txt", folder / "out.jsonl"
    source.write_bytes(raw)
    stdin = io.TextIOWrapper(io.BytesIO(raw))
    monkeypatch.setattr(stdin, "isatty", lambda: False)
    monkeypatch.setattr(sys, "stdin", stdin)
    runs = [
        run_cli(capsys, "predict", saved_model, "--json"),
        run_cli(capsys, "predict", saved_model, "--input", source, "--json"),
        run_cli(capsys, "predict", saved_model, "--input", source, "--output", target),
    ]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 mark: refused alike, one line each
        assert [(code, err.count("UTF-16")) for code, _, err in runs] == [(2, 1)] * 3
        return
    body = raw.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in body or (b"\n" not in body and b"\r" in body.strip()):  # binary, or lines ending at a lone \r
        reason = "binary file" if b"\x00" in body else "lone \\r"
        assert [(code, reason in err) for code, _, err in runs] == [(2, True)] * 3
        return
    assert [code for code, _, _ in runs] == [0, 0, 0]
    piped, given = runs[0][1], runs[1][1]
    written = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    records = [[(r["line"], r["label"]) for r in rows] for rows in (json.loads(piped), json.loads(given), written)]
    assert records[0] == records[1] == records[2]
    assert [line for line, _ in records[0]] == _expected_lines(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(b"1 go\x00od\n0 bad\n", "binary file (NUL byte at offset 4)"), (b"1 good\r0 bad\r", "lone \\r")],
)
def test_every_reader_refuses_a_binary_or_lone_cr_file_alike(saved_model, capsys, monkeypatch, tmp_path, raw, reason):
    """predict (stdin, --input, --output), evaluate and train read one file the same way: refused, exit 2."""
    source = tmp_path / "in.txt"
    source.write_bytes(raw)
    stdin = io.TextIOWrapper(io.BytesIO(raw))
    monkeypatch.setattr(stdin, "isatty", lambda: False)
    monkeypatch.setattr(sys, "stdin", stdin)
    runs = [
        run_cli(capsys, "predict", saved_model),
        run_cli(capsys, "predict", saved_model, "--input", source),
        run_cli(capsys, "predict", saved_model, "--input", source, "--output", tmp_path / "out.txt"),
        run_cli(capsys, "evaluate", saved_model, source),
        run_cli(capsys, "train", source, "-o", tmp_path / "model"),
    ]
    assert [(code, reason in err) for code, _, err in runs] == [(2, True)] * 5
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.txt"]
