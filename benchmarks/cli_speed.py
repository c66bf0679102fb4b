"""The command line as a user meets it: whole processes (start, model load, read, predict, write), medians.

Models trained once on SST-2 train (dev for selection): convtext's defaults (MiniLM input vectors), convtext's
fastest variant (mean_embedding, whitespace tokenizer, random vectors) and fastText wordNgrams=2 (its epoch chosen on
dev). Then, per thread count (OMP_NUM_THREADS and RAYON_NUM_THREADS set for every process, fastText's included):
`convtext --version` and `--help`; `convtext predict DIR "one text"`; `convtext predict DIR --input FILE --output OUT`
and the same printing JSON to stdout, over LINES lines of SST-2 sentences (repeated); fastText's whole process doing
the same job in Python (load the model, read the file, predict every line, write one label per line).

Run: python benchmarks/cli_speed.py [--data ../shared/data] [--threads 1,2] [--lines 100000] [--repeats 5]
     [--name cli_speed]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _kim import alternating_seconds, process_seconds
from _peers import FastTextPeer
from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled

FASTEST = {"architecture": "mean_embedding", "embeddings": "random", "tokenizer": "whitespace"}
FASTTEXT_JOB = """
import sys, fasttext
model = fasttext.load_model(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as source:
    lines = [" ".join(line.split()) for line in source]
labels, _ = model.predict(lines)
with open(sys.argv[3], "w", encoding="utf-8") as out:
    out.write("".join(label[0].removeprefix("__label__") + "\\n" for label in labels))
"""


def train_models(data: Path, work: Path) -> dict[str, Path]:
    """The three models, saved under ``work``."""
    folder = data / "kim2014"
    train, dev = (read_labeled(folder / f"stsa.binary.{split}") for split in ("train", "dev"))
    paths = {"defaults": work / "defaults", "fastest": work / "fastest", "fasttext": work / "fasttext.bin"}
    for key, settings in (("defaults", {}), ("fastest", FASTEST)):
        model = TextClassifier(**settings, seed=0, progress=False).fit(train.texts, train.labels, dev.texts, dev.labels)
        model.save(paths[key])
    FastTextPeer(word_ngrams=2).fit_select(train.texts, train.labels, dev.texts, dev.labels).model_.save_model(
        str(paths["fasttext"])
    )
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--name", default="cli_speed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="convtext-cli-speed-"))
    models = train_models(args.data, work)
    sentences = read_labeled(args.data / "kim2014" / "stsa.binary.test").texts
    inputs = work / "inputs.txt"
    inputs.write_text("\n".join((sentences * (args.lines // len(sentences) + 1))[: args.lines]) + "\n", "utf-8")
    convtext = [sys.executable, "-m", "convtext"]
    rows, raw = [], {}
    for threads in [int(t) for t in args.threads.split(",")]:
        timed = {
            "convtext --version (s)": process_seconds([*convtext, "--version"], threads, args.repeats),
            "convtext --help (s)": process_seconds([*convtext, "--help"], threads, args.repeats),
        }
        files = {}  # the whole-file runs take turns, so that a change of load meets them all alike
        for key in ("defaults", "fastest"):
            model = str(models[key])
            timed[f'{key}: predict DIR "one text" (s)'] = process_seconds(
                [*convtext, "predict", model, "a gripping , beautifully acted film"], threads, args.repeats
            )
            output = [*convtext, "predict", model, "--input", str(inputs), "--output", str(work / "out.jsonl")]
            files[f"{key}: predict --input --output (texts/s)"] = output
            files[f"{key}: predict --input to stdout (texts/s)"] = [
                *convtext,
                "predict",
                model,
                "--input",
                str(inputs),
                "--json",
            ]
        files["fastText wordNgrams=2: load, read, predict, write (texts/s)"] = [
            sys.executable, "-c", FASTTEXT_JOB, str(models["fasttext"]), str(inputs), str(work / "out.txt")
        ]  # fmt: skip
        seconds = alternating_seconds(list(files.values()), threads, args.repeats)
        timed.update({measure: args.lines / value for measure, value in zip(files, seconds)})
        raw[threads] = timed
        for measure, value in timed.items():
            rows.append([measure, threads, f"{value:.2f}" if "(s)" in measure else f"{value:,.0f}"])
        fasttext = timed["fastText wordNgrams=2: load, read, predict, write (texts/s)"]
        rows.append(["fastest --output ÷ fastText", threads, f"{timed['fastest: predict --input --output (texts/s)'] / fasttext:.2f}×"])  # fmt: skip
        for key in ("defaults", "fastest"):
            ratio = (
                timed[f"{key}: predict --input to stdout (texts/s)"]
                / timed[f"{key}: predict --input --output (texts/s)"]
            )
            rows.append([f"{key}: stdout ÷ --output", threads, f"{ratio:.2f}×"])
    notes = [
        f"Whole processes, median of {args.repeats}; {args.lines:,} lines of SST-2 test sentences (repeated) for the "
        "file rows; texts/s = lines / wall seconds (process start, imports and model load included). The five "
        "file commands take turns (one run of each, then the next round), so a change of load meets them alike; "
        "stdout rows print --json to /dev/null.",
        "defaults: TextClassifier() (MiniLM input vectors); fastest: mean_embedding, whitespace tokenizer, random "
        "vectors; both trained on SST-2 train with dev selection. fastText: wordNgrams=2, epoch chosen on dev.",
        "Targets (issue 31): --version < 0.3 s; defaults predict one text < 1.0 s; fastest --input ≥ 1.0× fastText; "
        "defaults --input ≥ 20,000 texts/s; stdout as fast as --output.",
    ]
    print(write_results(args.name, ["measure", "threads", "value"], rows, notes, extra={"runs": raw}).read_text())


if __name__ == "__main__":
    main()
