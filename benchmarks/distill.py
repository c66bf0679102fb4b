"""Teacher → student: all-MiniLM-L6-v2 fine-tuned on the task, distilled into convtext's default CNN.

Per data set: the teacher (MiniLM fine-tuned with convtext's loop: head first on fixed features, then
every layer, the body at a tenth of the head's rate); a student trained on the labels alone (convtext's
defaults); and the same student distilled from the teacher's logits (MSE) on the training texts only,
plus 20 augmented variants of each (masking, context swaps, n-gram samples; the same variants for every
student seed, so the teacher labels them once), plus unlabelled sentences
of Amazon reviews where they fit the domain (SST-2: dvd and books; CR: electronics and kitchen; TREC:
none). Every model picks its epoch on the same dev set's true labels.

Splits: SST-2 train / dev / test as given; TREC its test file, dev a seeded 10 % of train; CR folds
0..runs-1 of the Kim suite's seeded 10-fold split. Hidden-from-training rule: no test text reaches the
teacher or a student (augmented and unlabelled texts equal to a test text are dropped: `exclude=`);
Amazon reviews share no text with SST (drawn from Rotten Tomatoes) or CR.

Runs: SST-2 and TREC: one teacher (seed 0), students with seeds 0..runs-1; CR: a teacher and a student
per fold. Teachers are saved in --work and reused by a rerun with the same settings (their training
time is the one recorded when they were trained); the teacher's logits are cached by convtext itself.

Run: python benchmarks/distill.py [--data ../shared/data] [--runs 2] [--threads 2] [--work DIR] [--students N ...]
(every row: ≈ 2 h; rows 0-3 ≈ 80 min)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
from pathlib import Path

from _kim import SETS, kim_runs, throughput
from _report import add_data_option, write_results

from convtext import TextClassifier, read_labeled
from convtext.distill import Augmentation, split_sentences
from convtext.zoo import cache_dir

TEACHER = {"pretrained": "minilm", "transfer": "fine-tune", "epochs": 3, "lr": 1e-3, "body_lr_mult": 0.1,
           "batch_size": 32, "max_length": 128}  # fmt: skip
UNLABELLED = {"SST-2": ("dvd", "books"), "CR": ("electronics", "kitchen"), "TREC": ()}
COPIES = 20  # convtext's default (n-gram samples with p 0.5)


def teacher_for(name: str, train, dev, seed: int, threads: int, work: Path) -> TextClassifier:
    """The fine-tuned MiniLM for this split, trained once and kept in ``work``."""
    settings = json.dumps({**TEACHER, "set": name, "seed": seed, "rows": len(train), "dev": len(dev)}, sort_keys=True)
    folder = work / f"teacher-{name}-{seed}-{hashlib.sha256(settings.encode()).hexdigest()[:10]}"
    if (folder / "config.json").is_file():
        print(f"{name}: teacher from {folder}", flush=True)
        return TextClassifier.load(folder)
    teacher = TextClassifier(**TEACHER, seed=seed, threads=threads).fit_data(train, dev)
    teacher.save(folder)
    print(f"{name}: teacher trained in {teacher.training_['seconds']:.0f}s → {folder}", flush=True)
    return teacher


def amazon_sentences(folder: Path, domains: tuple[str, ...], cap: int) -> list[str]:
    """Distinct sentences of the domains' reviews (title + text), at most ``cap``, in file order."""
    sentences = {}
    for domain in domains:
        for review in read_labeled(folder / "amazon-multidomain" / domain).texts:
            sentences.update(dict.fromkeys(split_sentences(review)))
    return list(sentences)[:cap]


CONTEXT_STUDENTS = {  # Inception students: stacked convolutions that see how words combine (13-token view)
    "inception, 3 blocks × 64": {
        "architecture": "inception",
        "model_options": {"channels": 64, "depth": 3, "bottleneck": 16},
    },
    "inception, 3 blocks × 128": {
        "architecture": "inception",
        "model_options": {"channels": 128, "depth": 3, "bottleneck": 32},
    },
}
STUDENTS = ["student alone (labels only)", "distilled: training texts", f"distilled: + augmentation ({COPIES} per text)",
            "distilled: + augmentation + unlabelled Amazon sentences",
            *(f"distilled {name}: + augmentation" for name in CONTEXT_STUDENTS)]  # fmt: skip


def students(train, dev, test, teacher, unlabelled: list[str], seed: int, threads: int, chosen: list[str]):
    """The chosen student variants (``STUDENTS``), each trained when its turn comes: convtext's defaults,
    or one of the ``CONTEXT_STUDENTS``."""

    def new(**options) -> TextClassifier:
        return TextClassifier(seed=seed, threads=threads, **options)

    hidden = {"valid_texts": dev.texts, "valid_labels": dev.labels, "exclude": test.texts}
    augmented = {"augmentation": Augmentation(copies=COPIES), **hidden}
    variants = {
        STUDENTS[0]: lambda: new().fit_data(train, dev),
        STUDENTS[1]: lambda: new().distill(teacher, train.texts, train.labels, augmentation=None, **hidden),
        STUDENTS[2]: lambda: new().distill(teacher, train.texts, train.labels, **augmented),
    }
    if unlabelled:
        variants[STUDENTS[3]] = lambda: new().distill(
            teacher, train.texts, train.labels, unlabelled=unlabelled,
            unlabelled_source="amazon-multidomain sentences", **augmented,
        )  # fmt: skip
    for name, options in CONTEXT_STUDENTS.items():
        variants[f"distilled {name}: + augmentation"] = lambda options=options: new(**options).distill(
            teacher, train.texts, train.labels, **augmented
        )
    for label in (label for label in chosen if label in variants):
        yield label, variants[label]()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sets", nargs="+", default=["SST-2", "TREC", "CR"])
    parser.add_argument("--unlabelled-cap", type=int, default=20000, help="Most unlabelled sentences per set.")
    parser.add_argument("--work", type=Path, default=cache_dir() / "benchmarks" / "distill")
    parser.add_argument("--name", default="distill")
    parser.add_argument(
        "--students",
        type=int,
        nargs="+",
        default=list(range(len(STUDENTS))),
        choices=range(len(STUDENTS)),
        help="Which student rows, by number: " + "; ".join(f"{i} {s}" for i, s in enumerate(STUDENTS)),
    )
    args = parser.parse_args()
    rows, raw, sections = [], {}, []
    chosen = [STUDENTS[i] for i in args.students]
    for kim_set in (s for s in SETS if s.name in args.sets):
        name = kim_set.name
        unlabelled = amazon_sentences(args.data, UNLABELLED[name], args.unlabelled_cap) if UNLABELLED[name] else []
        results: dict[str, list[dict]] = {}
        teacher = None
        for train, dev, test, run in kim_runs(
            kim_set, args.data / "kim2014", folds=args.runs, seeds=args.runs, cap=None
        ):
            if teacher is None or len(kim_set.files) == 1:  # cross-validation: a teacher per fold
                teacher = teacher_for(name, train, dev, run if len(kim_set.files) == 1 else 0, args.threads, args.work)
                results.setdefault("teacher: MiniLM fine-tuned", []).append({
                    "accuracy": teacher.score(test.texts, test.labels), "train_s": teacher.training_["seconds"],
                    "label_s": 0.0, "texts_per_s": throughput(teacher.predict, test.texts), "rows": len(train),
                })  # fmt: skip
            for label, student in students(train, dev, test, teacher, unlabelled, run, args.threads, chosen):
                record = student.training_.get("distillation", {})
                results.setdefault(label, []).append({
                    "accuracy": student.score(test.texts, test.labels), "train_s": student.training_["seconds"],
                    "label_s": record.get("teacher_seconds", 0.0), "texts_per_s": throughput(student.predict, test.texts),
                    "rows": student.training_["train_rows"], "best_epoch": student.training_["best_epoch"],
                })  # fmt: skip
                print(f"{name} run {run} | {label}: {100 * results[label][-1]['accuracy']:.1f} "
                      f"({results[label][-1]['rows']:,} rows, {results[label][-1]['train_s']:.0f}s)", flush=True)  # fmt: skip
        teacher_rate = statistics.median(r["texts_per_s"] for r in results["teacher: MiniLM fine-tuned"])
        teacher_accuracy = statistics.mean(r["accuracy"] for r in results["teacher: MiniLM fine-tuned"])
        for label, runs in results.items():
            accuracy = [100 * r["accuracy"] for r in runs]
            rate = statistics.median(r["texts_per_s"] for r in runs)
            rows.append([
                name, label, f"{statistics.mean(accuracy):.1f} ± {statistics.pstdev(accuracy):.1f}",
                f"{statistics.mean(accuracy) - 100 * teacher_accuracy:+.1f}", f"{statistics.median(r['rows'] for r in runs):,.0f}",
                f"{statistics.median(r['train_s'] for r in runs):.0f}", f"{statistics.median(r['label_s'] for r in runs):.0f}",
                f"{rate:,.0f}", f"{rate / teacher_rate:.0f}×",
            ])  # fmt: skip
        raw[name] = {"results": results, "unlabelled_sentences": len(unlabelled)}
    columns = ["set", "system", "test accuracy %", "vs teacher", "training texts", "train s (median)",
               "teacher labelling s", "predict texts/s", "speed vs teacher"]  # fmt: skip
    notes = [
        f"Runs: {args.runs} (SST-2, TREC: student seeds 0..{args.runs - 1} under one teacher; CR: folds "
        f"0..{args.runs - 1}, a teacher each); mean ± std over runs; {args.threads} threads for every model.",
        f"Teacher: `TextClassifier(pretrained='minilm', transfer='fine-tune', epochs={TEACHER['epochs']}, "
        f"lr={TEACHER['lr']}, body_lr_mult={TEACHER['body_lr_mult']}, batch_size={TEACHER['batch_size']}, "
        f"max_length={TEACHER['max_length']})` = `convtext train DATA --from minilm --mode fine-tune ...`.",
        "Students: `TextClassifier()` defaults (TextCNN over MiniLM's input vectors, static, 100 filters of "
        "widths 1-3); distilled with `.distill(teacher, ...)` = `convtext distill --teacher DIR --data ...`: "
        "MSE between logits, alpha 0 (teacher only), the epoch picked on the dev set's true labels.",
        "Context students: the same distillation (20 augmented copies) into Inception CNNs — three residual blocks "
        "of parallel 1-, 3-, 5-wide convolutions and a 3-wide max-pool, so each position reads 13 tokens — "
        "`TextClassifier(architecture='inception', model_options={'channels': C, 'depth': 3, 'bottleneck': C // 4})`, C = 64 or 128.",
        "training texts: labelled + teacher-labelled rows; train s: the student's (or teacher's) training; "
        "teacher labelling s: the teacher's forward pass over those texts (0 when convtext's cache had them).",
        "predict texts/s: the test set, tokenization included, median of 3 passes after a warm-up pass.",
        f"Unlabelled sentences (cap {args.unlabelled_cap:,}): "
        + ", ".join(f"{n} {raw[n]['unlabelled_sentences']:,}" for n in raw),
    ]
    write_results(args.name, columns, rows, notes, extra={"runs": raw}, sections=sections)


if __name__ == "__main__":
    main()
