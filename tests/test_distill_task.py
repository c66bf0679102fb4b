"""Task distillation: the soft-target loss, augmentation, the teacher's cached logits, teacher → student end to end."""

from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import run_cli, write_rows

from convtext import ConvtextError, DataError, TextClassifier, load, read_labeled
from convtext.distill import NO_LABEL, Augmentation, DistillConfig, SoftTargetLoss, augment, soft_targets

SMALL = {"num_filters": 32, "epochs": 4, "threads": 1, "embeddings": "random", "members": 1, "device": "cpu"}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVTEXT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def trec():
    folder = Path(__file__).parent.parent / "data" / "kim2014"
    train = read_labeled(folder / "TREC.train.all")
    test = read_labeled(folder / "TREC.test.all")
    pick = np.random.default_rng(0).permutation(len(train))
    return train.subset(pick[:600].tolist()), train.subset(pick[600:2600].tolist()), test


@pytest.fixture(scope="module")
def teacher(trec):
    """A convtext teacher trained on 2,000 TREC questions: the student will see only 600 labelled ones."""
    _, big, _ = trec
    return TextClassifier(**{**SMALL, "epochs": 6, "num_filters": 64}).fit(big.texts, big.labels)


@pytest.mark.parametrize("kind", ["mse", "kl"])
def test_soft_loss_is_zero_when_student_equals_teacher(kind):
    teacher = torch.randn(8, 3) * 3
    rows = soft_targets(teacher, [NO_LABEL] * 8)
    loss = SoftTargetLoss(DistillConfig(loss=kind))
    assert loss(teacher.clone(), rows).item() == pytest.approx(0.0, abs=1e-6)
    assert loss(teacher + torch.randn(8, 3), rows).item() > 1e-3


def test_true_labels_weigh_alpha_and_only_where_known():
    teacher, student = torch.zeros(4, 2), torch.tensor([[2.0, 0.0]] * 4)
    labels = [0, 1, NO_LABEL, NO_LABEL]
    rows = soft_targets(teacher, labels)
    soft = SoftTargetLoss(DistillConfig(alpha=0.0))(student, rows)
    mixed = SoftTargetLoss(DistillConfig(alpha=0.25))(student, rows)
    hard = torch.nn.functional.cross_entropy(student[:2], torch.tensor([0, 1]))
    assert mixed.item() == pytest.approx(0.75 * soft.item() + 0.25 * hard.item(), rel=1e-5)
    unlabelled = soft_targets(teacher, [NO_LABEL] * 4)
    assert SoftTargetLoss(DistillConfig(alpha=0.25))(student, unlabelled).item() == pytest.approx(soft.item())
    with pytest.raises(ConvtextError, match="soft loss"):
        DistillConfig(loss="l1")
    with pytest.raises(ConvtextError, match="alpha"):
        DistillConfig(alpha=1.5)


def test_augment_is_seeded_new_and_works_in_any_script():
    texts = ["фильм очень хороший 😀", "фильм очень плохой", "what a great film", "", "a dull film indeed"]
    config = Augmentation(copies=8, seed=3)
    made = augment(texts, config)
    assert made == augment(texts, config) and made != augment(texts, Augmentation(copies=8, seed=4))
    assert len(made) == len(set(made)) and not set(made) & set(texts)
    vocabulary = {word for text in texts for word in text.split()} | {"[MASK]"}
    assert all(set(text.split()) <= vocabulary for text in made)  # swaps take words of the corpus
    assert any("[MASK]" in text for text in made) and any("😀" in text for text in made)
    ngrams = augment(texts, Augmentation(copies=8, mask=0, swap=0, ngram=1.0, max_ngram=2))
    assert ngrams and all(1 <= len(text.split()) <= 2 for text in ngrams)
    assert augment(texts, Augmentation(copies=0)) == []
    with pytest.raises(ConvtextError, match="probability"):
        Augmentation(mask=2.0)


def test_teacher_to_student_on_real_questions(trec, teacher, cache, tmp_path):
    small, _, test = trec
    settings = {**SMALL, "epochs": 8}  # 4 left seed 0's student still learning (validation rising), at 0.48 agreement
    alone = TextClassifier(**settings).fit(small.texts, small.labels)
    student = TextClassifier(**settings).distill(
        teacher, small.texts, small.labels, augmentation=Augmentation(copies=4)
    )
    record = student.training_["distillation"]
    assert student.classes_ == teacher.classes_
    assert (
        record["extra_rows"] > 1000
        and abs(record["labelled_rows"] - 540) <= 6
        and record["teacher_valid_accuracy"] > 0.6
    )
    teacher_says = np.array(teacher.predict(test.texts))

    def agreement(model):
        return np.mean(np.array(model.predict(test.texts)) == teacher_says)

    assert agreement(student) > agreement(alone) + 0.2  # measured: 0.84 vs 0.43
    assert student.score(test.texts, test.labels) > alone.score(test.texts, test.labels) + 0.15  # 0.75 vs 0.40
    again = load(student.save(tmp_path / "student"))
    assert np.array_equal(again.predict_proba(test.texts), student.predict_proba(test.texts))
    assert again.training_["distillation"]["extra_rows"] == record["extra_rows"]


def test_teacher_logits_are_cached_not_recomputed(trec, teacher, cache, monkeypatch):
    small, _, _ = trec
    calls = []
    real = type(teacher).decision_function

    def counting(self, texts, batch_size=256):
        calls.append(len(texts))
        return real(self, texts, batch_size)

    monkeypatch.setattr(type(teacher), "decision_function", counting)
    options = {"augmentation": Augmentation(copies=2), "unlabelled": ["what is the capital of Peru ?"]}
    first = TextClassifier(**{**SMALL, "epochs": 1}).distill(teacher, small.texts[:200], small.labels[:200], **options)
    computed = list(calls)
    assert computed and list((cache / "teacher").glob("logits-*.npy"))
    calls.clear()
    second = TextClassifier(**{**SMALL, "epochs": 1}).distill(teacher, small.texts[:200], small.labels[:200], **options)
    assert max(calls) <= 20 < max(computed)  # only the 20 validation texts are scored again, never the training set
    assert first.training_["distillation"]["extra_rows"] == second.training_["distillation"]["extra_rows"]


def test_bad_teachers_and_labels_are_refused(trec, teacher, cache):
    small, _, _ = trec
    with pytest.raises(DataError, match="not the teacher's"):
        TextClassifier(**SMALL).distill(teacher, small.texts[:50], ["spam", "ham"] * 25)
    with pytest.raises(ConvtextError, match="trained TextClassifier"):
        TextClassifier(**SMALL).distill("not a model".split(), small.texts[:50], small.labels[:50])
    with pytest.raises(ConvtextError, match="from scratch"):
        TextClassifier(**SMALL, pretrained=teacher).distill(teacher, small.texts, small.labels)


def test_real_minilm_teacher_fine_tuned_then_distilled(trec, cache):
    """The real path: all-MiniLM-L6-v2 fine-tuned as the teacher (briefly), its logits teach a CNN."""
    small, _, test = trec
    texts, labels = small.texts[:160], small.labels[:160]
    minilm = TextClassifier(pretrained="minilm", transfer="fine-tune", epochs=1, batch_size=16, max_length=32,
                            lr=1e-3, threads=2).fit(texts, labels)  # fmt: skip
    assert minilm.model_.architecture == "minilm"
    student = TextClassifier(**{**SMALL, "epochs": 2}).distill(
        minilm, texts, labels, augmentation=Augmentation(copies=2)
    )
    assert student.model_.architecture == "textcnn"
    assert student.training_["distillation"]["teacher_architecture"] == "minilm"
    assert student.training_["distillation"]["extra_rows"] > 150


def test_a_context_reading_inception_student_learns_the_teacher(trec, teacher, cache, tmp_path):
    """Any architecture can be the student: three stacked Inception blocks learn the teacher and reload alike."""
    small, _, test = trec
    options = {"channels": 32, "depth": 3, "bottleneck": 8, "embeddings": "random", "epochs": 8, "threads": 1}
    alone = TextClassifier("inception", **options, device="cpu").fit(small.texts, small.labels)
    student = TextClassifier("inception", **options, device="cpu").distill(
        teacher, small.texts, small.labels, augmentation=Augmentation(copies=4)
    )
    assert len(student.model_.blocks) == 3 and student.training_["distillation"]["extra_rows"] > 1000
    teacher_says = np.array(teacher.predict(test.texts))

    def agreement(model):
        return np.mean(np.array(model.predict(test.texts)) == teacher_says)

    assert agreement(student) > agreement(alone) + 0.2  # measured: 0.78 vs 0.34
    again = load(student.save(tmp_path / "student"))
    assert np.allclose(again.predict_proba(test.texts), student.predict_proba(test.texts), atol=1e-6)


def test_cli_distils_a_saved_teacher(trec, teacher, cache, tmp_path, capsys):
    small, _, test = trec
    teacher_folder = teacher.save(tmp_path / "teacher")
    data, test_file = (
        write_rows(tmp_path / "train.txt", small),
        write_rows(tmp_path / "test.txt", test.subset(range(100))),
    )
    extra = tmp_path / "extra.txt"
    extra.write_text("how far is the moon ?\nwho wrote война и мир ?\n\n", encoding="utf-8")
    code, out, err = run_cli(
        capsys, "distill", "--teacher", str(teacher_folder), "--data", str(data), "--unlabelled", str(extra),
        "--copies", "2", "--test", str(test_file), "--arch", "textcnn", "--filters", "16", "--epochs", "2",
        "--embeddings", "random", "--json", "-o", str(tmp_path / "student"),
    )  # fmt: skip
    assert code == 0, err
    assert '"extra_rows"' in out and '"test"' in out
    assert load(tmp_path / "student").training_["distillation"]["unlabelled_rows"] == 2
    code, _, err = run_cli(capsys, "distill", "--teacher", str(teacher_folder), "-o", str(tmp_path / "x"))
    assert code == 2 and "--data" in err
    code, _, err = run_cli(capsys, "distill", "--teacher", "minilm", "--data", str(data), "-o", str(tmp_path / "x"))
    assert code == 2 and "model folder" in err


def test_validation_and_excluded_texts_never_become_training_texts(trec, teacher, cache):
    small, _, _ = trec
    texts, labels, valid = small.texts[:100], small.labels[:100], small.subset(range(100, 140))
    config = Augmentation(copies=3)
    made = augment(texts, config)
    hidden = made[:15]
    student = TextClassifier(**{**SMALL, "epochs": 1}).distill(
        teacher, texts, labels, valid.texts, valid.labels, unlabelled=[valid.texts[0], "who is Ada Lovelace ?"],
        augmentation=config, exclude=hidden,
    )  # fmt: skip
    record = student.training_["distillation"]
    kept = set(made) - set(hidden) - set(valid.texts)
    assert record["extra_rows"] == len(kept) + 1 and record["skipped_extra_rows"] == len(made) + 2 - len(kept) - 1


def test_a_changed_teacher_never_reuses_old_logits(teacher, cache):
    import copy

    from convtext.distill import model_fingerprint, teacher_logits

    texts = ["what is a fjord ?", "who painted the mona lisa ?"]
    changed = copy.deepcopy(teacher)
    with torch.no_grad():
        changed.model_.head.bias[0] += 1.0
    shorter = copy.deepcopy(teacher)
    shorter.max_length = 3
    prints = {model_fingerprint(m) for m in (teacher, changed, shorter)}
    assert len(prints) == 3 and model_fingerprint(copy.deepcopy(teacher)) == model_fingerprint(teacher)
    before, after = teacher_logits(teacher, texts), teacher_logits(changed, texts)
    assert np.allclose(after[:, 0] - before[:, 0], 1.0, atol=1e-4) and np.allclose(after[:, 1:], before[:, 1:])
