"""Hostile input for property tests and the longer fuzz run (benchmarks/fuzz.py): strategies and the checks.

Texts: every code point (lone surrogates and control characters included), pieces known to break
text tools (NUL, RTL overrides, BOM, line and paragraph separators, ZWJ emoji, combining marks,
escape sequences, quotes), empty and whitespace-only strings. Files: CSV / TSV / JSONL / fastText /
LABEL TEXT rows made of such texts, with unbalanced quotes and each line in its own encoding.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import strategies as st

from convtext import load, read_labeled
from convtext._errors import ConvtextError, DataError

PIECES = [
    "\x00", "\u200f", "\u202e", "\u202c", "\ufeff", "\u2028", "\u2029", "\u0085", "\r\n", "\r", "\n", "\t", "\x1b[31m",
    "👨‍👩‍👧‍👦", "👍🏽", "🇺🇦", "e\u0301", "Фильм", "отличный", "مرحبا", "שלום", "中文", "\ud800", "\udfff", " ", "\u00a0",
    "\u3000", '"', "'", ",", ";", "\\", "__label__", "{", "}", "[", "<", ">", "&", "\\u0000", "\x7f", "\U0010ffff",
]  # fmt: skip
WHITESPACE = ["", " ", "\t\t", "\u3000\u00a0", "\n", "\u2028"]

hostile_text = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80),  # any code point
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=25).map("".join),
    st.sampled_from(WHITESPACE),
)
CONFIG_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 10**12, 2**31, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.lists(st.one_of(st.integers(-3, 10**9), st.text(max_size=2)), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip
MODEL_SETTINGS = ["vocab_size", "num_classes", "embed_dim", "kernel_sizes", "num_filters", "dropout", "embed_dropout",
                  "activation", "embedding_mode", "pad_id", "members", "architecture"]  # fmt: skip
CARD_SETTINGS = ["labels", "max_length", "multi_label", "thresholds", "format", "task", "output_dim"]
LABELS = st.sampled_from(["pos", "neg", "0", "1", "метка", "👍", "a b", ""])
ENCODINGS = ["utf-8", "cp1251", "latin-1", "utf-16"]


def _encode(line: str, encoding: str) -> bytes:
    """The line's bytes in ``encoding``; what it cannot hold becomes '?' (UTF-8 keeps lone surrogates as raw bytes)."""
    return line.encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace")


def _csv_cell(text: str, separator: str, balanced: bool) -> str:
    quoted = '"' + text.replace('"', '""') + ('"' if balanced else "")
    return quoted if separator in text or '"' in text or not balanced else text


@st.composite
def hostile_file(draw) -> tuple[str, bytes]:
    """``(file name, content)``: a labelled file of any format, hostile rows, unbalanced quotes, mixed encodings."""
    kind = draw(st.sampled_from(["csv", "tsv", "jsonl", "fasttext", "label-text"]))
    rows = draw(st.lists(st.tuples(LABELS, hostile_text, st.booleans()), max_size=8))
    lines = []
    if kind in ("csv", "tsv"):
        separator = "," if kind == "csv" else "\t"
        lines.append(separator.join(["text", "label"]))
        lines += [separator.join([_csv_cell(text, separator, balanced), label]) for label, text, balanced in rows]
    elif kind == "jsonl":
        lines += [json.dumps({"text": text, "label": label}) if ok else '{"text": "' + text for label, text, ok in rows]
    elif kind == "fasttext":
        lines += [f"__label__{label} {text}" for label, text, _ in rows]
    else:
        lines += [f"{label} {text}" for label, text, _ in rows]
    encodings = draw(st.lists(st.sampled_from(ENCODINGS), min_size=len(lines), max_size=len(lines)))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    content = b"".join(_encode(line + newline, encoding) for line, encoding in zip(lines, encodings))
    suffix = {"fasttext": "txt", "label-text": "all"}.get(kind, kind)
    return f"data.{suffix}", content


def check_reader(path: Path) -> int:
    """Reading gives rows (each with text and labels) or one DataError line — never another exception.

    Returns the number of rows read."""
    try:
        data = read_labeled(path)
    except DataError as error:
        assert str(error) and "\n" not in str(error), repr(str(error))
        return 0
    assert len(data.texts) == len(data.label_sets) > 0
    assert all(isinstance(text, str) and text for text in data.texts)
    return len(data.texts)


def check_tokenizer(tokenizer, text: str) -> None:
    """Ids inside the vocabulary, one span per id, decoding to a string."""
    ids = tokenizer.encode(text)
    assert all(0 <= i < tokenizer.vocab_size for i in ids)
    assert len(tokenizer.tokens(text)) == len(ids)
    assert isinstance(tokenizer.decode(ids), str)


def check_classifier(classifier, texts: list[str]) -> None:
    """One label and a probability row summing to 1 per text; every text explains (contributions add up)."""
    labels = classifier.predict(texts)
    probabilities = classifier.predict_proba(texts)
    assert len(labels) == len(texts) == len(probabilities)
    assert all(abs(row.sum() - 1) < 1e-4 for row in probabilities)
    for text in texts:
        assert classifier.explain(text).label in classifier.classes_


def check_service(client, texts: list[str], max_chars: int) -> None:
    """``/predict`` answers 200 with one prediction per text, or 413 for a text over the limit — never a 500."""
    body = json.dumps({"texts": texts, "explain": True, "top_k": 2})  # ASCII JSON: lone surrogates as \\ud800 escapes
    response = client.post("/predict", content=body, headers={"content-type": "application/json"})
    if any(len(text) > max_chars for text in texts):
        assert response.status_code == 413 and "characters" in response.json()["error"]
        return
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == len(texts)


def check_tampered_config(saved: Path, workdir: Path, section: str | None, key: str, value: object) -> None:
    """A copy of model folder ``saved`` with ``config[section][key] = value`` loads and predicts, or is one
    ConvtextError line — never another exception."""
    folder = workdir / "tampered"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(saved, folder)
    config = json.loads((folder / "config.json").read_text())
    (config[section] if section else config)[key] = value
    (folder / "config.json").write_text(json.dumps(config))
    try:
        load(folder).predict(["good film"])
    except ConvtextError as error:
        assert str(error) and "\n" not in str(error), repr(str(error))
