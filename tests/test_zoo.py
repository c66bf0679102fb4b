"""The zoo: build → list → load round trip on a tiny recipe, create_model(pretrained=True), torch.hub, leakage."""

import json

import pytest
import torch
from conftest import KIM, run_cli, toy_texts

from convtext import ConvtextError, TextClassifier
from convtext.models import create_model
from convtext.zoo import RECIPES, ZooRecipe, build, check_unseen, is_built, load_pretrained, register_recipe

ROOT = KIM.parents[1]


@pytest.fixture
def tiny_zoo(tmp_path, monkeypatch):
    """A cache folder of its own and a tiny recipe over a 300-line file in a data folder of its own."""
    monkeypatch.setenv("CONVTEXT_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    (data / "toy").mkdir(parents=True)
    texts, labels = toy_texts(300)
    (data / "toy" / "toy.all").write_text("".join(f"{y} {x}\n" for x, y in zip(texts, labels)), encoding="utf-8")
    settings = {"epochs": 3, "lr": 0.01, "embed_dim": 16, "num_filters": 8, "threads": 1}
    recipe = register_recipe(ZooRecipe("textcnn.tiny_test", "A test recipe.", ("toy/toy.all",), settings=settings))
    yield data, recipe
    RECIPES.pop(recipe.name)


def test_build_list_load_round_trip(tiny_zoo, capsys):
    data, recipe = tiny_zoo
    assert not is_built(recipe.name)
    with pytest.raises(ConvtextError, match="not built yet .* build it with `convtext zoo build textcnn.tiny_test`"):
        load_pretrained(recipe.name)
    folder = build(recipe.name, data)
    first = (folder / "model.safetensors").read_bytes()
    assert build(recipe.name, data, force=True) == folder
    assert (folder / "model.safetensors").read_bytes() == first  # seeded: the recipe gives the same model
    model = load_pretrained(recipe.name)
    assert model.data_seen_ == ["toy/toy.all"] and model.recipe_["train"] == ["toy/toy.all"]
    assert "## Recipe" in (folder / "README.md").read_text(encoding="utf-8")
    assert model.score(*toy_texts(100, seed=5)) > 0.9
    code, out, _ = run_cli(capsys, "zoo", "list", "--json")
    entry = next(e for e in json.loads(out) if e["name"] == recipe.name)
    assert code == 0 and entry["built"] and entry["data_seen"] == ["toy/toy.all"]
    code, out, _ = run_cli(capsys, "zoo", "info", recipe.name, "--json")
    assert code == 0 and json.loads(out)["metrics"]["valid"]["n"] == 30
    fresh = TextClassifier(pretrained=recipe.name, epochs=2, threads=1).fit(*toy_texts(120, seed=9))
    assert fresh.transfer_["from"] == recipe.name and fresh.data_seen_[0] == "toy/toy.all"


def test_create_model_pretrained_and_torch_hub(tiny_zoo):
    data, recipe = tiny_zoo
    build(recipe.name, data)
    model = create_model(recipe.name, pretrained=True, num_classes=5)
    assert model.num_classes == 5 and model.embed_dim == 16
    same = load_pretrained(recipe.name).model_
    assert torch.equal(model.convs[0].weight, same.convs[0].weight)
    hub = torch.hub.load(str(ROOT), "textcnn", source="local", pretrained="tiny_test", num_classes=3)
    assert hub.num_classes == 3
    new = torch.hub.load(str(ROOT), "inception_small", source="local", vocab_size=50, num_classes=2)
    assert new(torch.randint(2, 50, (3, 7))).shape == (3, 2)
    classifier = torch.hub.load(str(ROOT), "classifier", source="local", name_or_path=recipe.name)
    assert classifier.classes_ == ["neg", "pos"]
    with pytest.raises(ConvtextError, match="give only num_classes"):
        create_model(recipe.name, vocab_size=10, pretrained=True)


def test_corrupt_or_unknown_zoo_entries_are_clear_errors(tiny_zoo, capsys):
    data, recipe = tiny_zoo
    folder = build(recipe.name, data)
    (folder / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ConvtextError, match="rebuild it with `convtext zoo build textcnn.tiny_test --force`"):
        load_pretrained(recipe.name)
    code, _, err = run_cli(capsys, "zoo", "info", "textcnn.nothing")
    assert code == 2 and "no zoo model 'textcnn.nothing'" in err
    code, _, err = run_cli(capsys, "zoo", "build", recipe.name, "--data", data / "elsewhere", "--force")
    assert code == 2 and "give --data FOLDER holding toy/toy.all" in err
    with pytest.raises(ConvtextError, match="zoo names are architecture.tag"):
        register_recipe(ZooRecipe("tiny", "no tag", ("toy/toy.all",)))


def test_leakage_rule_refuses_seen_data_and_sst_after_mr():
    check_unseen(["kim2014/stsa.binary.train"], "data/kim2014/stsa.binary.test")
    check_unseen(["kim2014/custrev.all"], "kim2014/stsa.binary.test")
    with pytest.raises(ConvtextError, match="share sentences"):
        check_unseen(["kim2014/rt-polarity.all"], "/x/kim2014/stsa.binary.test")
    with pytest.raises(ConvtextError, match="share sentences"):
        check_unseen(["kim2014/stsa.fine.train"], "rt-polarity.all")
    with pytest.raises(ConvtextError, match="same data"):
        check_unseen(["kim2014/custrev.all", "kim2014/mpqa.all"], "/elsewhere/data/kim2014/custrev.all")


def test_shipped_recipes_name_files_the_project_has():
    """Bundled (data/) or, for the Amazon reviews, in the course's data folder (the recipe says --data)."""
    for recipe in RECIPES.values():
        for name in recipe.files:
            assert (KIM.parent / name).is_file() or (
                name.startswith("amazon-multidomain/") and "--data" in recipe.summary
            )


def test_evaluate_refuses_the_training_file_unless_told(tiny_zoo, tmp_path, capsys):
    data, recipe = tiny_zoo
    train = data / "toy" / "toy.all"
    code, _, err = run_cli(capsys, "train", train, "-o", tmp_path / "m", "--epochs", "1", "--no-progress",
                           "--threads", "1", "--embeddings", "random")  # fmt: skip
    assert code == 0, err
    code, _, err = run_cli(capsys, "evaluate", tmp_path / "m", train)
    assert code == 2 and "saw" in err and "same data" in err
    code, out, err = run_cli(capsys, "evaluate", tmp_path / "m", train, "--allow-seen", "--json")
    assert code == 0 and json.loads(out)["n"] == 300
