"""Kim's four embedding modes with all-MiniLM-L6-v2's token vectors, on the Kim (2014) suite.

Every mode uses the same tokenizer (MiniLM's WordPiece, cut to the training texts) and the same CNN;
``rand`` starts the table at random, ``static`` freezes MiniLM's vectors, ``non-static`` fine-tunes
them, ``multichannel`` feeds a frozen and a fine-tuned copy to the same filters. The gain over
``rand`` is given in brackets.

Run: python benchmarks/embedding_modes.py [--data ../shared/data] [--modes rand,non-static]
     [--folds 10] [--seeds 3] [--quick] [--threads 2] [--name embedding_modes]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from _kim import SET_NAMES, SUITE_COLUMNS, published_rows, run_suite, suite_row
from _report import add_data_option, write_results

from convtext import TextClassifier
from convtext.models import EMBEDDING_MODES


def minilm_system(mode: str, threads: int):
    def system(train, dev, seed):
        model = TextClassifier(embeddings="minilm", embedding_mode=mode, seed=seed, threads=threads)
        model.fit(train.texts, train.labels, dev.texts, dev.labels)
        return model.predict

    return system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--modes", default=",".join(EMBEDDING_MODES), help="Comma-separated modes to run.")
    parser.add_argument("--sets", default=",".join(SET_NAMES), help="Comma-separated Kim sets to run.")
    parser.add_argument("--folds", type=int, default=10, help="Cross-validation folds run (of 10).")
    parser.add_argument("--seeds", type=int, default=3, help="Seeds for the sets with given splits.")
    parser.add_argument("--cap", type=int, default=None, help="At most this many training texts per run.")
    parser.add_argument("--quick", action="store_true", help="1 fold, 1 seed, at most 3,000 training texts.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="embedding_modes", help="Results file name (in benchmarks/results).")
    args = parser.parse_args()
    if args.quick:
        args.folds, args.seeds, args.cap = 1, 1, args.cap or 3000
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    results = {}
    for mode in modes:
        system = minilm_system(mode, args.threads)
        results[mode] = run_suite(system, args.data / "kim2014", sets, args.folds, args.seeds, args.cap, mode)
    baseline = results.get("rand")
    rows = [suite_row(f"convtext TextCNN, MiniLM vectors, {mode}", results[mode], baseline if mode != "rand" else None)
            for mode in modes]  # fmt: skip
    rows += published_rows(len(SUITE_COLUMNS))
    protocol = (
        f"{args.folds} of 10 cross-validation folds (MR, Subj, CR, MPQA), {args.seeds} seed(s) for SST-1, SST-2, "
        "TREC" + (f", at most {args.cap:,} training texts per run" if args.cap else "")
    )
    notes = [
        f"Test accuracy %, mean ± std over runs: {protocol}; in brackets the gain over rand (same folds, seeds).",
        "Every mode: MiniLM's WordPiece cut to the training texts, 384-d embeddings, convtext's default CNN "
        "(kernels 1,2,3 × 100 filters, dropout 0.5, AdamW 2e-3 with linear decay, early stopping on dev).",
        "Dev for early stopping: SST's dev files; a seeded 10% of the training folds (CV sets) or of TREC train.",
        f"train s and predict texts/s (whole test set at once, tokenization included) are medians; {args.threads} "
        "threads.",
        "Kim's rows used word2vec (Google News, 300-d) and trained SST on phrase labels too: reference, not a peer.",
    ]
    extra = {"runs": {mode: {name: asdict(r) for name, r in sets_.items()} for mode, sets_ in results.items()}}
    path = write_results(args.name, SUITE_COLUMNS, rows, notes, extra)
    print(path.read_text())


if __name__ == "__main__":
    main()
