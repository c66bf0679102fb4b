"""The production BPE tokenizer: trained by the ``tokenizers`` library's ``BpeTrainer``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from .._errors import ConvtextError
from ._base import TextTokenizer
from ._normalize import make_normalizer
from ._vocab import SPECIAL_TOKENS, UNK

__all__ = ["BpeTokenizer"]

BYTE_PIECES = [f"<0x{value:02X}>" for value in range(256)]


class BpeTokenizer(TextTokenizer):
    """Subword pieces learned from raw text; spaces are kept as '▁' (SentencePiece style), so pieces
    stay readable in any script and ``decode`` restores the text. A character never seen in
    training falls back to its UTF-8 bytes, one piece each (``<0xD0>``...): no text has ``<unk>``."""

    kind = "bpe"

    @classmethod
    def train(
        cls, texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2, lowercase: bool = False
    ) -> BpeTokenizer:
        """Learn merges until the vocabulary (specials, alphabet and the 256 byte pieces included) has
        ``vocab_size`` entries.

        Deterministic given the corpus: ties between equally frequent pairs go to the pair whose
        tokens came first (the alphabet in code-point order, then merges in the order learned).
        ``texts`` may be a one-pass iterator (a corpus streamed from disk): it is read once.
        """
        smallest = len(SPECIAL_TOKENS) + len(BYTE_PIECES) + 1
        if vocab_size < smallest:
            raise ConvtextError(
                f"vocab_size must be at least {smallest} (the special tokens and 256 byte pieces, which keep any "
                f"character known, and one more), got {vocab_size}"
            )
        backend = Tokenizer(models.BPE(unk_token=UNK, byte_fallback=True))
        backend.normalizer = make_normalizer(lowercase)
        backend.pre_tokenizer = pre_tokenizers.Metaspace()
        backend.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size - len(BYTE_PIECES),
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
        return cls(_with_byte_pieces(backend))


def _with_byte_pieces(backend: Tokenizer) -> Tokenizer:
    """``backend`` with the 256 byte pieces after its vocabulary (model vocabulary, not added tokens: text that
    spells ``<0x41>`` stays text), which byte fallback uses for characters it does not know."""
    state = json.loads(backend.to_str())
    vocab = state["model"]["vocab"]
    for piece in BYTE_PIECES:
        vocab.setdefault(piece, len(vocab))
    return Tokenizer.from_str(json.dumps(state))
