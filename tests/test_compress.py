"""Compression to a size budget (issue 33): int8 rows on disk, a pruned vocabulary, the n-gram scores at a lower
rank; the folder is within --max-size byte for byte, loads and predicts as the compressed model in memory."""

import json

import numpy as np
import pytest
import torch
from conftest import KIM, run_cli
from safetensors.numpy import save_file

from convtext import ArtifactError, ConvtextError, TextClassifier
from convtext._tensor_file import read_tensors, write_tensors
from convtext.compress import folder_bytes, parse_size, shrunk_textcnn
from convtext.data import read_labeled
from convtext.models import TextCNN
from convtext.runtime import numpy_classifier
from convtext.tokenize import keep_first_tokens, train_tokenizer


@pytest.fixture(scope="module")
def sst():
    train = read_labeled(KIM / "stsa.binary.train").subset(range(1500))
    valid = read_labeled(KIM / "stsa.binary.dev").subset(range(300))
    return train, valid


@pytest.fixture(scope="module")
def model(sst):
    train, valid = sst
    settings = dict(embed_dim=48, num_filters=24, epochs=3, lr=0.01, threads=1, seed=0, device="cpu")
    return TextClassifier(**settings).fit(train.texts, train.labels, valid.texts, valid.labels)


@pytest.fixture(scope="module")
def compressed(model, sst, tmp_path_factory):
    _, valid = sst
    smaller = model.compress("120KB", valid.texts, valid.labels)
    folder = smaller.save(tmp_path_factory.mktemp("compress") / "small")
    return smaller, folder


def test_sizes_read_as_users_write_them():
    assert [parse_size(v) for v in ("1MB", "500KB", "2MiB", "1.5M", "1234", 99)] == [
        10**6, 5 * 10**5, 2 * 2**20, 1_500_000, 1234, 99
    ]  # fmt: skip
    for bad in ("one megabyte", "-1MB", "0", "5 parsecs", "", True):
        with pytest.raises(ConvtextError, match="is not a size"):
            parse_size(bad)


def test_int8_rows_round_trip_and_a_broken_pair_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    table, head = rng.normal(size=(50, 16)).astype(np.float32), rng.normal(size=(2, 16)).astype(np.float32)
    table[3] = 0.0  # an all-zero row (padding) stays exactly zero
    write_tensors(tmp_path / "w.safetensors", {"table": table, "head": head}, int8={"table"})
    read = read_tensors(tmp_path / "w.safetensors", {"table": (50, 16), "head": (2, 16)})
    assert np.array_equal(read["head"], head) and not read["table"][3].any()
    step = np.abs(table).max(axis=1, keepdims=True) / 127
    assert (np.abs(read["table"] - table) <= step / 2 + 1e-7).all()
    save_file({"table.int8": np.zeros((4, 2), np.int8)}, str(tmp_path / "bad.safetensors"))
    with pytest.raises(ArtifactError, match="no float32 table.scale"):
        read_tensors(tmp_path / "bad.safetensors")
    save_file({"table": np.zeros((4, 2), np.int8)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(ArtifactError, match="is I8"):
        read_tensors(tmp_path / "plain.safetensors")


def test_a_pruned_vocabulary_renumbers_every_token_and_keeps_the_boundaries():
    tokenizer = train_tokenizer("word", ["a b c d", "a b", "a", "c"], boundaries=True)
    pruned, kept = keep_first_tokens(tokenizer, 4)  # <pad>, <unk>, a, b (+ <s>, </s>)
    assert pruned.vocab.id2word == ["<pad>", "<unk>", "a", "b", "<s>", "</s>"]
    assert kept == [0, 1, 2, 3, 6, 7] and pruned.encode("a d b") == [4, 2, 1, 3, 5]
    bpe = train_tokenizer("bpe", ["a b c d"] * 5, vocab_size=300)
    with pytest.raises(ConvtextError, match="BPE tokenizer's vocabulary cannot be cut"):
        keep_first_tokens(bpe, 10)


@pytest.mark.parametrize("mode, members", [("rand", 1), ("multichannel", 2)])
def test_the_cut_model_scores_as_the_original_on_the_rows_it_keeps(mode, members):
    torch.manual_seed(0)
    model = TextCNN(vocab_size=40, num_classes=3, embed_dim=12, kernel_sizes=(1, 2), num_filters=10,
                    embedding_mode=mode, members=members).eval()  # fmt: skip
    rows = list(range(25))
    ids = torch.randint(2, 25, (6, 9))  # only kept tokens, so ids are the same in both
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        expected = model(ids, mask)
        whole = shrunk_textcnn(model, rows)(ids, mask)  # every row kept at full width: the same model
        full_rank = shrunk_textcnn(model, rows, rank=12)(ids, mask)  # scores of rank ≤ 12: cut exactly
        low = shrunk_textcnn(model, rows, rank=3)(ids, mask)
    assert torch.allclose(whole, expected, atol=1e-5) and torch.allclose(full_rank, expected, atol=1e-4)
    assert not torch.allclose(low, expected, atol=1e-3)


def test_the_compressed_folder_keeps_to_the_size_byte_for_byte(model, compressed, sst):
    smaller, folder = compressed
    _, valid = sst
    record = smaller.compression_
    assert folder_bytes(folder) == record["bytes"] <= 120_000 < record["bytes_before"]
    assert record["rows"] <= model.model_.vocab_size and set(record["int8"]) >= {"embedding.weight"}
    loaded, without_torch = TextClassifier.load(folder), numpy_classifier(folder)
    assert loaded.predict(valid.texts) == smaller.predict(valid.texts) == without_torch.predict(valid.texts)
    assert np.allclose(loaded.predict_proba(valid.texts), smaller.predict_proba(valid.texts), atol=1e-6)
    assert np.allclose(without_torch.predict_proba(valid.texts), smaller.predict_proba(valid.texts), atol=1e-5)
    assert abs(record["valid_after"] - record["valid_before"]) < 0.1
    assert smaller.metrics_["valid"]["accuracy"] == pytest.approx(record["valid_after"])
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Compression" in card and f"{record['bytes']:,} bytes" in card
    assert not list(folder.glob("*.png"))  # figures would not fit the budget
    with pytest.raises(ArtifactError):  # the stored int8 rows are covered by the folder's digest
        (folder / "model.safetensors").write_bytes((folder / "model.safetensors").read_bytes()[:-1] + b"\x01")
        TextClassifier.load(folder)


def test_training_further_keeps_to_the_budget_and_never_ends_worse_on_validation(model, compressed, sst, tmp_path):
    train, valid = sst
    smaller = model.compress("120KB", valid.texts, valid.labels, train_texts=train.texts, train_labels=train.labels)
    record, again = smaller.compression_, smaller.compression_["retrained"]
    assert record["rank"] == compressed[0].compression_["rank"]  # the same form (a few rows fewer: the record's size)
    assert again["valid_log_loss"] <= again["compressed_log_loss"]  # epoch 0 (as compressed) competes with the others
    assert again["valid_score"] == pytest.approx(record["valid_after"], abs=1e-4)  # the epoch kept is what was saved
    folder = smaller.save(tmp_path / "small")
    assert folder_bytes(folder) == record["bytes"] <= 120_000
    loaded = TextClassifier.load(folder)  # int8 on disk: the further-trained weights were rounded as stored
    assert np.allclose(loaded.predict_proba(valid.texts), smaller.predict_proba(valid.texts), atol=1e-6)
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "Trained further on its training data" in card


def test_a_budget_nothing_fits_and_other_architectures_are_refused(model, sst, toy):
    _, valid = sst
    with pytest.raises(ConvtextError, match="the smallest takes"):
        model.compress("3KB", valid.texts, valid.labels)
    texts, labels = toy
    mean = TextClassifier("mean_embedding", epochs=1, threads=1).fit(texts, labels)
    with pytest.raises(ConvtextError, match="compress shrinks TextCNN models"):
        mean.compress("1MB", texts, labels)


def test_cli_compress_reports_the_change_and_refuses_its_own_folder(sst, tmp_path, capsys):
    train, valid = sst  # from scratch: word tokens with <s> … </s>, an ensemble of two
    settings = dict(embeddings="random", members=2, embed_dim=32, num_filters=16, epochs=2, threads=1, seed=0)
    model = TextClassifier(**settings).fit(train.texts, train.labels, valid.texts, valid.labels)
    assert model.tokenizer_.boundaries and model.tokenizer_.kind == "word"
    source = model.save(tmp_path / "model")
    data = ("--valid", KIM / "stsa.binary.dev", "--test", KIM / "stsa.binary.test")
    code, out, _ = run_cli(capsys, "compress", source, "-o", tmp_path / "small", "--max-size", "150KB", *data, "--json")
    assert code == 0
    summary = json.loads(out)
    assert folder_bytes(tmp_path / "small") == summary["bytes"] <= 150_000
    assert {"test_before", "test_after", "candidates"} <= set(summary) and "retrained" not in summary
    train_file = tmp_path / "train.tsv"
    train_file.write_text(
        "label\ttext\n" + "".join(f"{y}\t{x}\n" for x, y in zip(train.texts[:400], train.labels)), encoding="utf-8"
    )
    code, out, err = run_cli(capsys, "compress", source, "-o", tmp_path / "again", "--max-size", "150KB", *data,
                           "--train", train_file)  # fmt: skip
    assert code == 0, err
    assert "trained further on" in out and folder_bytes(tmp_path / "again") <= 150_000
    assert TextClassifier.load(tmp_path / "small").metrics_["test"]["accuracy"] == pytest.approx(summary["test_after"])
    code, _, err = run_cli(capsys, "compress", source, "-o", source, "--max-size", "1MB", "--valid",
                           KIM / "stsa.binary.dev")  # fmt: skip
    assert code != 0 and "is the model itself" in err


def test_a_multi_label_model_compresses_with_its_thresholds_tuned_again(toy, tmp_path):
    texts, labels = toy
    label_sets = [(y, "long") if len(text) > 40 else (y,) for text, y in zip(texts, labels)]
    settings = dict(embeddings="random", embed_dim=32, num_filters=16, epochs=3, threads=1, seed=0)
    model = TextClassifier(multi_label=True, threshold="tune", **settings).fit(texts, label_sets)
    smaller = model.compress("30KB", texts[:150], label_sets[:150])
    assert smaller.compression_["metric"] == "micro_f1"
    loaded = TextClassifier.load(smaller.save(tmp_path / "small"))
    assert folder_bytes(tmp_path / "small") <= 30_000
    assert loaded.predict(texts) == smaller.predict(texts)
    assert np.array_equal(loaded.thresholds_, smaller.thresholds_)
