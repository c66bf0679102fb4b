"""Merge the JSON files of several partial suite runs (e.g. one per set group, run in parallel) into one table.

Run: python benchmarks/merge_suite.py --benchmark architectures --name architectures_char --note "..." runs/char_*.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from _kim import SET_NAMES, SetResult, published_rows, suite_row, wall_section
from _report import results_folder, write_results
from architectures import SYSTEMS
from kim2014 import LABELS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "files", nargs="+", type=Path, help="JSON files written by architectures.py or kim2014.py runs."
    )
    parser.add_argument(
        "--benchmark", required=True, choices=["kim2014", "architectures"], help="Whose results folder to write to."
    )
    parser.add_argument("--name", required=True, help="Results file name (in benchmarks/results/BENCHMARK).")
    parser.add_argument("--note", action="append", default=[], help="A note line for the table (repeatable).")
    parser.add_argument(
        "--rename", action="append", default=[], metavar="FILE:OLD=NEW",
        help="Read system OLD of the file named FILE as system NEW (a row measured before a default changed).",
    )  # fmt: skip
    args = parser.parse_args()
    renames = {}
    for rule in args.rename:
        file_name, _, pair = rule.partition(":")
        old, _, new = pair.partition("=")
        if not (file_name and old and new):
            parser.error(f"--rename {rule!r}: write FILE:OLD=NEW, e.g. kim2014_convtext.json:convtext=convtext_single")
        renames[file_name, old] = new
    runs: dict[str, dict[str, SetResult]] = {}
    commands, machines = [], set()
    for path in args.files:
        payload = json.loads(path.read_text(encoding="utf-8"))
        commands.append(payload["command"])
        env = payload["environment"]
        machines.add(
            f"{env['cores']} cores, Python {env['python']}, "
            + ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        )
        for system, sets in payload["runs"].items():
            system = renames.get((path.name, system), system)
            runs.setdefault(system, {}).update({name: SetResult(**result) for name, result in sets.items()})
    labels = {**{name: label for name, (label, _) in SYSTEMS.items()}, **LABELS}  # architectures.py and kim2014.py
    columns = ["system", *SET_NAMES, "mean", "train s (median)", "predict texts/s (median)"]
    rows = [suite_row(labels[system], sets) for system, sets in runs.items()] + published_rows(len(columns))
    counts = {system: sum(len(r.accuracies) for r in sets.values()) for system, sets in runs.items()}
    notes = [*args.note, f"Merged from: {'; '.join(f'`{c}`' for c in commands)}.",
             f"Runs per system: {counts}; machines: {' | '.join(sorted(machines))}."]  # fmt: skip
    extra = {"runs": {s: {n: vars(r) for n, r in sets.items()} for s, sets in runs.items()}, "merged": commands}
    print(
        write_results(
            args.name, columns, rows, notes, extra, wall_section(labels, runs), results_folder(args.benchmark)
        ).read_text()
    )
    print({s: statistics.median(x for r in sets.values() for x in r.train_seconds) for s, sets in runs.items()})


if __name__ == "__main__":
    main()
