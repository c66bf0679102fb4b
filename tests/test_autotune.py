"""Autotune (issue 33): Optuna's search within a wall-time budget, convtext's defaults first, the best model saved as an
ordinary folder with the search on its card, the study resumable and extendable, bad options refused up front."""

import json
import time

import pytest
from conftest import run_cli, toy_texts

from convtext import ConvtextError, TextClassifier
from convtext.cli._autotune import parse_duration

SMALL = dict(threads=1, seed=0)


def noisy(count: int = 500, seed: int = 11) -> tuple[list[str], list[str]]:
    texts, labels = toy_texts(count, seed=seed)
    flipped = {"pos": "neg", "neg": "pos"}
    return texts, [flipped[y] if i % 9 == 0 else y for i, y in enumerate(labels)]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    texts, labels = noisy()
    folder = tmp_path_factory.mktemp("autotune") / "best"
    started = time.monotonic()
    best = TextClassifier.autotune(texts, labels, budget=20, folder=folder, **SMALL)
    return best, folder, time.monotonic() - started, texts, labels


def test_parse_duration():
    assert [parse_duration(v) for v in ("600", "90s", "10m", "1.5h", " 2M ")] == [600, 90, 600, 5400, 120]
    for bad in ("ten minutes", "-5m", "0", "5d", ""):
        with pytest.raises(ConvtextError, match="--budget takes a positive duration"):
            parse_duration(bad)


def test_the_search_offers_ensembles_from_either_input_vectors():
    import optuna

    from convtext.classifier._search_space import DEFAULT_TRIALS, suggest

    common = {"kernel_sizes": "2,3,4", "num_filters": 50, "dropout": 0.3, "lr": 1e-3, "epochs": 5, "batch_size": 32}
    minilm = {"embeddings": "minilm", "embedding_mode": "static", "members": 3, **common}
    assert suggest(optuna.trial.FixedTrial(minilm), minilm=True)["members"] == 3
    assert DEFAULT_TRIALS[0]["members"] == 1  # MiniLM's defaults: one model


def test_the_search_keeps_its_budget_and_the_best_trial(searched):
    best, folder, seconds, _, _ = searched
    search = best.autotune_
    assert seconds <= 20 * 1.1  # the trials stop at the deadline; the ensemble's choice and saving fit in the reserve
    assert search["trials"] >= 3 and search["completed"] >= 2
    rows = json.loads((folder.parent / "best.autotune" / "trials.json").read_text())["trials"]
    assert rows[0]["state"] == "complete"  # convtext's defaults come first
    from convtext.classifier._search_space import DEFAULT_TRIALS

    first = rows[0]["settings"]  # the defaults' schedule for the vectors they start from
    expected = next(trial for trial in DEFAULT_TRIALS if trial["embeddings"] == first["embeddings"])
    assert [first[name] for name in ("lr", "epochs", "batch_size")] == [
        expected[n] for n in ("lr", "epochs", "batch_size")
    ]
    finished = [row["score"] for row in rows if row["state"] == "complete"]
    assert search["best_score"] == max(finished)
    assert best.metrics_["valid"]["accuracy"] == pytest.approx(search.get("ensemble_score", search["best_score"]))
    assert all(row["score"] is None for row in rows if row["state"] != "complete")


def test_the_best_model_is_an_ordinary_folder_with_the_search_on_its_card(searched):
    best, folder, _, texts, _ = searched
    loaded = TextClassifier.load(folder)
    assert loaded.predict(texts[:50]) == best.predict(texts[:50])
    assert loaded.autotune_["best_trial"] == best.autotune_["best_trial"]
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Autotune" in card and f"trial {best.autotune_['best_trial']}" in card
    beside = folder.parent / "best.autotune"
    assert {p.name for p in beside.iterdir()} >= {"study.db", "trials.md", "trials.json", "trials.png"}
    assert (beside / "trials.md").read_text(encoding="utf-8").count("\n| ") == 1 + best.autotune_["trials"]  # + header


def test_a_spent_study_resumes_without_new_trials_and_a_larger_budget_extends_it(searched):
    best, folder, _, texts, labels = searched
    before = best.autotune_["trials"]
    again = TextClassifier.autotune(texts, labels, budget=20, folder=folder, **SMALL)
    assert again.autotune_["trials"] == before  # the budget was spent by the first run
    more = TextClassifier.autotune(texts, labels, budget=26, folder=folder, **SMALL)
    assert more.autotune_["trials"] > before and more.autotune_["best_score"] >= best.autotune_["best_score"]
    with pytest.raises(ConvtextError, match="other data"):
        TextClassifier.autotune(texts[:-30], labels[:-30], budget=30, folder=folder, **SMALL)


def test_a_budget_too_short_for_one_trial_says_so(tmp_path):
    texts, labels = noisy(3000)  # one trial takes seconds: 300 texts could train a whole ensemble in 0.2 s
    with pytest.raises(ConvtextError, match="before any trial finished"):
        TextClassifier.autotune(texts, labels, budget=0.2, folder=tmp_path / "none", **SMALL)


def test_the_command_searches_and_refuses_bad_options_before_any_work(tmp_path, capsys):
    texts, labels = noisy(400)
    data = tmp_path / "train.jsonl"
    data.write_text(
        "".join(json.dumps({"text": x, "label": y}, ensure_ascii=False) + "\n" for x, y in zip(texts, labels))
    )
    code, out, err = run_cli(
        capsys, "autotune", data, "--budget", "6s", "--threads", "1", "-o", tmp_path / "m", "--json"
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["autotune"]["trials"] >= 2 and (tmp_path / "m" / "config.json").is_file()
    for options, message in ((["--metric", "f1:nope"], "unknown metric"), (["--budget", "soon"], "--budget"),
                             (["--ensemble", "0"], "--ensemble takes")):  # fmt: skip
        code, _, err = run_cli(capsys, "autotune", data, *options, "-o", tmp_path / "bad")
        assert code == 2 and message in err
        assert not (tmp_path / "bad.autotune").exists()  # refused before the study was made
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    code, _, err = run_cli(capsys, "autotune", data, "-o", tmp_path / "taken")
    assert code == 2 and "not a convtext model folder" in err


def test_multi_label_search_maximises_micro_f1_with_tuned_thresholds(tmp_path):
    texts, labels = toy_texts(400, seed=4)
    tags = [[label] if i % 3 else [label, "long"] for i, label in enumerate(labels)]
    best = TextClassifier.autotune(texts, tags, budget=6, multi_label=True, **SMALL)
    assert best.multi_label and best.threshold == "tune" and best.autotune_["metric"] == "micro_f1"
    assert best.autotune_["best_score"] == pytest.approx(best.metrics_["valid"]["micro_f1"])


def test_max_size_compresses_the_best_model_within_the_budget(tmp_path):
    from convtext.compress import folder_bytes

    texts, labels = noisy(400)
    started = time.monotonic()
    best = TextClassifier.autotune(texts, labels, budget=12, folder=tmp_path / "small", max_size="80KB", **SMALL)
    assert time.monotonic() - started < 12 * 1.1 + 3
    assert folder_bytes(tmp_path / "small") == best.compression_["bytes"] <= 80_000
    assert TextClassifier.load(tmp_path / "small").predict(texts[:40]) == best.predict(texts[:40])
    with pytest.raises(ConvtextError, match="is not a size"):
        TextClassifier.autotune(texts, labels, budget=8, folder=tmp_path / "bad", max_size="small", **SMALL)
