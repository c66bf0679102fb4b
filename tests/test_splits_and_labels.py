"""Label sets and splits: natural order, unknown labels, seeded stratified holdout and k-fold."""

from collections import Counter

import pytest

from convtext import DataError, LabelSet, kfold, load_splits, read_labeled, stratified_holdout


def test_label_set_order_encode_decode_and_save(tmp_path):
    labels = LabelSet.from_labels(["neg", "pos", "10", "2", "neg"])
    assert labels.labels == ["2", "10", "neg", "pos"]
    assert labels.encode(["pos", "2"]) == [3, 0]
    assert labels.decode([3, 0]) == ["pos", "2"]
    labels.save(tmp_path / "labels.json")
    assert LabelSet.load(tmp_path / "labels.json") == labels


def test_label_set_unknown_label_names_it():
    with pytest.raises(DataError, match=r"labels \['meh'\] were not in the training labels"):
        LabelSet(["neg", "pos"]).encode(["pos", "meh"])


def test_label_set_rejects_a_bad_file(tmp_path):
    (tmp_path / "labels.json").write_text("[1, 2]")
    with pytest.raises(DataError, match="not a label file"):
        LabelSet.load(tmp_path / "labels.json")


def test_stratified_holdout_is_seeded_and_keeps_class_shares(kim):
    data = read_labeled(kim / "TREC.train.all")
    keep, held = stratified_holdout(data.label_sets, 0.1, seed=3)
    assert sorted(keep + held) == list(range(len(data)))
    assert (keep, held) == stratified_holdout(data.label_sets, 0.1, seed=3)
    assert held != stratified_holdout(data.label_sets, 0.1, seed=4)[1]
    whole, part = Counter(data.labels), Counter(data.labels[i] for i in held)
    for label in whole:
        assert abs(part[label] - 0.1 * whole[label]) <= 1


def test_kfold_partitions_rows_and_stratifies(kim):
    data = read_labeled(kim / "custrev.all")
    folds = kfold(data.label_sets, k=10, seed=0)
    tests = [test for _, test in folds]
    assert sorted(i for test in tests for i in test) == list(range(len(data)))
    for train, test in folds:
        assert not set(train) & set(test)
        share = sum(data.labels[i] == "1" for i in test) / len(test)
        assert abs(share - 2405 / 3771) < 0.01
    assert kfold(data.label_sets, k=10, seed=0) == folds


def test_kfold_rejects_bad_k():
    with pytest.raises(DataError, match="k-fold needs"):
        kfold([("a",), ("b",)], k=5)


def test_load_splits_holdout_and_given_files(kim):
    splits = load_splits(kim / "stsa.binary.train", test=kim / "stsa.binary.test")
    assert splits.valid_is_holdout and len(splits.train) + len(splits.valid) == 6920
    given = load_splits(kim / "stsa.binary.train", valid=kim / "stsa.binary.dev")
    assert len(given.valid) == 872 and not given.valid_is_holdout


def test_load_splits_names_labels_missing_from_train(write):
    train = write("train.txt", "pos a\nneg b\npos c\nneg d\n")
    valid = write("valid.txt", "pos a\nmeh b\n")
    with pytest.raises(DataError, match=r"labels \['meh'\] do not occur in the training data"):
        load_splits(train, valid=valid)
