"""Multi-task learning: one shared body, a head per task — sharing, sampling, weights, save/load, CLI, service."""

import json

import numpy as np
import pytest
import torch
from conftest import run_cli, toy_texts

import convtext
from convtext import ArtifactError, ConvtextError, MultiTaskClassifier, read_labeled
from convtext.models import create_model
from convtext.multitask import MultiTaskConfig, MultiTaskNetwork, share_body, task_probabilities

# the CPU: these tests compare predictions exactly (a GPU trains under bfloat16 autocast; tests/test_device.py)
FAST = {"embeddings": "random", "members": 1, "threads": 2, "progress": False, "device": "cpu"}


@pytest.fixture(scope="module")
def two_tasks(tmp_path_factory):
    """Real sentences: 1,500 of SST-2 (sentiment) and 1,500 of TREC (question type, 6 classes), from the bundled files."""
    from conftest import KIM

    sst, trec = read_labeled(KIM / "stsa.binary.train"), read_labeled(KIM / "TREC.train.all")
    return {"sentiment": sst.subset(range(1500)), "question": trec.subset(range(1500))}


@pytest.fixture(scope="module")
def trained(two_tasks):
    return MultiTaskClassifier(epochs=6, seed=1, **FAST).fit(two_tasks)


def test_task_models_share_every_layer_but_the_head():
    body = create_model("textcnn", vocab_size=50, num_classes=2, embed_dim=8, num_filters=4)
    other = share_body(body, 5)
    assert other.embedding is body.embedding and all(a is b for a, b in zip(other.convs, body.convs))
    assert other.head is not body.head and other.num_classes == 5 and other.head.in_features == body.num_features
    network = MultiTaskNetwork({"a": body, "b": other})
    heads = sum(p.numel() for p in (*body.head.parameters(), *other.head.parameters()))
    assert sum(p.numel() for p in network.parameters()) == sum(p.numel() for p in body.parameters()) + heads - sum(
        p.numel() for p in body.head.parameters()
    )
    ids = torch.randint(1, 50, (3, 7))
    loss = other(ids).sum()  # a gradient from task b alone reaches the shared embedding
    loss.backward()
    assert body.embedding.weight.grad is not None and body.head.weight.grad is None


def test_private_filters_are_each_tasks_own_beside_the_shared_ones():
    body = create_model("textcnn", vocab_size=50, num_classes=2, embed_dim=8, num_filters=4)
    a, b = share_body(body, 2, private=True), share_body(body, 5, private=True)
    assert a.kernel_sizes == b.kernel_sizes == [1, 2, 3, 1, 2, 3] and a.num_features == 2 * body.num_features
    assert all(x is y for x, y in zip(a.convs[:3], body.convs)) and all(x is y for x, y in zip(b.convs[:3], body.convs))
    assert all(x is not y and x.weight.shape == y.weight.shape for x, y in zip(b.convs[3:], a.convs[3:]))
    network = MultiTaskNetwork({"a": a, "b": b}, body)
    private = sum(p.numel() for m in (a, b) for c in m.convs[3:] for p in c.parameters())
    heads = sum(p.numel() for m in (a, b) for p in m.head.parameters())
    shared = sum(p.numel() for p in body.parameters()) - sum(p.numel() for p in body.head.parameters())
    assert sum(p.numel() for p in network.parameters()) == shared + heads + private  # the body's head is not trained
    assert {k for k in network.weights() if k.startswith("private.")} == {
        f"private.{task}.{i}.{part}" for task in "ab" for i in range(3) for part in ("weight", "bias")
    }
    b(torch.randint(1, 50, (3, 7))).sum().backward()  # task b's loss: the shared filters and its own, not a's
    assert body.convs[0].weight.grad is not None and b.convs[3].weight.grad is not None
    assert a.convs[3].weight.grad is None
    with pytest.raises(ConvtextError, match="private filters need a TextCNN.*private_filters=False"):
        share_body(create_model("mean_embedding", vocab_size=50, num_classes=2), 3, private=True)


def test_plain_sharing_saves_loads_and_predicts_all_tasks(two_tasks, tmp_path):
    small = {name: data.subset(range(400)) for name, data in two_tasks.items()}
    plain = MultiTaskClassifier(private_filters=False, epochs=1, **FAST).fit(small)
    assert plain.task("sentiment").model_ is plain.body_ and len(plain.task("question").model_.convs) == 3
    loaded = MultiTaskClassifier.load(plain.save(tmp_path / "plain"))
    assert loaded.private_ is False and loaded.task("question").model_.convs[0] is loaded.body_.convs[0]
    texts = two_tasks["question"].texts[-30:]
    every = loaded.predict_all(texts)
    for name in small:
        assert every[name] == plain.predict(texts, task=name) == loaded.predict(texts, task=name)
    with pytest.raises(ConvtextError, match="private_filters is True, False or None"):
        MultiTaskClassifier(private_filters="yes")
    texts, labels = toy_texts(120)
    other = MultiTaskClassifier(architecture="mean_embedding", epochs=1, **{**FAST, "members": None}).fit(
        {"a": (texts, labels), "b": (texts, labels[::-1])}
    )
    assert other.private_ is False  # the default turns private filters on only where the architecture has them
    with pytest.raises(ConvtextError, match="private filters need a TextCNN"):
        MultiTaskClassifier(
            architecture="mean_embedding", private_filters=True, epochs=1, **{**FAST, "members": None}
        ).fit({"a": (texts, labels)})


def test_sampling_probabilities_are_proportional_or_tempered():
    rows = {"big": 900, "small": 100}
    assert task_probabilities(rows, MultiTaskConfig("proportional")) == pytest.approx({"big": 0.9, "small": 0.1})
    tempered = task_probabilities(rows, MultiTaskConfig("temperature", temperature=2.0))
    assert tempered == pytest.approx({"big": 30 / 40, "small": 10 / 40})
    with pytest.raises(ConvtextError, match="sampling"):
        MultiTaskConfig("uniform")
    with pytest.raises(ConvtextError, match="weights"):
        MultiTaskConfig(weights={"big": -1})


def test_steps_follow_the_sampling(two_tasks):
    small = {
        "sentiment": two_tasks["sentiment"].subset(range(700)),
        "question": two_tasks["question"].subset(range(140)),
    }
    for sampling, temperature, expected in (("proportional", 1.0, 630 / 756), ("temperature", 50.0, 0.5)):
        model = MultiTaskClassifier(sampling, temperature, epochs=1, batch_size=10, **FAST).fit(small)
        steps = model.history_.history[0].tasks
        share = steps["sentiment"]["steps"] / (steps["sentiment"]["steps"] + steps["question"]["steps"])
        assert share == pytest.approx(expected, abs=0.08)
        assert steps["sentiment"]["steps"] + steps["question"]["steps"] == 63 + 13  # one pass over both: the budget


def test_multitask_learns_every_task_and_keeps_the_best_mean_epoch(trained, two_tasks):
    history = trained.history_.history
    means = [entry.valid_accuracy for entry in history]
    assert trained.history_.best_epoch == 1 + int(np.argmax(means))
    for entry in history:
        assert entry.valid_accuracy == pytest.approx(np.mean([t["valid_accuracy"] for t in entry.tasks.values()]))
    assert trained.task("question").metrics_["valid"]["accuracy"] > 0.38  # 6 classes: the largest has 23 %
    assert trained.task("sentiment").metrics_["valid"]["accuracy"] > 0.55
    assert trained.task("question").classes_ == sorted(set(two_tasks["question"].labels))
    texts = two_tasks["question"].texts[:20]
    every = trained.predict_all(texts)
    assert every["question"] == trained.predict(texts, task="question")
    assert every["sentiment"] == trained.predict(texts, task="sentiment")


def test_a_zero_loss_weight_leaves_that_head_untrained(two_tasks):
    torch.manual_seed(0)
    model = MultiTaskClassifier(task_weights={"question": 0.0}, epochs=1, **FAST)
    start = {}
    original = MultiTaskNetwork.__init__

    def remember(network, models, body=None):  # the heads as training starts
        original(network, models, body)
        start.update({name: m.head.weight.detach().clone() for name, m in models.items()})

    MultiTaskNetwork.__init__ = remember
    try:
        model.fit(two_tasks)
    finally:
        MultiTaskNetwork.__init__ = original
    moved = {name: (clf.model_.head.weight - start[name]).abs().max().item() for name, clf in model.tasks_.items()}
    assert moved["question"] < 1e-3 < moved["sentiment"]  # only AdamW's weight decay touches a weight-0 head


def test_an_ensemble_trains_each_member_with_its_own_heads(two_tasks):
    small = {name: data.subset(range(300)) for name, data in two_tasks.items()}
    model = MultiTaskClassifier(epochs=1, **{**FAST, "members": 2}).fit(small)
    members = model.history_.config["members"]
    assert [m["seed"] for m in members] == [0, 1] and set(members[0]["valid_accuracy"]) == {"sentiment", "question"}
    question = model.task("question")
    assert question.model_.members == 2 and question.model_.embedding is model.task("sentiment").model_.embedding
    assert question.model_.convs[0] is model.body_.convs[0] and question.model_.convs[3].out_channels == 2 * 100
    texts = small["question"].texts[:40]
    assert model.predict_all(texts)["question"] == model.predict(texts, task="question")


def test_save_and_load_keep_every_head_and_label_set(trained, two_tasks, tmp_path):
    folder = trained.save(tmp_path / "multi")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert set(config["convtext"]["tasks"]) == {"sentiment", "question"} and config["convtext"]["private_filters"]
    assert "each task its own as many again (shared-private)" in (folder / "README.md").read_text(encoding="utf-8")
    loaded = MultiTaskClassifier.load(folder)
    texts = two_tasks["question"].texts[:50] + two_tasks["sentiment"].texts[:50]
    # to 1e-6, not bit for bit: the shared fixture, used by earlier tests, may have built its n-gram table (after
    # convolving V/2 tokens), which rounds differently from the convolution a freshly loaded model runs
    for name in ("sentiment", "question"):
        assert loaded.task(name).classes_ == trained.task(name).classes_
        assert np.allclose(loaded.predict_proba(texts, task=name), trained.predict_proba(texts, task=name), atol=1e-6)
        assert loaded.predict(texts, task=name) == trained.predict(texts, task=name)
    assert loaded.task("question").model_.embedding is loaded.task("sentiment").model_.embedding  # one body in memory
    shared, own = loaded.task("question").model_.convs, loaded.task("sentiment").model_.convs  # private filters
    assert shared[0] is own[0] and shared[3] is not own[3] and len(shared) == 2 * len(loaded.body_.convs)
    again = MultiTaskClassifier.load(loaded.save(tmp_path / "again"))  # a loaded model saves and loads again
    assert again.task("question").training_["train_rows"] == trained.task("question").training_["train_rows"]
    assert np.allclose(
        again.predict_proba(texts, task="question"), trained.predict_proba(texts, task="question"), atol=1e-6
    )
    assert again.predict(texts, task="question") == trained.predict(texts, task="question")
    single = convtext.load(folder, task="question")
    assert single.predict(texts) == trained.predict(texts, task="question")
    assert single.explain("who wrote hamlet ?").label in single.classes_
    with pytest.raises(ArtifactError, match="multi-task model .*sentiment, question.*task"):
        convtext.load(folder)
    with pytest.raises(ConvtextError, match="no task 'topic'.*sentiment, question"):
        convtext.load(folder, task="topic")
    weights = folder / "model.safetensors"
    from safetensors.torch import load_file, save_file

    state = load_file(str(weights))
    assert {"private.question.0.weight", "private.sentiment.2.bias"} <= set(state)
    state["heads.question.weight"] = state["heads.question.weight"][:3]
    save_file(state, str(weights))
    (folder / "digests.json").unlink()  # else the digest check speaks first; the shapes are checked too
    with pytest.raises(ArtifactError, match="tensors do not match"):
        MultiTaskClassifier.load(folder)
    del state["private.question.1.weight"]
    state["heads.question.weight"] = load_file(str(folder.parent / "again" / "model.safetensors"))[
        "heads.question.weight"
    ]
    save_file(state, str(weights))
    with pytest.raises(ArtifactError, match="private.question.1.weight"):
        MultiTaskClassifier.load(folder)


def test_task_names_in_any_script_and_bad_names_refused(tmp_path):
    texts, labels = toy_texts(120)
    tasks = {"тональность": (texts, labels), "копия_2": (texts, labels[::-1])}
    model = MultiTaskClassifier(epochs=1, **FAST).fit(tasks)
    loaded = MultiTaskClassifier.load(model.save(tmp_path / "модель"))
    assert loaded.task_names == ["тональность", "копия_2"]
    for bad in ("a.b", "", "-x", "two words"):
        with pytest.raises(ConvtextError, match="task name"):
            MultiTaskClassifier(epochs=1, **FAST).fit({bad: (texts, labels)})
    with pytest.raises(ConvtextError, match="unknown tasks"):
        MultiTaskClassifier(epochs=1, **FAST).fit({"a": (texts, labels)}, valid={"b": (texts, labels)})
    with pytest.raises(ConvtextError, match="loss weights for unknown tasks"):
        MultiTaskClassifier(task_weights={"b": 1.0}, epochs=1, **FAST).fit({"a": (texts, labels)})


def test_cli_trains_predicts_and_serves_each_task(capsys, tmp_path, kim):
    from conftest import write_rows

    sst = write_rows(tmp_path / "sst.txt", read_labeled(kim / "stsa.binary.train").subset(range(400)))
    trec = write_rows(tmp_path / "trec.txt", read_labeled(kim / "TREC.train.all").subset(range(400)))
    trec_test = write_rows(tmp_path / "trec_test.txt", read_labeled(kim / "TREC.test.all").subset(range(100)))
    out = tmp_path / "multi"
    code, stdout, stderr = run_cli(
        capsys, "train", "--task", f"sentiment={sst}", "--task", f"question={trec}", "--task-test",
        f"question={trec_test}", "--task-weight", "question=2", "--sampling", "temperature", "--epochs", "1",
        "--embeddings", "random", "--members", "1", "--threads", "2", "-o", out, "--json",
    )  # fmt: skip
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert set(summary["tasks"]) == {"sentiment", "question"} and summary["tasks"]["question"]["test"]["n"] == 100
    assert summary["sampling"]["question"] == pytest.approx(0.5)  # same rows, tempered: equal turns
    assert summary["private_filters"] is True and len(convtext.load(out, task="question").model_.convs) == 6
    code, stdout, _ = run_cli(capsys, "predict", out, "--task", "question", "--json", "who wrote hamlet ?")
    assert code == 0 and json.loads(stdout)[0]["label"] in summary["tasks"]["question"]["labels"]
    code, _, stderr = run_cli(capsys, "predict", out, "who wrote hamlet ?")
    assert code != 0 and "--task NAME" in stderr and "sentiment, question" in stderr
    code, _, stderr = run_cli(capsys, "train", sst, "--task", f"a={trec}", "-o", tmp_path / "x")
    assert code != 0 and "DATA cannot be combined with --task" in stderr
    code, _, stderr = run_cli(capsys, "train", sst, "--no-private-filters", "-o", tmp_path / "x")
    assert code != 0 and "use them with --task" in stderr
    code, stdout, stderr = run_cli(
        capsys, "train", "--task", f"a={sst}", "--task", f"b={trec}", "--no-private-filters", "--epochs", "1",
        "--embeddings", "random", "--members", "1", "--threads", "2", "-o", tmp_path / "plain", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(stdout)["private_filters"] is False, stderr
    assert len(convtext.load(tmp_path / "plain", task="b").model_.convs) == 3
    code, _, stderr = run_cli(capsys, "train", "--task", f"a={trec}", "--task-valid", f"b={sst}", "-o", tmp_path / "x")
    assert code != 0 and "no --task defines" in stderr
    from convtext.serve import load_models

    served = load_models({"m": out})
    assert set(served) == {"m.sentiment", "m.question"}
    assert served["m.question"].classes_ == summary["tasks"]["question"]["labels"]


def test_a_shared_private_task_exports_to_onnx_and_matches(tmp_path):
    texts, labels = toy_texts(200)
    model = MultiTaskClassifier(epochs=1, **{**FAST, "members": 2}).fit(
        {"a": (texts, labels), "b": (texts, labels[::-1])}
    )
    task = convtext.load(model.save(tmp_path / "multi"), task="b")  # 2 members, the shared and its own filters
    assert len(task.model_.convs) == 6
    inputs = texts[:30] + ["", "отличный фильм 👍", "the plot " * 300]
    expected = task.decision_function(inputs)
    task.use_onnx(task.export_onnx(tmp_path / "b.onnx"))
    np.testing.assert_allclose(task.decision_function(inputs), expected, atol=1e-4)
