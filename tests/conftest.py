"""Shared test fixtures: the Kim 2014 files bundled in data/kim2014 (copied from the course's shared data)."""

import os
import shutil
import socket
from pathlib import Path

import pytest


def free_port() -> int:
    """A loopback port nothing listens on now (for a test's own server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """Run the convtext command in-process: ``(exit code, stdout, stderr)``."""
    from convtext.cli import main

    with pytest.raises(SystemExit) as done:
        main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return done.value.code or 0, out, err


KIM = Path(__file__).resolve().parents[1] / "data" / "kim2014"


@pytest.fixture
def kim() -> Path:
    return KIM


@pytest.fixture
def write(tmp_path):
    """Write bytes or text to a file in a temp folder; returns its path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


POSITIVE = ["good", "great", "отлично", "👍", "superb"]
NEGATIVE = ["bad", "awful", "ужасно", "👎", "boring"]
FILLER = ["the", "film", "фильм", "was", "and", "plot", "very", "a", "actors", "it"]


def toy_texts(count: int = 300, seed: int = 0) -> tuple[list[str], list[str]]:
    """A small, learnable two-class set in mixed scripts: sentiment words among filler words."""
    import random

    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(count):
        label = "pos" if i % 2 else "neg"
        words = rng.choices(FILLER, k=rng.randint(2, 12))
        for _ in range(rng.randint(1, 2)):
            words.insert(rng.randint(0, len(words)), rng.choice(POSITIVE if label == "pos" else NEGATIVE))
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def toy():
    return toy_texts()


@pytest.fixture(scope="session")
def trained(toy):
    """A classifier trained once on the toy set (seconds), shared by read-only tests."""
    from convtext import TextClassifier

    texts, labels = toy
    return TextClassifier(epochs=8, lr=0.01, num_filters=16, embed_dim=16, threads=1, seed=0, device="cpu").fit(
        texts, labels
    )


def write_rows(path: Path, data) -> Path:
    """Write ``LabeledTexts`` as ``LABEL TEXT`` lines (the Kim files' format); returns ``path``."""
    path.write_text("".join(f"{label} {text}\n" for text, label in zip(data.texts, data.labels)), encoding="utf-8")
    return path


def write_csv(path: Path, texts, labels) -> Path:
    """Write texts and labels as a CSV file with a ``text,label`` header; returns ``path``."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels))
    return path


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]  # fmt: skip: without the network flags Chromium keeps trying hosts this offline machine cannot reach


def _chromium() -> str:
    found = os.environ.get("CONVTEXT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (the web page's and the report's tests); per module, so its event
    loop is gone before other modules run asyncio."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
