"""What a newcomer must be able to trust: a damaged byte anywhere in a saved weights file is a one-line error
(exit 2), never silently wrong predictions; a nan score is never printed as a label; JSON output is always valid
JSON; a bad -o fails before any work and leaves nothing behind."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import run_cli, toy_texts

from convtext import ArtifactError, ConvtextError, MultiTaskClassifier, TextClassifier
from convtext.artifact import DIGESTS
from convtext.cli._common import print_json
from convtext.items import FactorizationConfig, ItemVectors, fit_factorization, load_items, save_items
from convtext.items._ratings import Ratings


def _damage(path, where: float = 0.5, count: int = 4000) -> None:
    """Overwrite ``count`` bytes at ``where`` (a share of the file's length) with other bytes."""
    data = bytearray(path.read_bytes())
    start = int(len(data) * where)
    data[start : start + count] = bytes((b + 1) % 256 for b in data[start : start + count])
    path.write_bytes(bytes(data))


@pytest.fixture
def saved(trained, tmp_path):
    return trained.save(tmp_path / "model")


@pytest.mark.parametrize("where", [0.5, 0.98])
def test_a_damaged_weights_file_is_refused_on_load(saved, where):
    assert json.loads((saved / DIGESTS).read_text())["model.safetensors"]
    _damage(saved / "model.safetensors", where, count=4000 if where == 0.5 else 8)
    with pytest.raises(ArtifactError, match="damaged"):
        TextClassifier.load(saved)


def test_the_cli_says_so_in_one_line_and_exits_2(saved, capsys):
    _damage(saved / "model.safetensors")
    code, out, err = run_cli(capsys, "predict", saved, "--json", "a great film")
    assert code == 2 and out == "" and "damaged" in err and len(err.strip().splitlines()) == 1


def test_an_onnx_export_joins_the_digests_and_is_checked(trained, saved):
    path = trained.export_onnx(saved / "model.onnx")
    assert set(json.loads((saved / DIGESTS).read_text())) == {"model.safetensors", "model.onnx"}
    loaded = TextClassifier.load(saved).use_onnx(path)
    assert loaded.predict(["a great film"])
    _damage(path)
    with pytest.raises(ConvtextError, match="damaged"):
        TextClassifier.load(saved).use_onnx(path)


def test_multitask_and_item_folders_are_checked_too(tmp_path):
    texts, labels = toy_texts(120)
    tasks = {"a": (texts, labels), "b": (texts, [str(len(t) % 2) for t in texts])}
    folder = MultiTaskClassifier(epochs=1, embeddings="random", members=1, threads=1).fit(tasks).save(tmp_path / "mt")
    _damage(folder / "model.safetensors")
    with pytest.raises(ArtifactError, match="damaged"):
        MultiTaskClassifier.load(folder)
    rng = np.random.default_rng(0)
    ratings = Ratings([str(i) for i in range(30)], [str(i) for i in range(40)], rng.integers(0, 30, 600),
                      rng.integers(0, 40, 600), rng.integers(1, 6, 600).astype(np.float32))  # fmt: skip
    result = fit_factorization(ratings, FactorizationConfig(epochs=2, threads=1))
    items = save_items(tmp_path / "it", result, ratings, {}, {})
    load_items(items)
    _damage(items / "vectors.safetensors")
    with pytest.raises(ArtifactError, match="damaged"):
        load_items(items)


def test_a_nan_score_is_an_error_not_a_label(saved):
    broken = TextClassifier.load(saved)
    with torch.no_grad():
        broken.model_.head.bias[0] = float("nan")
    with pytest.raises(ConvtextError, match="not-a-number"):
        broken.predict(["a great film"])


def test_json_output_is_valid_json_even_with_nan(capsys):
    print_json({"accuracy": float("nan"), "rows": [1.0, float("inf")], "n": 3})
    assert json.loads(capsys.readouterr().out) == {"accuracy": None, "rows": [1.0, None], "n": 3}


@pytest.mark.parametrize("command", ["train", "adapt"])
def test_a_bad_output_folder_fails_before_any_work_and_leaves_nothing(command, kim, tmp_path, capsys):
    taken = tmp_path / "notes"
    taken.mkdir()
    (taken / "thesis.txt").write_text("mine", encoding="utf-8")
    data = kim / "TREC.train.all"
    args = [command, data] if command == "train" else [command, "--source", data, "--target", data]
    code, _, err = run_cli(capsys, *args, "-o", taken, "--epochs", "1")
    assert code == 2 and "refusing to write a model to" in err and "not a convtext model folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"] and [p.name for p in taken.iterdir()] == [
        "thesis.txt"
    ]


def test_feature_extraction_reports_its_regularisation_not_epochs(saved, tmp_path, capsys):
    texts, labels = toy_texts(200, seed=5)
    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in zip(texts, labels)), encoding="utf-8")
    code, out, err = run_cli(capsys, "train", data, "--from", saved, "--mode", "feature-extraction", "-o",
                             tmp_path / "probe", "--threads", "1", "--no-progress")  # fmt: skip
    assert code == 0, err
    assert "logistic-regression head, C = " in out and "kept epoch" not in out
    files = {p.name for p in (tmp_path / "probe").iterdir()}
    assert "head_search.png" in files and "training_curve.png" not in files


def test_every_verb_that_takes_a_model_takes_a_zoo_name(saved, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVTEXT_CACHE", str(tmp_path / "cache"))
    name = "textcnn.mr_sentiment"
    code, _, err = run_cli(capsys, "predict", name, "a great film")
    assert code == 2 and "not built yet" in err and f"convtext zoo build {name}" in err and "cache" in err
    shutil.copytree(saved, tmp_path / "cache" / "models" / name)  # as `convtext zoo build` leaves it
    lines = tmp_path / "texts.txt"
    lines.write_text("pos a great film\nneg a boring film\n", encoding="utf-8")
    for verb in (["predict", name, "--json", "a great film"], ["evaluate", name, lines, "--json"],
                 ["explain", name, "a great film", "--json"], ["summary", name, "--json"],
                 ["features", name, lines, "-o", tmp_path / "f.npy"], ["embeddings", "neighbours", name, "great"],
                 ["export", name, "--onnx", tmp_path / "m.onnx"]):  # fmt: skip
        code, _, err = run_cli(capsys, *verb)
        assert code == 0, (verb, err)


def test_transfer_options_without_from_are_refused_before_training(kim, tmp_path, capsys):
    code, _, err = run_cli(capsys, "train", kim / "TREC.train.all", "-o", tmp_path / "m", "--mode", "full",
                           "--body-lr-mult", "0.5")  # fmt: skip
    assert code == 2 and "--mode, --body-lr-mult shape transfer from a trained model" in err and "--from" in err
    assert not any(tmp_path.iterdir())


def test_an_option_that_implies_random_vectors_says_so(caplog):
    texts, labels = toy_texts(120)
    with caplog.at_level("WARNING", logger="convtext.classifier._recipe"):
        clf = TextClassifier(embed_dim=24, epochs=1, threads=1).fit(texts, labels)
    assert clf.embeddings_ == "random" and clf.model_.members == 3
    assert "embed_dim=24 implies random input vectors" in caplog.text and "3 members are trained" in caplog.text


def test_evaluate_points_to_map_label_when_the_label_names_differ(saved, tmp_path, capsys):
    named = tmp_path / "named.txt"
    named.write_text("positive a great film\nnegative a boring film\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "evaluate", saved, named, "--allow-seen")
    assert code == 0 and "none of its labels" in err and "--map-label" in err and "accuracy" in out
    mixed = tmp_path / "mixed.txt"
    mixed.write_text("pos a great film\npositive a fine film\nneg a boring film\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "evaluate", saved, mixed, "--allow-seen", "--json")
    assert code == 0 and "warning" in err and "positive" in err and "--map-label" in err
    assert json.loads(out)["n"] == 3


def test_an_ambiguous_item_name_says_how_many_and_that_the_list_is_cut():
    names = [f"Star Trek {i} (19{80 + i})" for i in range(8)]
    vectors = ItemVectors(np.eye(8, dtype=np.float32), names, np.full(8, 20))
    with pytest.raises(ConvtextError, match=r"matches 8 items, e\.g\. .*; …"):
        vectors.lookup("Star Trek")


def test_data_inspect_reports_skipped_rows_once(kim):
    done = subprocess.run([sys.executable, "-m", "convtext", "data", "inspect", str(kim / "custrev.all")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and (done.stdout + done.stderr).count("skipped 4") == 1


def test_training_curves_show_each_task_member_and_the_domain_accuracy(tmp_path, monkeypatch):
    from convtext.adapt import AdaptEpochLog
    from convtext.multitask import MultiTaskEpochLog
    from convtext.train import _plots, plot_training_curve

    drawn = {}

    def keep_labels(plt, figure, path, columns):
        drawn[path.name] = [line.get_label() for axis in figure.axes for line in axis.lines]
        plt.close(figure)
        return path

    monkeypatch.setattr(_plots, "_save", keep_labels)
    tasks = {"sentiment": {"valid_accuracy": 0.8}, "тема": {"valid_accuracy": 0.6}}
    plot_training_curve([MultiTaskEpochLog(1, 0.5, 0.7, 0.7, 1.0, tasks=tasks)], 1, tmp_path / "multi.png")
    plot_training_curve([AdaptEpochLog(1, 0.5, 0.7, 0.7, 1.0, domain_accuracy=0.6)], 1, tmp_path / "dann.png")
    members = [{"valid_curve": [0.7]}, {"valid_curve": [0.68]}, {"valid_curve": [0.71]}]
    plot_training_curve([MultiTaskEpochLog(1, 0.5, 0.7, 0.7, 1.0)], 1, tmp_path / "ensemble.png", members)
    assert {"sentiment: valid accuracy", "тема: valid accuracy"} <= set(drawn["multi.png"])
    assert "domain accuracy (0.5: domains hidden)" in drawn["dann.png"]
    assert {"member 1: valid accuracy", "member 2: valid accuracy"} <= set(drawn["ensemble.png"])


def test_a_zoo_models_onnx_file_lands_in_its_folder(saved, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVTEXT_CACHE", str(tmp_path / "cache"))
    name = "textcnn.mr_sentiment"
    shutil.copytree(saved, tmp_path / "cache" / "models" / name)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "export", name)
    assert code == 0, err
    assert (tmp_path / "cache" / "models" / name / "model.onnx").is_file() and not (tmp_path / name).exists()
    code, out, err = run_cli(capsys, "predict", name, "--backend", "onnx", "--json", "a great film")
    assert code == 0, err
