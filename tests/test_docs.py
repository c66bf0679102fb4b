"""The documentation: the site builds with `mkdocs build --strict` in English and Russian (no broken link, no
missing page; the course's code runs and its asserts hold; the CLI reference is generated from the commands' own
help), and the README stays a short front door whose links resolve."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_problems(log: str) -> str:
    """The build's warnings with what follows each (a failed code block's code and traceback), not its chatter."""
    kept, keeping = [], False
    for line in log.splitlines():
        if line.startswith(("WARNING", "ERROR", "INFO", "DEBUG")):
            keeping = line.startswith(("WARNING", "ERROR"))
        if keeping:
            kept.append(line)
    return "\n".join(kept)[-6000:] or log[-3000:]


def test_the_site_builds_strictly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, build_problems(done.stderr)
    cli = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "convtext serve" in cli and "--request-timeout-s" in cli  # generated from the commands themselves
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "TextClassifier" in api and "predict_proba" in api
    for language in ("", "ru/"):  # every course page in both languages, with what its code printed
        bpe = (tmp_path / "site" / f"{language}course" / "03-bpe" / "index.html").read_text(encoding="utf-8")
        assert "merge 1: u + g -&gt; ug" in bpe and "▁грусть" in bpe  # the toy corpus, then Russian CEDR
    assert "Свёртка над текстом" in (tmp_path / "site" / "ru" / "course" / "04-convolution" / "index.html").read_text()


def test_every_course_page_has_a_russian_twin_with_the_same_code():
    pages = sorted(path for path in (ROOT / "docs" / "course").glob("*.md") if not path.name.endswith(".ru.md"))
    assert len(pages) >= 4
    blocks = lambda path: re.findall(r"```python.*?```", path.read_text(encoding="utf-8"), re.S)  # noqa: E731
    for page in pages:
        twin = page.with_suffix(".ru.md")
        assert twin.exists(), f"{page.name} has no Russian version"
        assert blocks(twin) == blocks(page), f"{twin.name}: its code differs from {page.name}'s"


def test_the_readme_is_short_and_its_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert readme.split("## ")[1].startswith("Two commands for a fresh machine\n\n```\nmake demo\nmake test\n```")
    targets = [target for target in re.findall(r"\]\(([^)#\s]+)", readme) if "://" not in target]
    assert targets and [target for target in targets if not (ROOT / target).exists()] == []
