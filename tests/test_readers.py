"""Readers: every format, the real Kim 2014 files with exact counts, encodings, the NEL trap, errors."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convtext import DataError, read_labeled, read_texts

# file: (rows kept, {label: rows}, skipped, encoding)
KIM_FILES = {
    "rt-polarity.all": (10662, {"0": 5331, "1": 5331}, 0, "cp1252"),
    "subj.all": (10000, {"0": 5000, "1": 5000}, 0, "cp1252"),
    "custrev.all": (3771, {"0": 1366, "1": 2405}, 4, "utf-8"),
    "mpqa.all": (10603, {"0": 7292, "1": 3311}, 3, "utf-8"),
    "TREC.train.all": (5452, {"0": 1162, "1": 1250, "2": 86, "3": 1223, "4": 835, "5": 896}, 0, "cp1252"),
    "TREC.test.all": (500, {"0": 138, "1": 94, "2": 9, "3": 65, "4": 81, "5": 113}, 0, "utf-8"),
    "stsa.binary.train": (6920, {"0": 3310, "1": 3610}, 0, "utf-8"),
    "stsa.binary.dev": (872, {"0": 428, "1": 444}, 0, "utf-8"),
    "stsa.binary.test": (1821, {"0": 912, "1": 909}, 0, "utf-8"),
    "stsa.fine.train": (8544, {"0": 1092, "1": 2218, "2": 1624, "3": 2322, "4": 1288}, 0, "utf-8"),
    "stsa.fine.dev": (1101, {"0": 139, "1": 289, "2": 229, "3": 279, "4": 165}, 0, "utf-8"),
    "stsa.fine.test": (2210, {"0": 279, "1": 633, "2": 389, "3": 510, "4": 399}, 0, "utf-8"),
}


@pytest.mark.parametrize("name", sorted(KIM_FILES))
def test_kim_files_exact_counts(kim, name):
    rows, counts, skipped, encoding = KIM_FILES[name]
    data = read_labeled(kim / name)
    assert data.format == "label-text"
    assert len(data) == rows
    assert data.label_counts() == counts
    assert len(data.skipped) == skipped
    assert data.encoding == encoding


def test_custrev_lines_without_text_are_reported(kim, caplog):
    data = read_labeled(kim / "custrev.all")
    assert [row.line for row in data.skipped] == [769, 1368, 3691, 3775]
    assert {row.reason for row in data.skipped} == {"without text"}
    assert "skipped 4" in caplog.text and "769" in caplog.text


def test_nel_inside_a_line_never_splits_it(kim):
    """rt-polarity.all has 0x85 bytes inside lines; splitting there would shift labels."""
    data = read_labeled(kim / "rt-polarity.all")
    assert all(text.strip() and label in {"0", "1"} for text, label in zip(data.texts, data.labels))
    assert sum("…" in text for text in data.texts) > 0  # 0x85 in Windows-1252 is an ellipsis


def test_unicode_line_separators_stay_inside_text(write):
    path = write("nel.txt", "pos caf\u00e9\u0085more\u2028still one line\nneg second\u2029row\r\nneg third\n")
    data = read_labeled(path)
    assert data.labels == ["pos", "neg", "neg"]
    assert data.texts[0] == "caf\u00e9\u0085more\u2028still one line"


def test_latin1_bytes_fall_back_per_file(write):
    path = write("latin.txt", b"1 na\xefve caf\xe9 \x85 ok\n0 plain\n")
    data = read_labeled(path)
    assert data.encoding == "cp1252"
    assert data.texts[0] == "naïve café … ok"


def test_undefined_windows_1252_bytes_fall_back_to_latin1(write):
    data = read_labeled(write("odd.txt", b"1 odd \x81 byte\n0 fine\n"))
    assert data.encoding == "latin-1" and data.texts[0] == "odd \x81 byte"


def test_each_line_is_decoded_on_its_own(write):
    """A UTF-8 line next to a Windows-1252 one: each keeps its own text (a whole-file decode made mojibake)."""
    data = read_labeled(write("mixed.txt", "pos фильм café\n".encode() + b"neg caf\xe9 bad\r\npos good\rfilm\n"))
    assert data.texts == ["фильм café", "café bad", "good\rfilm"] and data.labels == ["pos", "neg", "pos"]
    assert data.encoding == "cp1252"


def test_a_file_whose_lines_end_at_a_lone_carriage_return_is_refused_with_the_fix(write):
    with pytest.raises(DataError, match=r"lone \\r.*tr '\\r' '\\n'"):
        read_labeled(write("mac.txt", b"pos good\rneg bad\r"))


def test_csv_with_quotes_newlines_cyrillic_and_emoji(write):
    path = write(
        "reviews.csv",
        'id,text,label\n1,"Отличный фильм, 👍🏽",pos\n2,"two\nlines, ""quoted""",neg\n3,,neg\n4,no label,\n',
    )
    data = read_labeled(path)
    assert data.format == "csv"
    assert data.texts == ["Отличный фильм, 👍🏽", 'two\nlines, "quoted"']
    assert data.labels == ["pos", "neg"]
    assert sorted(row.reason for row in data.skipped) == ["without a label", "without text"]


def test_csv_custom_columns_and_case_insensitive_header(write):
    path = write("custom.csv", "Review,Stars\ngood,5\nbad,1\n")
    data = read_labeled(path, text_col="review", label_col="stars")
    assert data.labels == ["5", "1"]


def test_tsv_does_not_let_a_stray_quote_eat_rows(write):
    path = write("data.tsv", 'text\tlabel\nhe said "hi\tpos\nnext row\tneg\n')
    data = read_labeled(path)
    assert data.format == "tsv"
    assert data.texts == ['he said "hi', "next row"]


def test_jsonl_labels_as_strings_numbers_and_lists(write):
    path = write(
        "data.jsonl",
        '{"text": "Привет мир", "label": 1}\n{"text": "b", "label": ["x", "y"]}\n'
        'not json\n[1,2]\n{"text": "c", "label": null}\n{"text": "d", "label": 2.0}\n',
    )
    data = read_labeled(path)
    assert data.texts == ["Привет мир", "b", "d"]
    assert data.label_sets == [("1",), ("x", "y"), ("2",)]
    assert data.is_multilabel
    reasons = sorted(row.reason for row in data.skipped)
    assert reasons[0].startswith("invalid JSON") and "not a JSON object" in reasons and "without a label" in reasons
    with pytest.raises(DataError, match="several labels"):
        data.labels


def test_fasttext_format_several_labels(write):
    path = write("train.txt", "__label__pos __label__en great movie\n__label__neg awful\n__label__neg\n")
    data = read_labeled(path)
    assert data.format == "fasttext"
    assert data.label_sets == [("pos", "en"), ("neg",)]
    assert data.texts == ["great movie", "awful"]
    assert [row.reason for row in data.skipped] == ["without text"]


def test_format_override_wins_over_detection(write):
    path = write("data.csv", "pos good, fine\nneg bad, awful\n")
    data = read_labeled(path, format="label-text")
    assert data.labels == ["pos", "neg"] and data.texts == ["good, fine", "bad, awful"]


def test_labels_are_strings_and_order_is_natural(write):
    data = read_labeled(write("n.txt", "10 a\n2 b\n1 c\n"))
    assert data.label_set().labels == ["1", "2", "10"]


def test_corpus_reader_takes_plain_lines(write):
    texts, skipped = read_texts(write("corpus.txt", "Первая строка текста\n\nsecond line here\n"))
    assert texts == ["Первая строка текста", "second line here"]
    assert [row.reason for row in skipped] == ["blank line"]


# -- errors: one line, naming the file and the fix ---------------------------------------


def test_empty_file(write):
    with pytest.raises(DataError, match=r"empty\.txt: the file is empty"):
        read_labeled(write("empty.txt", "  \n"))


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_labeled(tmp_path / "nope.csv")


def test_unknown_column_lists_the_columns_found(write):
    path = write("cols.csv", "sentence,label\nhi,1\n")
    with pytest.raises(DataError, match=r"no column 'text'; columns found: \['sentence', 'label'\] — pass --text-col"):
        read_labeled(path)


def test_unknown_jsonl_key_lists_the_keys_found(write):
    with pytest.raises(DataError, match=r"no column 'label'; columns found: \['text', 'y'\]"):
        read_labeled(write("d.jsonl", '{"text": "a", "y": 1}\n'))


def test_binary_garbage(write):
    with pytest.raises(DataError, match="binary file"):
        read_labeled(write("model.bin", bytes(range(256)) * 4))


def test_one_class_only_is_refused_for_training(write):
    data = read_labeled(write("one.txt", "pos a\npos b\n"))
    with pytest.raises(DataError, match=r"only 1 class \('pos'\).*at least 2"):
        data.require_classes(2)


def test_no_usable_rows(write):
    with pytest.raises(DataError, match="no usable rows"):
        read_labeled(write("labels-only.txt", "1\n0\n1 \n"))


def test_unknown_format(write):
    with pytest.raises(DataError, match="unknown format 'xml'"):
        read_labeled(write("a.txt", "1 a\n"), format="xml")


def test_one_line_messages(write):
    with pytest.raises(DataError) as error:
        read_labeled(write("cols.csv", "sentence,label\nhi,1\n"))
    assert "\n" not in str(error.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300), name=st.sampled_from(["a.csv", "a.tsv", "a.jsonl", "a.txt"]))
def test_any_bytes_give_data_or_a_data_error(write, content, name):
    """Whatever the file holds, the reader returns rows or raises DataError — never another exception."""
    try:
        data = read_labeled(write(name, content))
    except DataError as error:
        assert "\n" not in str(error)
    else:
        assert len(data.texts) == len(data.label_sets) > 0
