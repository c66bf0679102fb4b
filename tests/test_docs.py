"""The documentation: the site builds with `mkdocs build --strict` (no broken link, no missing page; the CLI
reference generated from the commands' own help), and the README stays a short front door whose links resolve."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_site_builds_strictly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    cli = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "convtext serve" in cli and "--request-timeout-s" in cli  # generated from the commands themselves
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "TextClassifier" in api and "predict_proba" in api


def test_the_readme_is_short_and_its_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert readme.split("## ")[1].startswith("Two commands for a fresh machine\n\n```\nmake demo\nmake test\n```")
    targets = [target for target in re.findall(r"\]\(([^)#\s]+)", readme) if "://" not in target]
    assert targets and [target for target in targets if not (ROOT / target).exists()] == []
