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

from _kim import SUITE_COLUMNS, add_suite_options, protocol, published_rows, run_suite, suite_row
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
    add_suite_options(parser, "embedding_modes")
    args = parser.parse_args()
    runs = protocol(args)
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
    notes = [
        f"Test accuracy %, mean ± std over runs: {runs}; in brackets the gain over rand (same folds, seeds).",
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
