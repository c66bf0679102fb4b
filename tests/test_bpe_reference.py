"""The reference BPE: the worked example, its tie-break, and agreement with the tokenizers trainer."""

import json

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from convtext import ConvtextError, read_labeled
from convtext.tokenize import count_words, learn_bpe, parse_word_counts

EXAMPLE = "hug:10,pug:5,pun:12,bun:4,hugs:5"


def test_worked_example_first_merges():
    trace = learn_bpe(parse_word_counts(EXAMPLE), record_corpus=True)
    assert [(s.left, s.right, s.count) for s in trace.steps[:3]] == [("u", "g", 20), ("u", "n", 16), ("h", "ug", 15)]
    assert trace.steps[0].corpus["hugs"] == ("h", "ug", "s")
    assert trace.steps[2].corpus["hugs"] == ("hug", "s")
    assert trace.vocab[:7] == ["b", "g", "h", "n", "p", "s", "u"]


def test_overlapping_pairs_merge_left_to_right():
    trace = learn_bpe({"aaa": 1}, record_corpus=True)
    assert trace.steps[0].corpus["aaa"] == ("aa", "a")
    assert trace.steps[0].count == 2  # both overlapping occurrences are counted, as tokenizers does


def test_ties_go_to_the_pair_of_earliest_tokens():
    """'ab' and 'cd' both occur 3 times: (a, b) wins because 'a' < 'c' in code-point order."""
    trace = learn_bpe({"cd": 3, "ab": 3})
    assert trace.merges == [("a", "b"), ("c", "d")]


def test_vocab_size_and_min_frequency_stop_learning():
    counts = parse_word_counts(EXAMPLE)
    assert len(learn_bpe(counts, vocab_size=9).vocab) == 9
    assert [s.count for s in learn_bpe(counts, min_frequency=12).steps] == [20, 16, 15, 12]


def _tokenizers_merges(texts, vocab_size, min_frequency):
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=["<pad>", "<unk>"], show_progress=False
    )
    tokenizer.train_from_iterator(texts, trainer)
    model = json.loads(tokenizer.to_str())["model"]
    merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return merges, model["vocab"]


def test_agrees_with_tokenizers_on_the_worked_example():
    counts = parse_word_counts(EXAMPLE)
    texts = [word for word, count in counts.items() for _ in range(count)]
    merges, vocab = _tokenizers_merges(texts, 100, 1)
    assert learn_bpe(counts, special_tokens=["<pad>", "<unk>"]).merges == merges


@pytest.mark.parametrize("name,vocab_size", [("TREC.train.all", 2000), ("custrev.all", 1500)])
def test_agrees_with_tokenizers_on_a_real_corpus(kim, name, vocab_size):
    texts = read_labeled(kim / name).texts
    merges, vocab = _tokenizers_merges(texts, vocab_size, 2)
    trace = learn_bpe(count_words(texts), vocab_size=vocab_size, min_frequency=2, special_tokens=["<pad>", "<unk>"])
    assert len(merges) > 1000
    assert trace.merges == merges
    assert {token: i for i, token in enumerate(trace.vocab)} == vocab


def test_word_count_spec_errors():
    with pytest.raises(ConvtextError, match="WORD:COUNT"):
        parse_word_counts("hug=10")
    with pytest.raises(ConvtextError, match="empty corpus"):
        learn_bpe({})
