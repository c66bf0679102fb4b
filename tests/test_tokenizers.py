"""Tokenizers: one interface for word / char / BPE, any script, save/load round-trips, clear errors."""

import json

import pytest

from convtext import (
    BpeTokenizer,
    CharTokenizer,
    ConvtextError,
    WhitespaceTokenizer,
    WordTokenizer,
    load_tokenizer,
    read_labeled,
    train_tokenizer,
)

CORPUS = [
    "The film is great, isn't it? 10/10 👍🏽",
    "Фильм отличный, но конец слабый!",
    "नमस्ते दुनिया — 你好 世界",
    "the film is great",
]
SAMPLE = "Фильм great, isn't 3.14 👍🏽 नमस्ते"


@pytest.fixture(params=["word", "char", "bpe", "whitespace"])
def tokenizer(request):
    options = {"vocab_size": 300, "min_frequency": 1} if request.param == "bpe" else {}
    return train_tokenizer(request.param, CORPUS, **options)


def test_special_ids_are_fixed(tokenizer):
    assert tokenizer.pad_id == 0 and tokenizer.unk_id == 1
    assert tokenizer.vocab.id2word[:2] == ["<pad>", "<unk>"]


def test_save_load_round_trip(tokenizer, tmp_path):
    path = tokenizer.save(tmp_path / "tokenizer.json")
    loaded = load_tokenizer(path)
    assert type(loaded) is type(tokenizer)
    assert loaded.encode_batch(CORPUS + [SAMPLE]) == tokenizer.encode_batch(CORPUS + [SAMPLE])
    assert loaded.lowercase == tokenizer.lowercase
    assert load_tokenizer(tmp_path).vocab_size == tokenizer.vocab_size  # a folder holding tokenizer.json


def test_boundaries_wrap_every_text_and_survive_save_and_load(tokenizer, tmp_path):
    wrapped = tokenizer.with_boundaries()
    start, end = wrapped.vocab.word2id["<s>"], wrapped.vocab.word2id["</s>"]
    assert {start, end} == {tokenizer.vocab_size, tokenizer.vocab_size + 1}  # after the vocabulary: ids kept
    texts = [*CORPUS, SAMPLE, ""]
    assert wrapped.encode_batch(texts) == [[start, *ids, end] for ids in tokenizer.encode_batch(texts)]
    packed = wrapped.encode_packed(texts, max_length=3)  # the whitespace kind's Python path agrees
    assert [packed[i].tolist() for i in range(len(packed))] == [
        [start, *ids, end][:3] for ids in tokenizer.encode_batch(texts)
    ]
    loaded = load_tokenizer(wrapped.save(tmp_path))
    assert loaded.encode_batch(texts) == wrapped.encode_batch(texts) and loaded.config()["boundaries"]
    spans = wrapped.tokens(SAMPLE, boundaries=True)
    assert (spans[0].token, spans[0].start, spans[-1].token, spans[-1].start) == ("<s>", 0, "</s>", len(SAMPLE))
    assert [s.id for s in spans[1:-1]] == [s.id for s in wrapped.tokens(SAMPLE)] == tokenizer.encode(SAMPLE)
    assert not tokenizer.add_special_tokens and tokenizer.encode(SAMPLE) == [
        s.id for s in tokenizer.tokens(SAMPLE, True)
    ]


def test_batch_equals_one_by_one(tokenizer):
    assert tokenizer.encode_batch(CORPUS) == [tokenizer.encode(text) for text in CORPUS]


def test_offsets_point_into_the_original_text(tokenizer):
    for span in tokenizer.tokens(SAMPLE):
        assert span.text == SAMPLE[span.start : span.end]


def test_special_tokens_are_never_split(tokenizer):
    spans = tokenizer.tokens("film <unk> is <pad>")
    assert [(s.token, s.text) for s in spans if s.text.startswith("<")] == [("<unk>", "<unk>"), ("<pad>", "<pad>")]


def test_empty_text_gives_no_ids(tokenizer):
    assert tokenizer.encode("") == []
    assert tokenizer.decode([]) == ""


def test_non_string_input_is_a_clear_error(tokenizer):
    with pytest.raises(ConvtextError, match="expected a text"):
        tokenizer.encode(None)


def test_decode_rejects_ids_outside_the_vocabulary(tokenizer):
    with pytest.raises(ConvtextError, match="outside the vocabulary"):
        tokenizer.decode([10**6])


def test_word_tokenizer_splits_any_script():
    tokenizer = WordTokenizer.train(CORPUS)
    assert [s.text for s in tokenizer.tokens("Фильм ОТЛИЧНЫЙ, isn't 3.14 👍🏽")] == [
        "Фильм", "ОТЛИЧНЫЙ", ",", "isn't", "3.14", "👍🏽",
    ]  # fmt: skip
    assert [s.token for s in tokenizer.tokens("Фильм ОТЛИЧНЫЙ")] == ["фильм", "отличный"]  # lower-cased
    assert tokenizer.decode(tokenizer.encode("Фильм отличный , great")) == "фильм отличный , great"
    assert tokenizer.tokens("Hindi नमस्ते")[1].text == "नमस्ते"  # combining marks stay in the word


def test_word_tokenizer_min_freq_and_unknowns():
    tokenizer = WordTokenizer.train(CORPUS, min_freq=2)
    assert tokenizer.vocab.id2word[2:] == [",", "10", "film", "great", "is", "the"]  # all seen twice
    assert tokenizer.decode(tokenizer.encode("the unknown film")) == "the <unk> film"


def test_whitespace_tokenizer_cuts_at_whitespace_only_and_lowercases(tmp_path):
    tokenizer = WhitespaceTokenizer.train(CORPUS + ["Фильм ОТЛИЧНЫЙ, isn't 👍🏽"])
    assert [s.text for s in tokenizer.tokens("Фильм\tОТЛИЧНЫЙ,  isn't 👍🏽")] == ["Фильм", "ОТЛИЧНЫЙ,", "isn't", "👍🏽"]
    assert [s.token for s in tokenizer.tokens("Фильм ОТЛИЧНЫЙ,")] == ["фильм", "отличный,"]
    loaded = load_tokenizer(tokenizer.save(tmp_path / "tokenizer.json"))
    assert isinstance(loaded, WhitespaceTokenizer) and loaded.encode("фильм отличный,") == tokenizer.encode(
        "Фильм ОТЛИЧНЫЙ,"
    )
    cased = WhitespaceTokenizer.train(["Фильм film"], lowercase=False)
    assert [s.token for s in cased.tokens("Фильм")] == ["Фильм"] and not cased.lowercase


def test_char_tokenizer_is_exact_and_keeps_graphemes():
    tokenizer = CharTokenizer.train(CORPUS)
    assert tokenizer.decode(tokenizer.encode(CORPUS[1])) == CORPUS[1]
    assert "👍🏽" in [s.token for s in tokenizer.tokens("a 👍🏽")]


def test_bpe_is_deterministic_and_readable_in_any_script(kim):
    texts = read_labeled(kim / "TREC.test.all").texts + CORPUS
    first, second = BpeTokenizer.train(texts, 800), BpeTokenizer.train(texts, 800)
    assert first.to_str() == second.to_str()
    assert first.vocab_size == 800
    assert first.decode(first.encode(CORPUS[1])) == CORPUS[1]
    assert all("Ð" not in s.token for s in first.tokens(CORPUS[1]))  # pieces are characters, not bytes


def test_bpe_falls_back_to_bytes_for_characters_it_never_saw(kim):
    english = BpeTokenizer.train(read_labeled(kim / "TREC.test.all").texts, 800)
    text = "Фильм просто отличный 👍 — très bien"
    ids = english.encode(text)
    assert english.unk_id not in ids and english.decode(ids) == text
    pieces = [span.token for span in english.tokens("Ф")]
    assert pieces == ["▁", "<0xD0>", "<0xA4>"]  # 'Ф' is two UTF-8 bytes, one piece each
    with pytest.raises(ConvtextError, match="at least 259"):
        BpeTokenizer.train(CORPUS, 100)


def test_bpe_file_is_standard_tokenizer_json(tmp_path):
    from tokenizers import Tokenizer

    path = BpeTokenizer.train(CORPUS, 400, min_frequency=1).save(tmp_path / "tokenizer.json")
    assert json.loads(path.read_text())["model"]["type"] == "BPE"
    assert Tokenizer.from_file(str(path)).encode("film").tokens  # any Hugging Face tool reads it


def test_load_errors(tmp_path):
    with pytest.raises(ConvtextError, match="no tokenizer file"):
        load_tokenizer(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text('{"model": ')
    with pytest.raises(ConvtextError, match="not a valid tokenizer.json"):
        load_tokenizer(tmp_path / "broken.json")


def test_unknown_kind_and_empty_corpus():
    with pytest.raises(ConvtextError, match="unknown tokenizer 'sentencepiece'"):
        train_tokenizer("sentencepiece", CORPUS)
    with pytest.raises(ConvtextError, match="no tokens"):
        WordTokenizer.train(["", "   "])
    with pytest.raises(ConvtextError, match="no text"):
        BpeTokenizer.train(["  "])


def test_lone_surrogates_do_not_crash(tokenizer):
    assert len(tokenizer.encode("film\ud800is")) == len(tokenizer.tokens("film\ud800is")) > 0
