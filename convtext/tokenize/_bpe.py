"""The production BPE tokenizer: trained by the ``tokenizers`` library's ``BpeTrainer``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from .._errors import ConvtextError
from ._base import TextTokenizer
from ._normalize import make_normalizer
from ._vocab import SPECIAL_TOKENS, UNK

__all__ = ["BpeTokenizer"]


class BpeTokenizer(TextTokenizer):
    """Subword pieces learned from raw text; spaces are kept as '▁' (SentencePiece style), so pieces
    stay readable in any script and ``decode`` restores the text. Characters never seen in
    training become ``<unk>``."""

    kind = "bpe"

    @classmethod
    def train(
        cls, texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2, lowercase: bool = False
    ) -> BpeTokenizer:
        """Learn merges until the vocabulary (specials and alphabet included) has ``vocab_size`` entries.

        Deterministic given the corpus: ties between equally frequent pairs go to the pair whose
        tokens came first (the alphabet in code-point order, then merges in the order learned).
        ``texts`` may be a one-pass iterator (a corpus streamed from disk): it is read once.
        """
        if vocab_size < len(SPECIAL_TOKENS) + 1:
            raise ConvtextError(f"vocab_size must be at least {len(SPECIAL_TOKENS) + 1}, got {vocab_size}")
        backend = Tokenizer(models.BPE(unk_token=UNK))
        backend.normalizer = make_normalizer(lowercase)
        backend.pre_tokenizer = pre_tokenizers.Metaspace()
        backend.decoder = decoders.Metaspace()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            special_tokens=list(SPECIAL_TOKENS),
            show_progress=False,
        )
        seen = {"text": False}

        def noting_text(texts: Iterable[str]) -> Iterator[str]:
            for text in texts:
                seen["text"] = seen["text"] or not text.isspace() and text != ""
                yield text

        length = len(texts) if isinstance(texts, Sequence) else None
        backend.train_from_iterator(noting_text(texts), trainer, length=length)
        if not seen["text"]:
            raise ConvtextError("no text to learn BPE from — give a non-empty corpus")
        return cls(backend)
