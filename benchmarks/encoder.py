"""The distilled sentence encoder vs its teacher: cosine on unseen sentences, Kim-suite accuracy, speed.

The encoder is the zoo's ``textcnn.minilm_distilled`` (built first if missing; it needs the Amazon
reviews of the data folder). Systems, on the same folds and threads: feature extraction from the
encoder (body frozen, a new head), fine-tuning it, and all-MiniLM-L6-v2 features + logistic
regression (C chosen on dev). The encoder saw no text of any Kim test split (checked).

Run: python benchmarks/encoder.py [--data ../shared/data] [--quick] [--folds 1] [--seeds 1] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics

from _kim import SETS, SUITE_COLUMNS, add_suite_options, protocol, published_rows, run_suite, suite_row
from _peers import MiniLMLogReg
from _report import add_data_option, write_results

from convtext import TextClassifier, kfold, read_labeled
from convtext.zoo import build, check_unseen, load_pretrained

ENCODER = "textcnn.minilm_distilled"


def convtext_system(mode: str, threads: int):
    def system(train, dev, seed):
        model = TextClassifier(pretrained=ENCODER, transfer=mode, threads=threads, seed=seed)
        return model.fit(train.texts, train.labels, dev.texts, dev.labels).predict

    return system


def minilm_system(threads: int):
    def system(train, dev, seed):
        return MiniLMLogReg(threads, seed).fit_select(train.texts, train.labels, dev.texts, dev.labels).predict

    return system


def unseen_test_texts(folder, encoder) -> dict[str, list[str]]:
    """Per Kim set, the test texts of its first run (fold 0 or the test file), checked unseen by the encoder."""
    texts = {}
    for kim_set in SETS:
        test_file = kim_set.files[-1]
        check_unseen(encoder.data_seen_, f"kim2014/{test_file}", ENCODER)
        data = read_labeled(folder / test_file)
        if len(kim_set.files) == 1:
            _, test_rows = next(iter(kfold(data.label_sets, 10, seed=0)))
            data = data.subset(test_rows)
        texts[kim_set.name] = data.texts
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    add_suite_options(parser, "encoder")
    args = parser.parse_args()
    runs = protocol(args)
    build(ENCODER, args.data, threads=args.threads)
    encoder = load_pretrained(ENCODER)
    folder = args.data / "kim2014"
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    cosines = {name: encoder.similarity(texts) for name, texts in unseen_test_texts(folder, encoder).items()}
    systems = {
        f"{ENCODER} feature extraction": convtext_system("feature-extraction", args.threads),
        f"{ENCODER} fine-tune": convtext_system("fine-tune", args.threads),
        MiniLMLogReg.name: minilm_system(args.threads),
    }
    results = {name: run_suite(system, folder, sets, args.folds, args.seeds, args.cap, name)
               for name, system in systems.items()}  # fmt: skip
    rows = [suite_row(name, result) for name, result in results.items()] + published_rows(len(SUITE_COLUMNS))
    training = encoder.training_
    notes = [
        f"Test accuracy %, mean ± std over runs: {runs}; {args.threads} threads for every system; predict texts/s "
        "includes tokenization (MiniLM: its encoding).",
        f"Encoder: distilled on {training['train_rows']:,} sentences ({', '.join(encoder.data_seen_)}), "
        f"held-out cosine {encoder.metrics_['valid']['cosine']:.3f} (n={encoder.metrics_['valid']['n']:,}), "
        f"{training['seconds']:.0f}s ({training['teacher_seconds']:.0f}s of it the teacher).",
        "Cosine to the teacher on Kim test sentences (never seen): "
        + ", ".join(f"{name} {value:.3f}" for name, value in cosines.items())
        + f"; mean {statistics.mean(cosines.values()):.3f}.",
    ]
    extra = {"cosines": cosines, "runs": {name: {s: vars(r) for s, r in result.items()}
                                          for name, result in results.items()}}  # fmt: skip
    path = write_results(args.name, SUITE_COLUMNS, rows, notes, extra)
    print(path.read_text())


if __name__ == "__main__":
    main()
