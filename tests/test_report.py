"""The per-label report (issue 33): `convtext evaluate --report` writes one self-contained HTML page (or JSON) with the
per-label scores, the confusion matrix, calibration, the worst slices and the most confident errors with their
deciding n-grams — opened here in headless Chromium with the network cut off."""

import json
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import run_cli, toy_texts

from convtext import TextClassifier
from convtext.report import report_contents, slices


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


HOSTILE = '<script>alert(1)</script> boring фильм 👎 & "quotes"'


@pytest.fixture(scope="module")
def scored(tmp_path_factory, trained):
    """The shared toy model saved, and a labelled file it gets partly wrong (flipped labels, a hostile text)."""
    folder = trained.save(tmp_path_factory.mktemp("report") / "model")
    texts, labels = toy_texts(200, seed=7)
    labels = [("neg" if label == "pos" else "pos") if i % 6 == 0 else label for i, label in enumerate(labels)]
    texts[0], labels[0] = HOSTILE, "pos"  # surely negative, labelled positive: among the surest errors
    data = folder.parent / "scored.jsonl"
    rows = [json.dumps({"text": x, "label": y}, ensure_ascii=False) for x, y in zip(texts, labels)]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder, data, texts, labels


def test_slices_are_sorted_worst_first_and_cover_every_text():
    lengths = np.array([3, 3, 4, 5, 8, 9, 12, 20, 21, 30])
    right = np.array([1, 1, 1, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
    labels = ["a", "b"] * 5
    found = slices(lengths, labels, right, ["a", "b"], False)
    assert sum(s["n"] for s in found["length"]) == 10
    assert [s["accuracy"] for s in found["length"]] == sorted(s["accuracy"] for s in found["length"])
    assert found["length"][0]["accuracy"] == 0.0 and found["length"][-1]["accuracy"] == 1.0
    assert {s["slice"]: s["n"] for s in found["label"]} == {"a": 5, "b": 5}


def test_confident_errors_are_wrong_surest_first_and_explained(trained, scored):
    _, _, texts, labels = scored
    contents = report_contents(trained, texts, labels, lambda text: trained.explain(text, top=3), errors=10)
    errors = contents["confident_errors"]
    predicted = trained.predict([e["text"] for e in errors])
    assert errors and all(p != e["gold"][0] and p == e["label"] for p, e in zip(predicted, errors))
    assert [e["probability"] for e in errors] == sorted((e["probability"] for e in errors), reverse=True)
    wrong = [max(p) for p, y, g in zip(trained.predict_proba(texts), trained.predict(texts), labels) if y != g]
    assert errors[0]["probability"] == pytest.approx(max(wrong), abs=1e-6)
    for error in errors:
        assert 1 <= len(error["ngrams"]) <= 3
        assert all(e["contribution"] >= n["contribution"] for e, n in zip(error["ngrams"], error["ngrams"][1:]))


def test_the_html_report_is_self_contained_and_escapes_every_text(scored, tmp_path, capsys):
    folder, data, _, _ = scored
    page = tmp_path / "out" / "report.html"
    code, _, err = run_cli(capsys, "evaluate", folder, data, "--allow-seen", "--report", page, "--errors", "15")
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    parsed = Tags()
    parsed.feed(html)
    names = [tag for tag, _ in parsed.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert not any(
        value and "://" in value for _, attrs in parsed.tags for key, value in attrs.items() if key != "xmlns"
    )
    text = "".join(parsed.text)
    for heading in ("Per label", "Confusion matrix", "Calibration", "Where it does worst", "Most confident errors"):
        assert heading in text
    assert HOSTILE in text  # the hostile text shown as text, escaped, with its Cyrillic and emoji
    assert names.count("mark") >= 15 and "svg" in names  # deciding n-grams marked; the reliability diagram inline


def test_the_report_opens_offline_in_chromium(scored, tmp_path, capsys, browser):
    folder, data, _, _ = scored
    page_file = tmp_path / "report.html"
    assert run_cli(capsys, "evaluate", folder, data, "--allow-seen", "--report", page_file)[0] == 0
    page = browser.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_file.as_uri())
    assert page.locator("h2").all_inner_texts()[:2] == ["Per label (lowest F1 first)", "Confusion matrix"]
    assert page.locator("mark").count() >= 5 and "👎" in page.inner_text("body")
    assert requests == [page_file.as_uri()]  # nothing else fetched
    page.close()


def test_json_report_and_json_output_hold_the_same_errors(scored, tmp_path, capsys):
    folder, data, _, _ = scored
    written = tmp_path / "report.json"
    code, out, err = run_cli(capsys, "evaluate", folder, data, "--allow-seen", "--report", written, "--json")
    assert code == 0, err
    printed, saved = json.loads(out), json.loads(written.read_text(encoding="utf-8"))
    assert printed["confident_errors"] == saved["confident_errors"] and len(saved["confident_errors"]) == 20
    assert {"length", "label"} <= set(saved["slices"]) and "calibration" in saved


def test_a_report_path_that_is_a_folder_is_refused_before_any_work(scored, tmp_path, capsys):
    folder, data, _, _ = scored
    code, _, err = run_cli(capsys, "evaluate", folder, data, "--allow-seen", "--report", tmp_path)
    assert code == 2 and "is a folder" in err


def test_multi_label_errors_name_the_label_most_surely_wrong(tmp_path):
    texts, labels = toy_texts(400, seed=3)
    tags = [[label] if i % 3 else [label, "long"] for i, label in enumerate(labels)]
    tagger = TextClassifier(multi_label=True, embeddings="random", members=1, epochs=3, embed_dim=16,
                            num_filters=16, threads=1, lr=0.01, seed=0).fit(texts, tags)  # fmt: skip
    contents = report_contents(tagger, texts[:200], tags[:200], None, errors=5)
    probabilities = tagger.predict_proba(texts[:200])
    for error in contents["confident_errors"]:
        row = texts.index(error["text"])
        column = tagger.classes_.index(error["label"])
        decided = probabilities[row, column] >= tagger.thresholds_[column]
        assert decided != (error["label"] in error["gold"])  # that label's decision is the wrong one
        assert "ngrams" not in error
    assert {s["slice"] for s in contents["slices"]["label"]} == {"pos", "neg", "long"}
