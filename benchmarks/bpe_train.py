"""How long BPE training takes: the tokenizers library (Rust) vs convtext's reference implementation (Python).

Both learn an 8k vocabulary from all Kim 2014 training text; the script also checks they learn the
same merges. Run: python benchmarks/bpe_train.py [--data ../shared/data] [--vocab-size 8000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _report import add_data_option, write_results
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from convtext import BpeTokenizer, read_labeled
from convtext.tokenize import count_words, learn_bpe

# Every training text of the suite once: the cross-validated sets whole, the train split of the
# others (stsa.binary.train is a subset of stsa.fine.train, so it is left out).
TRAINING_FILES = ["rt-polarity.all", "subj.all", "custrev.all", "mpqa.all", "TREC.train.all", "stsa.fine.train"]
SPECIALS = ["<pad>", "<unk>"]


def median_seconds(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def tokenizers_whitespace_merges(texts: list[str], vocab_size: int) -> list[tuple[str, str]]:
    """tokenizers' BpeTrainer on the same whitespace-split words the reference sees."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIALS, show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    return [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in merges]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_data_option(parser)
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    texts = [text for name in TRAINING_FILES for text in read_labeled(args.data / "kim2014" / name).texts]
    words = count_words(texts)
    print(f"{len(texts):,} texts, {len(words):,} distinct words")

    rust_ws, rust_merges = median_seconds(lambda: tokenizers_whitespace_merges(texts, args.vocab_size), args.repeats)
    rust_prod, _ = median_seconds(lambda: BpeTokenizer.train(texts, args.vocab_size), args.repeats)
    reference, trace = median_seconds(
        lambda: learn_bpe(count_words(texts), args.vocab_size, min_frequency=2, special_tokens=SPECIALS), args.repeats
    )
    agree = trace.merges == rust_merges
    rows = [
        [
            "tokenizers BpeTrainer, whitespace words (same input as the reference)",
            f"{rust_ws:.2f}",
            "1.0",
            len(rust_merges),
        ],
        [
            "convtext BpeTokenizer.train (production: NFC + Metaspace)",
            f"{rust_prod:.2f}",
            f"{rust_prod / rust_ws:.1f}",
            "-",
        ],
        ["convtext reference learn_bpe (Python)", f"{reference:.2f}", f"{reference / rust_ws:.1f}", len(trace.merges)],
    ]
    notes = [
        f"{len(texts):,} texts ({', '.join(TRAINING_FILES)}), {len(words):,} distinct words, vocab {args.vocab_size:,}, "
        f"min_frequency 2; seconds are the median of {args.repeats} runs, wall clock, tokenizers using all cores.",
        f"Reference and tokenizers learn identical merge lists: {agree}.",
        "Use the reference to learn and to check; use BpeTokenizer (Rust) for real corpora.",
    ]
    path = write_results("bpe_train", ["implementation", "seconds (median)", "× tokenizers", "merges"], rows, notes)
    print(path.read_text())
    if not agree:
        raise SystemExit("reference and tokenizers disagree on the merges")


if __name__ == "__main__":
    main()
