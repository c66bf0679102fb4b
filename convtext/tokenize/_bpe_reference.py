"""A small reference BPE (Sennrich et al. 2016) that shows its work, merge by merge.

The corpus is ``word -> count``. Each word starts as its characters. Repeat: count every
adjacent pair of symbols (weighted by the word's count), merge the most frequent pair in every
word (left to right), add the merged symbol to the vocabulary; stop at ``vocab_size`` entries
(special tokens and alphabet included) or when no pair occurs ``min_frequency`` times.

Tie-break, chosen to match the ``tokenizers`` library's ``BpeTrainer``: among equally frequent
pairs the one with the smallest ``(left id, right id)``, where ids number the special tokens,
then the alphabet in code-point order, then each new symbol in the order it was created.
Readable first, fast second: use ``BpeTokenizer`` (Rust) for real corpora.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .._errors import ConvtextError

__all__ = ["BpeTrace", "MergeStep", "learn_bpe", "parse_word_counts", "count_words"]


@dataclass(frozen=True)
class MergeStep:
    """One merge: the pair, how often it occurred, and (if recorded) every word's pieces after it."""

    left: str
    right: str
    count: int
    corpus: dict[str, tuple[str, ...]] | None = None

    @property
    def merged(self) -> str:
        return self.left + self.right


@dataclass
class BpeTrace:
    """What ``learn_bpe`` did: the starting alphabet, each merge in order, and the final vocabulary."""

    word_counts: dict[str, int]
    alphabet: list[str]
    steps: list[MergeStep] = field(default_factory=list)
    vocab: list[str] = field(default_factory=list)

    @property
    def merges(self) -> list[tuple[str, str]]:
        return [(step.left, step.right) for step in self.steps]


def parse_word_counts(spec: str) -> dict[str, int]:
    """``"hug:10,pug:5"`` -> ``{"hug": 10, "pug": 5}``, with an error that shows the expected form."""
    counts: dict[str, int] = {}
    for item in spec.split(","):
        word, sep, count = item.strip().rpartition(":")
        if not sep or not word or not count.strip().isdigit() or int(count) < 1:
            raise ConvtextError(f"cannot read {item.strip()!r} — write words as WORD:COUNT, e.g. 'hug:10,pug:5'")
        counts[word] = counts.get(word, 0) + int(count)
    return counts


def count_words(texts: Iterable[str]) -> dict[str, int]:
    """Whitespace pre-tokenization: the corpus as ``word -> count``."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(text.split())
    return dict(counts)


def _pairs(symbols: Sequence[int]) -> Counter:
    return Counter(zip(symbols, symbols[1:]))


def _merge_word(symbols: list[int], left: int, right: int, merged: int) -> list[int]:
    """Replace each ``left right`` occurrence, scanning left to right (``a a a`` -> ``aa a``)."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
            out.append(merged)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def learn_bpe(
    word_counts: Mapping[str, int],
    vocab_size: int | None = None,
    min_frequency: int = 1,
    special_tokens: Sequence[str] = (),
    record_corpus: bool = False,
) -> BpeTrace:
    """Learn BPE merges from ``word -> count``; ``vocab_size=None`` merges until no pair is left."""
    if not word_counts:
        raise ConvtextError("empty corpus — give at least one word")
    alphabet = sorted({char for word in word_counts for char in word}, key=ord)
    vocab = list(special_tokens) + alphabet
    ids = {token: i for i, token in enumerate(vocab)}
    words = list(word_counts)
    counts = [word_counts[word] for word in words]
    pieces = [[ids[char] for char in word] for word in words]  # each word as symbol ids

    pair_counts: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> words that may contain it
    for index, symbols in enumerate(pieces):
        for pair, n in _pairs(symbols).items():
            pair_counts[pair] += n * counts[index]
            where[pair].add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items()]  # max count, then smallest ids
    heapq.heapify(heap)

    trace = BpeTrace(dict(word_counts), alphabet)
    while heap and (vocab_size is None or len(vocab) < vocab_size):
        negative, pair = heapq.heappop(heap)
        if -negative != pair_counts.get(pair, 0):
            continue  # stale entry: the pair's count changed and a fresh entry was pushed
        if -negative < max(min_frequency, 1):
            break
        left, right = vocab[pair[0]], vocab[pair[1]]
        merged_token = left + right
        if merged_token not in ids:
            ids[merged_token] = len(vocab)
            vocab.append(merged_token)
        merged = ids[merged_token]
        changed: set[tuple[int, int]] = set()
        for index in where.pop(pair):
            old = pieces[index]
            new = _merge_word(old, *pair, merged)
            if new == old:
                continue
            for p, n in _pairs(old).items():
                pair_counts[p] -= n * counts[index]
                changed.add(p)
            for p, n in _pairs(new).items():
                pair_counts[p] += n * counts[index]
                where[p].add(index)
                changed.add(p)
            pieces[index] = new
        for p in changed:
            if pair_counts[p] > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
            else:
                del pair_counts[p]
        corpus = {w: tuple(vocab[s] for s in pieces[i]) for i, w in enumerate(words)} if record_corpus else None
        trace.steps.append(MergeStep(left, right, -negative, corpus))
    trace.vocab = vocab
    return trace
