"""The web page of `convtext serve` in a real browser (Debian's Chromium, driven by Playwright): what it shows must
be what the API answers — labels, probabilities, every token's contribution, the n-grams adding up to the logit.

`make test` installs Chromium; set CONVTEXT_SCREENSHOTS=docs/images to refresh the README's screenshots."""

import os
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from conftest import free_port, toy_texts

from convtext import TextClassifier
from convtext.serve import create_app

RUSSIAN, ENGLISH = "фильм просто отлично 👍 и актёры", "the plot was boring and awful but the actors were great"


@pytest.fixture(scope="module")
def service(trained):
    texts, labels = toy_texts(240)
    tags = [[label] if i % 3 else [label, "long"] for i, label in enumerate(labels)]
    tagger = TextClassifier(multi_label=True, embeddings="random", members=1, epochs=3, embed_dim=16,
                            num_filters=16, threads=1, lr=0.01, seed=0).fit(texts, tags)  # fmt: skip
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app({"reviews": trained, "tags": tagger}), port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser, service):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("request", lambda request: request.url.startswith(service) or problems.append(f"left: {request.url}"))
    page.goto(service + "/")
    page.wait_for_selector("body[data-ready=true]")
    yield page
    page.close()
    assert not problems, problems  # no script error, no failed load, nothing fetched from elsewhere


def _screenshot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("CONVTEXT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)
    assert (folder / name).stat().st_size > 10_000


def _classify(page, text: str) -> None:
    page.fill("#text", text)
    page.click("#classify button[type=submit]")
    page.wait_for_function(
        "(t) => !document.getElementById('result').hidden && document.body.dataset.shown === t", arg=text
    )


def _shown(page) -> dict:
    """What the page shows: the label, each token's value, and the n-gram table's rows."""
    return page.evaluate("""() => ({
        label: document.getElementById('label').textContent,
        tokens: [...document.querySelectorAll('#highlighted mark')].map(m => [m.textContent, Number(m.dataset.value)]),
        text: document.getElementById('highlighted').textContent,
        rows: [...document.querySelectorAll('#ngrams tbody tr')].map(r => [r.cells[0].textContent, Number(r.cells[1].dataset.value)]),
        logit: Number(document.querySelector('#ngrams tfoot td:last-child').dataset.value),
        caption: document.querySelector('#ngrams caption').textContent,
    })""")


def _check_against_api(shown: dict, expected: dict, label: str) -> None:
    shares = expected["contributions"][label]
    tokens = [(s["text"] or expected["tokens"][s["tokens"][0]], sum(shares[t] for t in s["tokens"]))
              for s in expected["segments"] if s["tokens"]]  # fmt: skip
    assert [text for text, _ in shown["tokens"]] == [text for text, _ in tokens]
    assert all(abs(a - b) < 1e-5 for (_, a), (_, b) in zip(shown["tokens"], tokens))
    ngrams = expected["ngrams"][label]
    assert [row[0] for row in shown["rows"][: len(ngrams)]] == [item["ngram"] for item in ngrams]
    assert shown["rows"][-1][0] == "bias" and shown["logit"] == pytest.approx(expected["logits"][label], abs=1e-6)
    assert sum(value for _, value in shown["rows"]) == pytest.approx(shown["logit"], abs=1e-4)  # visibly adds up
    assert label in shown["caption"]


def test_the_page_shows_what_the_api_answers_in_russian_and_english(page, service, tmp_path):
    for text in (RUSSIAN, ENGLISH):
        _classify(page, text)
        expected = httpx.post(service + "/explain", json={"text": text, "model": "reviews"}).json()
        shown = _shown(page)
        assert shown["label"] == expected["label"]
        assert "".join(token for token, _ in shown["tokens"] if token not in ("<s>", "</s>")).replace(" ", "") in text.replace(" ", "")  # fmt: skip
        _check_against_api(shown, expected, expected["label"])
        bars = page.eval_on_selector_all(
            "#bars [role=meter]", "ms => ms.map(m => Number(m.getAttribute('aria-valuenow')))"
        )
        assert sorted(bars, reverse=True) == pytest.approx(sorted(expected["probabilities"].values(), reverse=True), abs=1e-4)  # fmt: skip
        if text == RUSSIAN:
            _screenshot(page, tmp_path, "page.png")
    other = next(label for label in ("neg", "pos") if label != expected["label"])
    page.check(f"#class-choices input[value={other}]")  # the toggle: the same text, coloured for the other class
    _check_against_api(_shown(page), expected, other)


def test_a_file_of_texts_is_classified_line_by_line(page, service, tmp_path):
    lines = [RUSSIAN, "", ENGLISH, "שלום good 👍", "   ", "ужасно скучно"]
    file = tmp_path / "reviews.txt"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_input_files("#file", str(file))
    page.wait_for_selector("#file-results:not([hidden]) tbody tr")
    rows = page.eval_on_selector_all(
        "#file-results tbody tr", "rs => rs.map(r => [r.cells[1].textContent, r.cells[2].textContent])"
    )
    texts = [line for line in lines if line.strip()]
    expected = httpx.post(service + "/predict", json={"texts": texts, "model": "reviews"}).json()["predictions"]
    assert rows == [[text, answer["label"]] for text, answer in zip(texts, expected)]
    assert "2 empty lines skipped" in page.text_content("#file-status")
    page.click("#file-results tbody tr:nth-child(4) button")  # explain one of them: it goes into the text box
    page.wait_for_function("() => document.body.dataset.shown === 'ужасно скучно'")
    assert page.text_content("#label") == expected[3]["label"]


def test_keyboard_only_a_second_model_and_a_phone_screen(page, service, tmp_path):
    page.keyboard.press("Tab")  # the model selector (two models), then the text box
    assert page.evaluate("document.activeElement.id") == "model"
    page.keyboard.press("ArrowDown")  # the second model: the multi-label tagger
    page.wait_for_function("() => document.querySelector('#card dd').textContent.includes('long')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type(ENGLISH)
    page.keyboard.press("Control+Enter")
    page.wait_for_function("(t) => document.body.dataset.shown === t", arg=ENGLISH)
    expected = httpx.post(service + "/explain", json={"text": ENGLISH, "model": "tags"}).json()
    assert page.text_content("#label") == (", ".join(expected["labels"]) or "(no label above its threshold)")
    assert page.locator("#bars .threshold").count() == 3  # each label's threshold is marked
    page.focus(f"#class-choices input[value={expected['label']}]")
    page.keyboard.press("ArrowRight")  # radio buttons: the arrow keys pick another class
    chosen = page.evaluate("document.querySelector('#class-choices input:checked').value")
    assert chosen != expected["label"]
    _check_against_api(_shown(page), expected, chosen)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than a phone's screen
    _screenshot(page, tmp_path, "page-phone.png")
