"""The package's layers import one way and keep their private modules to themselves (import-linter, pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 kept, 0 broken" in done.stdout


def test_private_import_rule_names_the_owner():
    sys.path.insert(0, str(ROOT))
    from tests.import_contracts import owner

    assert owner("convtext.train._engine") == "convtext.train"
    assert owner("convtext._errors") == "convtext"
    assert owner("convtext.models.text_cnn") is None
