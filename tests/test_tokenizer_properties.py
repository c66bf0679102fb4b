"""Property-based: no string crashes a tokenizer; word and char decoding keep the content."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from convtext import BpeTokenizer, CharTokenizer, WordTokenizer

# Every code point, surrogates and control characters included.
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
TRAINED = {
    "word": WordTokenizer.train(["the film is great", "Фильм отличный"]),
    "char": CharTokenizer.train(["the film is great", "Фильм отличный"]),
    "bpe": BpeTokenizer.train(["the film is great", "Фильм отличный"], 300, min_frequency=1),
}


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_no_string_crashes_any_tokenizer(text):
    for tokenizer in TRAINED.values():
        ids = tokenizer.encode(text)
        assert all(0 <= i < tokenizer.vocab_size for i in ids)
        assert isinstance(tokenizer.decode(ids), str)
        assert len(tokenizer.tokens(text)) == len(ids)


printable = st.text(alphabet=st.characters(exclude_categories=("Cs", "Co", "Cn")), max_size=60)


@settings(max_examples=200, deadline=None)
@given(printable)
def test_word_decode_keeps_the_words(text):
    tokenizer = WordTokenizer.train([text, "x"], lowercase=False)
    words = [span.token for span in tokenizer.tokens(text)]
    decoded = tokenizer.decode(tokenizer.encode(text))
    assert [span.token for span in tokenizer.tokens(decoded)] == words


@settings(max_examples=200, deadline=None)
@given(printable)
def test_char_decode_is_exact(text):
    tokenizer = CharTokenizer.train([text, "x"])
    assert tokenizer.decode(tokenizer.encode(text)) == unicodedata.normalize("NFC", text)
