"""Shared test fixtures: the Kim 2014 files bundled in data/kim2014 (copied from the course's shared data)."""

from pathlib import Path

import pytest

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
