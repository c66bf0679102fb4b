"""Transfer learning: head surgery, freezing by layer group, discriminative rates, vocabulary growth, CLI."""

import logging

import numpy as np
import pytest
import torch
from conftest import KIM, run_cli, toy_texts

from convtext import ConvtextError, TextClassifier, load, read_labeled, stratified_holdout
from convtext.models import create_model
from convtext.transfer import HEAD_CS, discriminative_groups, gradual_unfreezing, prepare_transfer

SMALL = {"epochs": 3, "lr": 0.01, "threads": 1, "seed": 0, "device": "cpu"}  # exact comparisons: CPU float32


def three_class_texts(count: int = 240):
    """The toy sentiment texts plus a third class of questions, so the label set differs from the base's."""
    texts, labels = toy_texts(count, seed=1)
    for i in range(0, count, 3):
        texts[i], labels[i] = f"what is the plot of film number {i} ?", "question"
    return texts, labels


def parameters(model, group):
    return dict(model.layer_groups()[group])


def test_counts_per_group_follow_the_architecture():
    model = create_model("textcnn", vocab_size=50, num_classes=3, embed_dim=8, kernel_sizes=(1, 2), num_filters=4)
    expected = {"embedding": 50 * 8, "encoder": (4 * 1 * 8 + 4) + (4 * 2 * 8 + 4), "head": 8 * 3 + 3}
    assert {r["group"]: r["trainable"] for r in model.parameter_summary()} == expected
    model.freeze()
    rows = {r["group"]: (r["trainable"], r["frozen"]) for r in model.parameter_summary()}
    assert rows == {"embedding": (0, 400), "encoder": (0, expected["encoder"]), "head": (expected["head"], 0)}
    model.freeze_to(1)
    rows = {r["group"]: (r["trainable"], r["frozen"]) for r in model.parameter_summary()}
    assert rows["embedding"] == (0, 400) and rows["encoder"] == (expected["encoder"], 0)
    model.unfreeze()
    assert all(r["frozen"] == 0 for r in model.parameter_summary())


def test_inception_groups_each_block_and_static_tables_stay_frozen():
    model = create_model("inception_small", vocab_size=30, num_classes=2, embed_dim=8, embedding_mode="static")
    assert [r["group"] for r in model.parameter_summary()] == ["embedding", "block0", "head"]
    model.unfreeze()
    embedding = model.parameter_summary()[0]
    assert embedding["frozen"] == 30 * 8  # Kim's static table is pinned by the embedding mode
    assert embedding["trainable"] == 8 * 128 + 128  # the 1-wide projection in the same group learns
    with pytest.raises(ConvtextError, match="no layer group 'encoder'"):
        model.freeze(["encoder"])
    with pytest.raises(ConvtextError, match="3 layer groups"):
        model.freeze_to(4)


def test_new_label_set_gets_a_new_head_and_says_so(trained, caplog):
    texts, labels = three_class_texts()
    with caplog.at_level(logging.INFO):
        clf = TextClassifier(pretrained=trained, **{**SMALL, "epochs": 10}).fit(texts, labels)
    assert clf.model_.num_classes == 3 and clf.classes_ == ["neg", "pos", "question"]
    assert "head dropped: 2 → 3 classes" in caplog.text
    assert clf.score(texts, labels) > 0.8
    assert trained.model_.num_classes == 2  # the pretrained model itself is untouched


def test_feature_extraction_leaves_the_body_bit_identical(trained):
    texts, labels = three_class_texts()
    settings = {**SMALL, "epochs": 10, "lr": 0.03}
    clf = TextClassifier(pretrained=trained, transfer="feature-extraction", vocabulary="keep", **settings)
    clf.fit(texts, labels)
    for group in ("embedding", "encoder"):
        before, after = parameters(trained.model_, group), parameters(clf.model_, group)
        assert all(torch.equal(before[name], after[name]) for name in before)
    assert clf.score(texts, labels) > 0.6  # the head alone learned the new classes on fixed features
    rows = {r["group"]: r for r in clf.summary()}
    assert rows["encoder"]["trainable"] == 0 and rows["head"]["frozen"] == 0


def test_feature_extraction_head_is_a_logistic_regression_chosen_on_validation(trained):
    texts, labels = three_class_texts()
    dev_texts, dev_labels = three_class_texts(60)
    clf = TextClassifier(pretrained=trained, transfer="feature-extraction", vocabulary="keep", **SMALL)
    clf.fit(texts, labels, dev_texts, dev_labels)
    training = clf.training_
    assert training["history"] == [] and training["best_epoch"] == 0  # a linear probe has no epochs
    search = training["config"]["head_search"]
    assert [entry["c"] for entry in search] == list(HEAD_CS)  # one fit per C
    best = max(search, key=lambda entry: entry["valid_accuracy"])
    assert training["config"]["head_c"] == best["c"]
    # the standardisation is folded into the head: the saved model scores validation as the probe did
    assert clf.score(dev_texts, dev_labels) == pytest.approx(best["valid_accuracy"])


def test_discriminative_rates_land_on_their_groups():
    model = create_model("inception_base", vocab_size=40, num_classes=2, embed_dim=8)
    groups = discriminative_groups(model, lr=1e-3, body_lr_mult=0.1)
    assert [(g["name"], g["lr"]) for g in groups] == [
        ("embedding", pytest.approx(1e-4)), ("block0", pytest.approx(1e-4)),
        ("block1", pytest.approx(1e-4)), ("head", 1e-3),
    ]  # fmt: skip
    for group in groups:
        expected = {id(p) for _, p in model.layer_groups()[group["name"]]}
        assert {id(p) for p in group["params"]} == expected
    spread = [g["lr"] for g in discriminative_groups(model, lr=1.0, lr_range=(1e-4, 1e-2))]
    assert spread == pytest.approx([1e-4, 10**-3.333333, 10**-2.666667, 1e-2], rel=1e-4)
    with pytest.raises(ConvtextError, match="lr_range"):
        discriminative_groups(model, 1e-3, lr_range=(1e-2, 1e-4))


def test_fine_tuning_warms_every_group_up_over_the_first_epoch_and_full_does_not():
    from convtext.train import learning_rate_schedule

    model = create_model("inception_base", vocab_size=40, num_classes=2, embed_dim=8)
    for mode, start in (("fine-tune", 0.0), ("full", 1.0)):
        groups, _ = prepare_transfer(model, mode, 1e-3, body_lr_mult=1.0)
        optimizer = torch.optim.AdamW(groups)
        schedule = learning_rate_schedule(optimizer, total_steps=40, steps_per_epoch=10, decay=True)
        rates = []  # (step, group) learning rates
        for _ in range(40):
            rates.append([group["lr"] for group in optimizer.param_groups])
            optimizer.step()
            schedule.step()
        body, head = np.array(rates)[:, 0], np.array(rates)[:, -1]
        decayed = 1e-3 * (1 - np.arange(40) / 40)  # linear decay from the first step
        assert head[10:] == pytest.approx(decayed[10:]) and body[10:] == pytest.approx(head[10:])
        assert body[0] == pytest.approx(1e-3 * start) and head[0] == pytest.approx(1e-3 * start)
    assert head == pytest.approx(decayed) and body == pytest.approx(head)  # full: no warm-up
    groups, _ = prepare_transfer(model, "fine-tune", 1e-3, body_lr_mult=0.1)
    optimizer = torch.optim.AdamW(groups)
    schedule = learning_rate_schedule(optimizer, total_steps=40, steps_per_epoch=10, decay=False)
    assert [g["lr"] for g in optimizer.param_groups] == [0.0, 0.0, 0.0, 0.0]  # constant schedule: still warms up
    for _ in range(10):
        optimizer.step()
        schedule.step()
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([1e-4, 1e-4, 1e-4, 1e-3])


def test_the_optimizer_uses_the_body_rate(trained):
    """A body rate of 0 keeps the trainable body exactly as it was, 0.1 moves it: the rates reach AdamW."""
    import copy

    from convtext.train import TrainConfig, fit

    texts, labels = toy_texts(200, seed=4)
    ids = trained.tokenizer_.encode_batch(texts)
    targets = trained.label_set_.encode(labels)
    for mult, changes in ((0.0, False), (0.1, True)):
        model = copy.deepcopy(trained.model_)
        groups, hook = prepare_transfer(model, "fine-tune", 0.01, body_lr_mult=mult)
        fit(model, (ids[:160], targets[:160]), (ids[160:], targets[160:]), trained.classes_,
            TrainConfig(epochs=2, lr=0.01, threads=1, device="cpu", progress=False), groups, hook)  # fmt: skip
        assert all(r["frozen"] == 0 for r in model.parameter_summary())
        before, after = parameters(trained.model_, "encoder"), parameters(model, "encoder")
        assert all(torch.equal(before[name], after[name]) for name in before) != changes


def test_fine_tuning_starts_from_the_trained_head_and_never_ends_below_it(trained):
    texts, labels = three_class_texts()
    settings = {**SMALL, "epochs": 4}
    extracted = TextClassifier(pretrained=trained, transfer="feature-extraction", **settings).fit(texts, labels)
    tuned = TextClassifier(pretrained=trained, transfer="fine-tune", **settings).fit(texts, labels)
    assert tuned.training_["config"]["head_warmup_c"] == extracted.training_["config"]["head_c"]
    assert tuned.metrics_["valid"]["accuracy"] >= extracted.metrics_["valid"]["accuracy"]


def test_gradual_unfreezing_adds_one_group_per_epoch():
    model = create_model("inception_base", vocab_size=40, num_classes=2, embed_dim=8)
    hook = gradual_unfreezing(model)
    trained_groups = []
    for epoch in (1, 2, 3, 4, 5):
        hook(epoch)
        trained_groups.append([r["group"] for r in model.parameter_summary() if r["trainable"]])
    assert trained_groups == [
        ["head"], ["block1", "head"], ["block0", "block1", "head"],
        ["embedding", "block0", "block1", "head"], ["embedding", "block0", "block1", "head"],
    ]  # fmt: skip
    with pytest.raises(ConvtextError, match="fine-tune schedule"):
        prepare_transfer(model, "feature-extraction", 1e-3, unfreeze_schedule="gradual")
    with pytest.raises(ConvtextError, match="unknown transfer mode"):
        prepare_transfer(model, "finetune", 1e-3)


def test_vocabulary_grows_and_known_tokens_keep_their_vectors(trained):
    texts, labels = three_class_texts()
    texts = [t + " brandnewword" for t in texts]
    clf = TextClassifier(pretrained=trained, transfer="feature-extraction", **SMALL).fit(texts, labels)
    old, new = trained.tokenizer_.vocab, clf.tokenizer_.vocab
    assert "brandnewword" in new and "brandnewword" not in old and "what" in new
    assert new.id2word[: len(old)] == old.id2word  # known tokens keep their ids
    old_rows, new_rows = trained.model_.embedding.weight, clf.model_.embedding.weight
    assert torch.equal(new_rows[: len(old)], old_rows)
    assert clf.model_.vocab_size == len(new) == new_rows.shape[0]
    kept = TextClassifier(pretrained=trained, vocabulary="keep", **SMALL).fit(texts, labels)
    assert kept.tokenizer_.vocab.id2word == old.id2word


def test_wordpiece_vocabulary_grows_with_minilm_vectors():
    from convtext.zoo import minilm_token_vectors

    base = TextClassifier(embeddings="minilm", **SMALL).fit(*toy_texts(120))
    texts, labels = three_class_texts(120)
    clf = TextClassifier(pretrained=base, transfer="feature-extraction", **SMALL).fit(texts, labels)
    vocab = clf.tokenizer_.vocab
    assert "number" not in base.tokenizer_.vocab and "number" in vocab
    row = clf.model_.embedding.weight[vocab.word2id["number"]]
    from tokenizers import Tokenizer

    from convtext.zoo import minilm_folder

    minilm_id = Tokenizer.from_file(str(minilm_folder() / "tokenizer.json")).token_to_id("number")
    assert torch.allclose(row, minilm_token_vectors([minilm_id])[0])


def test_transfer_is_saved_with_its_lineage(trained, tmp_path):
    texts, labels = three_class_texts()
    first = tmp_path / "first"
    TextClassifier(pretrained=trained, **SMALL).fit(texts, labels).save(first)
    second = TextClassifier(pretrained=first, **SMALL).fit(*toy_texts(100, seed=3))
    reloaded = load(second.save(tmp_path / "second"))
    assert reloaded.transfer_["from"] == str(first) and reloaded.transfer_["mode"] == "fine-tune"
    assert reloaded.data_seen_ == ["training data"]  # in-memory data sets are named by their role
    assert np.allclose(reloaded.predict_proba(texts[:5]), second.predict_proba(texts[:5]), atol=1e-6)


def test_features_are_the_body_output(trained):
    texts = ["good film", "ужасно 👎", "a"]
    vectors = trained.features(texts)
    assert vectors.shape == (3, trained.model_.num_features) and vectors.dtype == np.float32
    weight, bias = trained.model_.head.weight.detach().cpu().numpy(), trained.model_.head.bias.detach().cpu().numpy()
    logits = vectors @ weight.T + bias
    assert np.allclose(logits, trained.decision_function(texts), atol=1e-5)


def test_settings_that_come_from_the_pretrained_model_are_refused(trained, tmp_path):
    with pytest.raises(ConvtextError, match="kernel_sizes, num_filters come from the pretrained model"):
        TextClassifier(pretrained=trained, kernel_sizes=(3,), num_filters=8, **SMALL).fit(*toy_texts(60))
    with pytest.raises(ConvtextError, match="vocabulary must be"):
        TextClassifier(pretrained=trained, vocabulary="grow", **SMALL).fit(*toy_texts(60))
    with pytest.raises(ConvtextError, match="not a model folder"):
        TextClassifier(pretrained=tmp_path / "nowhere", **SMALL).fit(*toy_texts(60))


def test_cli_transfer_features_and_summary(trained, tmp_path, capsys):
    base = trained.save(tmp_path / "base")
    texts, labels = three_class_texts()
    data = tmp_path / "three.txt"
    data.write_text("".join(f"__label__{y} {x}\n" for x, y in zip(texts, labels)), encoding="utf-8")
    code, out, err = run_cli(
        capsys, "train", data, "-o", tmp_path / "new", "--from", base, "--mode", "fine-tune",
        "--lr-range", "1e-4,1e-2", "--unfreeze-schedule", "gradual", "--epochs", "3", "--threads", "1",
        "--no-progress",
    )  # fmt: skip
    assert code == 0, err
    assert f"started from {base}" in out
    code, out, err = run_cli(capsys, "summary", tmp_path / "new", "--json")
    assert code == 0, err
    assert '"mode": "fine-tune"' in out and '"group": "encoder"' in out
    code, out, err = run_cli(capsys, "features", tmp_path / "new", data, "-o", tmp_path / "f.npy")
    assert code == 0, err
    vectors = np.load(tmp_path / "f.npy")
    assert vectors.shape == (len(texts), trained.model_.num_features)
    code, out, err = run_cli(capsys, "features", tmp_path / "new", data, "-o", tmp_path / "f.csv")
    assert code == 2 and "must end in .npy" in err
    code, out, err = run_cli(capsys, "train", data, "-o", tmp_path / "x", "--from", base, "--lr-range", "fast")
    assert code == 2 and "--lr-range takes two rates" in err
    code, out, err = run_cli(capsys, "train", data, "-o", tmp_path / "x", "--from", base, "--arch", "inception")
    assert code == 2 and "architecture come from the pretrained model" in err


def test_minilm_body_is_the_sentence_transformer_and_transfers(tmp_path):
    from convtext.distill import teacher_embeddings
    from convtext.models import list_models
    from convtext.train import predict_features
    from convtext.zoo import load_pretrained

    body = load_pretrained("minilm")
    texts = ["a gripping film", "What is the capital of France ?", "Отличный фильм 👍"]
    ours = predict_features(body.model_, body.tokenizer_.encode_batch(texts))
    assert np.allclose(ours, teacher_embeddings(texts, cache=False), atol=1e-5)  # sentence-transformers' vectors
    assert "minilm" not in list_models() and list_models(pretrained_only=True) == ["minilm"]
    train_texts, labels = three_class_texts(90)
    clf = TextClassifier(pretrained="minilm", transfer="feature-extraction", threads=1).fit(train_texts, labels)
    assert [r["group"] for r in clf.summary()][:2] == ["embedding", "layer0"] and clf.summary()[-1]["frozen"] == 0
    assert clf.score(train_texts, labels) > 0.8
    again = load(clf.save(tmp_path / "minilm-clf"))
    assert np.allclose(again.predict_proba(texts), clf.predict_proba(texts), atol=1e-5)
    assert body.tokenizer_.add_special_tokens and not body.tokenizer_.config()["boundaries"]  # [CLS] … [SEP]
    assert "<s>" not in (tmp_path / "minilm-clf" / "README.md").read_text()  # the card names convtext's own only
    with pytest.raises(ConvtextError, match=r"pretrained='minilm'"):
        TextClassifier("minilm").fit(train_texts, labels)
    tuned = TextClassifier(pretrained="minilm", transfer="fine-tune", epochs=1, threads=1)
    assert tuned.fit(train_texts[:30], labels[:30]).transfer_["body_lr_mult"] == 0.1  # a transformer learns slowly


@pytest.fixture(scope="module")
def sentiment_body():
    """A small sentiment body trained on a quarter of MR (MiniLM input vectors, as the zoo's), and CR to move to."""
    movies = read_labeled(KIM / "rt-polarity.all")
    movies = movies.subset(stratified_holdout(movies.label_sets, 0.25, seed=0)[1])
    schedule = {
        "epochs": 1,
        "batch_size": 50,
        "lr": 2e-3,
    }  # pinned: the tie-breaking test needs a body whose epochs tie
    body = TextClassifier(members=1, num_filters=50, threads=2, seed=0, **schedule).fit(movies.texts, movies.labels)
    reviews = read_labeled(KIM / "custrev.all")
    rest, train = stratified_holdout(reviews.label_sets, 0.15, seed=0)
    return body, reviews.subset(train), reviews.subset(rest[:600])


def test_fine_tuning_from_the_probe_starts_at_its_loss_and_learns_below_chance(sentiment_body, caplog):
    body, train, valid = sentiment_body
    settings = {"threads": 2, "seed": 0, "epochs": 2}
    probe = TextClassifier(pretrained=body, transfer="feature-extraction", calibrate=False, **settings)  # raw logits
    probe.fit(train.texts, train.labels, valid.texts, valid.labels)
    tuned = TextClassifier(pretrained=body, transfer="fine-tune", **settings)
    with caplog.at_level("WARNING", logger="convtext.classifier._recipe"):
        tuned.fit(train.texts, train.labels, valid.texts, valid.labels)
    assert "the body learns at 1× --lr (every rate rising from 0 over the first epoch)" in caplog.text
    assert tuned.transfer_["body_lr_mult"] == 1.0
    start, first = tuned.training_["history"][:2]
    probabilities = probe.predict_proba(train.texts)[np.arange(len(train)), probe.label_set_.encode(train.labels)]
    assert start["epoch"] == 0 and start["train_loss"] == pytest.approx(-np.log(probabilities).mean(), rel=1e-4)
    assert first["epoch"] == 1 and first["train_loss"] < np.log(2)  # chance for two classes
    assert (
        tuned.model_.dropout_rate == 0.0 and tuned.metrics_["valid"]["accuracy"] >= probe.metrics_["valid"]["accuracy"]
    )


def test_dropout_given_with_a_pretrained_body_is_kept(sentiment_body):
    body, train, valid = sentiment_body
    tuned = TextClassifier(pretrained=body, transfer="fine-tune", dropout=0.3, epochs=1, threads=2, seed=0)
    tuned.fit(train.texts, train.labels, valid.texts, valid.labels)
    assert tuned.model_.dropout_rate == 0.3 and tuned.transfer_["dropout"] == 0.3


def test_fine_tuning_breaks_validation_accuracy_ties_on_the_loss(sentiment_body):
    """With few dev texts a fine-tuned epoch often ties the probe's accuracy: the lower validation loss wins."""
    body, train, valid = sentiment_body
    few = valid.subset(list(range(6)))
    tuned = TextClassifier(pretrained=body, transfer="fine-tune", epochs=4, patience=4, threads=2, seed=0)
    tuned.fit(train.texts, train.labels, few.texts, few.labels)
    history = tuned.training_["history"]
    probabilities = tuned.predict_proba(few.texts)[np.arange(len(few)), tuned.label_set_.encode(few.labels)]
    kept = history[tuned.training_["best_epoch"]]
    assert kept["valid_loss"] == pytest.approx(-np.log(probabilities).mean(), rel=1e-4)  # the log is the model's
    ranked = max(history, key=lambda entry: (entry["valid_accuracy"], -entry["valid_loss"], -entry["epoch"]))
    earliest_best = max(history, key=lambda entry: (entry["valid_accuracy"], -entry["epoch"]))
    assert kept["epoch"] == ranked["epoch"] != earliest_best["epoch"]  # the old rule (earlier wins) kept another
    assert tuned.training_["config"]["selected_on"] == "validation accuracy, ties broken by validation loss"
