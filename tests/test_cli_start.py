"""The command line starts without PyTorch for the verbs that do not need a model (issue 31, fast start)."""

import subprocess
import sys

import pytest
from conftest import KIM

PROBE = """
import sys
from convtext.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    assert not stop.code, stop.code
print(sorted(m for m in ("torch", "sklearn", "scipy", "transformers", "safetensors") if m in sys.modules))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["models", "--help"],
        ["data", "inspect", str(KIM / "TREC.test.all"), "--examples", "0"],
        ["bpe", "explain", "--words", "hug:10,pug:5,pun:12", "--merges", "2"],
        ["tokenizer", "--help"],
    ],
)
def test_light_verbs_import_no_heavy_library(args):
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_root_help_lists_every_verb_and_a_verb_runs_as_before(capsys):
    from conftest import run_cli

    from convtext.cli._lazy import VERBS

    code, out, _ = run_cli(capsys, "--help")
    assert code == 0 and all(f" {name} " in out for name in VERBS)
    code, _, err = run_cli(capsys, "tarin")
    assert code == 2 and "No such command" in err


def test_the_package_imports_its_names_on_first_use():
    probe = "import sys, convtext; print('torch' in sys.modules); print(all(getattr(convtext, n) for n in convtext.__all__))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "True"], done.stderr
