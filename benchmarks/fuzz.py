"""The longer fuzz run: the hostile-input properties of tests/test_hostile_input.py at scale, then atheris.

Hypothesis generates inputs from the strategies in tests/hostile.py (any code point, NUL, RTL marks,
emoji, lone surrogates, whitespace-only, unbalanced CSV quotes, lines in mixed encodings) and runs each
check; every input is counted. The first failing input stops its property and is written to the
results (after shrinking), and the script exits with status 1.

Atheris (libFuzzer, coverage-guided: it mutates raw bytes towards new code paths in the readers and
tokenizers) then runs ``--atheris-runs`` inputs per target, each target in a child process (libFuzzer
ends its process); a crash is any exception other than the DataError a reader is allowed to raise.

Run: python benchmarks/fuzz.py [--examples 20000] [--atheris-runs 200000] [--name fuzz]
"""

from __future__ import annotations

import argparse
import logging
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import REPOSITORY, write_results
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(REPOSITORY / "tests"))
from conftest import toy_texts  # noqa: E402
from hostile import (  # noqa: E402
    CARD_SETTINGS,
    CONFIG_VALUES,
    MODEL_SETTINGS,
    check_classifier,
    check_reader,
    check_service,
    check_tampered_config,
    check_tokenizer,
    hostile_file,
    hostile_text,
)

from convtext import BpeTokenizer, CharTokenizer, TextClassifier, WhitespaceTokenizer, WordTokenizer  # noqa: E402
from convtext.serve import Limits, create_app  # noqa: E402


def run_property(name: str, strategy, check, examples: int) -> dict:
    """Run ``check`` on ``examples`` generated inputs; count them; catch the first failure."""
    count = 0

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate, Phase.shrink])  # fmt: skip
    @given(strategy)
    def property_test(value) -> None:
        nonlocal count
        count += 1
        check(value)

    started = time.perf_counter()
    failure = None
    try:
        property_test()
    except Exception as error:  # hypothesis re-raises the shrunk failing example's error
        failure = f"{type(error).__name__}: {str(error)[:300]}"
    seconds = time.perf_counter() - started
    print(
        f"{name}: {count:,} inputs in {seconds:.0f} s, {'FAILED ' + failure if failure else 'no failure'}", flush=True
    )
    return {"property": name, "inputs": count, "seconds": seconds, "failure": failure}


ATHERIS_TARGETS = {
    "readers (atheris): raw bytes as a file of each format": "readers",
    "tokenizers (atheris): bytes as Unicode": "tokenizers",
}


def atheris_target(target: str, runs: int) -> None:
    """Run in a child process: libFuzzer feeds ``target`` ``runs`` inputs, then ends the process."""
    import atheris

    with atheris.instrument_imports():
        from convtext import BpeTokenizer, CharTokenizer, WhitespaceTokenizer, WordTokenizer
        from convtext._errors import DataError
    folder = Path(tempfile.mkdtemp(prefix="convtext-atheris-"))
    names = ["a.csv", "a.tsv", "a.jsonl", "a.txt", "a.all", "a.xml"]
    texts, _ = toy_texts()
    tokenizers = [
        WordTokenizer.train(texts),
        CharTokenizer.train(texts),
        BpeTokenizer.train(texts, 200, min_frequency=1),
        WhitespaceTokenizer.train(texts),
    ]

    def read_bytes(data: bytes) -> None:
        path = folder / names[data[0] % len(names)] if data else folder / names[0]
        path.write_bytes(data[1:])
        try:
            check_reader(path)
        except DataError:
            pass

    def tokenize(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicode(len(data))
        for tokenizer in tokenizers:
            check_tokenizer(tokenizer, text)

    test = {"readers": read_bytes, "tokenizers": tokenize}[target]
    atheris.Setup([sys.argv[0], f"-runs={runs}", "-max_len=4096", "-seed=1"], test)
    atheris.Fuzz()


def run_atheris(name: str, target: str, runs: int) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--atheris-target", target, "--atheris-runs", str(runs)],
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    counted = re.search(r"Done (\d+) runs", done.stderr)
    failure = None if done.returncode == 0 and counted else done.stderr.strip().splitlines()[-5:]
    inputs = int(counted.group(1)) if counted else 0
    print(f"{name}: {inputs:,} inputs in {seconds:.0f} s, {'FAILED' if failure else 'no failure'}", flush=True)
    return {"property": name, "inputs": inputs, "seconds": seconds, "failure": " / ".join(failure) if failure else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=20_000, help="Inputs per property (the model ones: a quarter).")
    parser.add_argument("--atheris-runs", type=int, default=200_000, help="Inputs per atheris target (0: skip).")
    parser.add_argument("--atheris-target", help=argparse.SUPPRESS)  # internal: the child process of one target
    parser.add_argument("--name", default="fuzz")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the readers log every skipped row: thousands of lines here
    if args.atheris_target:
        return atheris_target(args.atheris_target, args.atheris_runs)
    from fastapi.testclient import TestClient

    texts, labels = toy_texts()
    classifier = TextClassifier(embeddings="random", members=1, epochs=4, lr=0.01, embed_dim=16, num_filters=16,
                                threads=1, seed=0).fit(texts, labels)  # fmt: skip
    tokenizers = [kind.train(texts) for kind in (WordTokenizer, CharTokenizer, WhitespaceTokenizer)]
    tokenizers.append(BpeTokenizer.train(texts, 200, min_frequency=1))
    limits = Limits(max_chars=2000)
    folder = Path(tempfile.mkdtemp(prefix="convtext-fuzz-"))

    def read_file(file) -> None:
        name, content = file
        path = folder / name
        path.write_bytes(content)
        check_reader(path)

    def tokenize(text) -> None:
        for tokenizer in tokenizers:
            check_tokenizer(tokenizer, text)

    saved = classifier.save(folder / "model")
    config_edit = st.one_of(
        st.tuples(st.none(), st.sampled_from(MODEL_SETTINGS), CONFIG_VALUES),
        st.tuples(st.just("convtext"), st.sampled_from(CARD_SETTINGS), CONFIG_VALUES),
    )
    long_or_hostile = st.one_of(hostile_text, st.text(min_size=2001, max_size=2100))
    with TestClient(create_app({"toy": classifier}, limits)) as client:
        results = [
            run_property(
                "readers: hostile files (5 formats, mixed encodings)", hostile_file(), read_file, args.examples
            ),
            run_property("tokenizers: word, char, BPE, whitespace", hostile_text, tokenize, args.examples),
            run_property(
                "classifier: predict + explain",
                st.lists(hostile_text, min_size=1, max_size=4),
                lambda batch: check_classifier(classifier, batch),
                args.examples // 4,
            ),  # fmt: skip
            run_property(
                "service: POST /predict (explain, top-k)",
                st.lists(long_or_hostile, min_size=1, max_size=4),
                lambda batch: check_service(client, batch, limits.max_chars),
                args.examples // 4,
            ),
            run_property(
                "model folders: any value in any config.json setting",
                config_edit,
                lambda edit: check_tampered_config(saved, folder, *edit),
                args.examples // 10,
            ),
        ]
    if args.atheris_runs:
        results += [run_atheris(name, target, args.atheris_runs) for name, target in ATHERIS_TARGETS.items()]
    rows = [[r["property"], f"{r['inputs']:,}", f"{r['seconds']:.0f}", r["failure"] or "none"] for r in results]
    total = sum(r["inputs"] for r in results)
    notes = [
        f"{total:,} inputs in all, generated by hypothesis from tests/hostile.py (the CI runs the same properties with "
        "120 inputs each, tests/test_hostile_input.py), then by atheris (libFuzzer, coverage-guided) from raw bytes.",
        "Passing means: readers return rows or one DataError line; tokenizers keep ids in the vocabulary with one span "
        "per id; the classifier gives one label, probabilities summing to 1 and an explanation whose n-grams add up "
        "to the logit; /predict answers 200 with one prediction per text, or 413 for a text over the limit.",
    ]
    print(
        write_results(
            args.name, ["property", "inputs", "seconds", "failure"], rows, notes, {"results": results}
        ).read_text()
    )
    sys.exit(1 if any(r["failure"] for r in results) else 0)


if __name__ == "__main__":
    main()
