"""Compare two runs of kim2014.py --quick and classifier.py (their JSON in BEFORE and AFTER folders): convtext's accuracies, exactly.

Run: python benchmarks/compare_runs.py BEFORE_DIR AFTER_DIR   (each holding kim2014_quick_check.json and classifier.json)
"""

import json
import sys
from pathlib import Path


def kim(path):
    runs = json.load(open(path))["runs"]
    return {
        (system, s): r["accuracies"]
        for system, sets in runs.items()
        for s, r in sets.items()
        if system.startswith("convtext")
    }


def classifier(path):
    runs = json.load(open(path))["runs"]
    return {(s, system): [r["accuracy"] for r in rs] for s, systems in runs.items() for system, rs in systems.items()}


def generic(path):
    data = json.load(open(path))
    key = "scores" if "scores" in data else "runs"
    return data[key]


def lines(name, base, after):
    out = [f"### {name}", "", "| what | before | after | identical |", "|---|---|---|---|"]
    for key in base:
        if key not in after:
            continue
        b, a = base[key], after[key]
        fmt = lambda v: (
            ", ".join(f"{x * 100:.2f}" if isinstance(x, float) and x <= 1 else str(x) for x in v)
            if isinstance(v, list)
            else str(v)
        )
        out.append(
            f"| {' '.join(map(str, key)) if isinstance(key, tuple) else key} | {fmt(b)} | {fmt(a)} | {'yes' if b == a else '**no**'} |"
        )
    return out


if __name__ == "__main__":
    base, after = Path(sys.argv[1]), Path(sys.argv[2])
    report = []
    report += lines(
        "kim2014.py --quick (convtext rows)",
        kim(base / "kim2014_quick_check.json"),
        kim(after / "kim2014_quick_check.json"),
    )
    report += [""] + lines(
        "classifier.py --seeds 1", classifier(base / "classifier.json"), classifier(after / "classifier.json")
    )
    print("\n".join(report))
