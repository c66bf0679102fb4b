"""Compare two runs of the benchmarks a refactor could move (their JSON in BEFORE and AFTER folders): kim2014.py
--quick, classifier.py, and where present distill.py (distill_trec_check.json) and domain.py (domain_check.json);
accuracies compared exactly, as stored.

Run: python benchmarks/compare_runs.py BEFORE_DIR AFTER_DIR
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


def distill(path):
    runs = json.load(open(path))["runs"]
    return {
        (s, student): [r["accuracy"] for r in rs] for s, run in runs.items() for student, rs in run["results"].items()
    }


def domain(path):
    scores = json.load(open(path))["scores"]
    return {
        (system, pair): [a / 100 for a in accuracies]
        for system, pairs in scores.items()
        for pair, accuracies in pairs.items()
    }


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
    for name, read, title in (("distill_trec_check.json", distill, "distill.py --sets TREC --runs 1"),
                              ("domain_check.json", domain, "domain.py --pairs B→D --folds 1")):  # fmt: skip
        if (base / name).is_file() and (after / name).is_file():
            report += [""] + lines(title, read(base / name), read(after / name))
    print("\n".join(report))
