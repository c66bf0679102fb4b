"""``convtext tokenizer`` and ``convtext bpe``: train tokenizers, look at tokens, watch BPE merge."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._errors import ConvtextError
from ..data import read_texts
from ..tokenize import (
    TOKENIZER_KINDS,
    TextTokenizer,
    count_words,
    learn_bpe,
    load_tokenizer,
    parse_word_counts,
    train_tokenizer,
)
from ._common import EncodingOption, FormatOption, TextColOption, console, print_json

tokenizer_app = typer.Typer(
    help="Train any tokenizer (word, char, BPE, whitespace) and look at its tokens.", no_args_is_help=True
)
bpe_app = typer.Typer(help="Byte Pair Encoding: see the algorithm work, train, encode.", no_args_is_help=True)

OutputOption = Annotated[Path, typer.Option("--output", "-o", help="Where to write tokenizer.json.")]


def _train_and_save(kind: str, corpus: Path, output: Path, fmt: str, text_col: str, encoding: str, **options) -> None:
    texts, _skipped = read_texts(corpus, format=fmt, text_col=text_col, encoding=encoding)
    start = time.perf_counter()
    tokenizer = train_tokenizer(kind, texts, **options)
    seconds = time.perf_counter() - start
    path = tokenizer.save(output)
    console.print(
        f"trained a {kind} tokenizer on {len(texts):,} texts in {seconds:.2f}s: "
        f"{tokenizer.vocab_size:,} tokens -> {path}"
    )


def _show_tokens(tokenizer: TextTokenizer, texts: list[str], as_json: bool) -> None:
    """Tokens with ids; a token the tokenizer does not know is shown as its original text in red."""
    spans = [tokenizer.tokens(text) for text in texts]
    if as_json:
        print_json(
            [
                {
                    "text": text,
                    "ids": [s.id for s in pieces],
                    "tokens": [[s.token, s.start, s.end] for s in pieces],
                    "unknown": [s.text for s in pieces if s.id == tokenizer.unk_id],
                }
                for text, pieces in zip(texts, spans)
            ]
        )
        return
    for text, pieces in zip(texts, spans):
        unknown = sum(s.id == tokenizer.unk_id for s in pieces)
        console.print(f"[bold]{escape(text)}[/]  ({len(pieces)} tokens, {unknown} unknown)", highlight=False)
        shown = [
            f"[red]{escape(s.text)}[/]" if s.id == tokenizer.unk_id else f"[reverse]{escape(s.token)}[/]"
            for s in pieces
        ]
        console.print("  " + " ".join(shown), highlight=False)
        console.print("  ids: " + " ".join(str(s.id) for s in pieces), highlight=False)


@tokenizer_app.command("train")
def tokenizer_train(
    corpus: Annotated[Path, typer.Argument(help="Training texts: a labelled file or one text per line.")],
    output: OutputOption,
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(TOKENIZER_KINDS)}.")] = "word",
    vocab_size: Annotated[int | None, typer.Option(help="BPE: target size; word/char: cap.")] = None,
    min_freq: Annotated[int, typer.Option(help="Keep tokens (BPE: merges) seen this often.")] = 2,
    lowercase: Annotated[
        bool | None, typer.Option(help="Default: on for word and whitespace, off for char and BPE.")
    ] = None,
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    encoding: EncodingOption = "auto",
) -> None:
    """Train a word, char, BPE or whitespace tokenizer on a corpus and save it as tokenizer.json."""
    if kind == "bpe":
        options = {"vocab_size": vocab_size or 8000, "min_frequency": min_freq, "lowercase": bool(lowercase)}
    else:
        options = {"min_freq": min_freq, "max_size": vocab_size, "lowercase": lowercase}
    _train_and_save(kind, corpus, output, format, text_col, encoding, **options)


def tokenizer_show(
    tokenizer: Annotated[Path, typer.Argument(help="A tokenizer.json (or a folder holding one).")],
    texts: Annotated[list[str], typer.Argument(help="Texts to tokenize.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the tokens and ids of some texts."""
    _show_tokens(load_tokenizer(tokenizer), texts, as_json)


tokenizer_app.command("show")(tokenizer_show)
bpe_app.command("encode", help="Split texts into BPE pieces and ids.")(tokenizer_show)  # the same, named for BPE


@bpe_app.command("train")
def bpe_train(
    corpus: Annotated[Path, typer.Argument(help="Training texts: a labelled file or one text per line.")],
    output: OutputOption,
    vocab_size: Annotated[int, typer.Option(help="Vocabulary size, special tokens and alphabet included.")] = 8000,
    min_frequency: Annotated[int, typer.Option(help="Only merge pairs seen at least this often.")] = 2,
    lowercase: Annotated[bool, typer.Option(help="Lower-case before learning.")] = False,
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
    encoding: EncodingOption = "auto",
) -> None:
    """Train a production BPE tokenizer (Hugging Face tokenizers) and save tokenizer.json."""
    _train_and_save(
        "bpe", corpus, output, format, text_col, encoding,
        vocab_size=vocab_size, min_frequency=min_frequency, lowercase=lowercase,
    )  # fmt: skip


@bpe_app.command("explain")
def bpe_explain(
    corpus: Annotated[Path | None, typer.Argument(help="A corpus file (or use --words).")] = None,
    words: Annotated[str | None, typer.Option(help="Word counts, e.g. 'hug:10,pug:5,pun:12,bun:4,hugs:5'.")] = None,
    merges: Annotated[int, typer.Option(help="Stop after this many merges.")] = 10,
    min_frequency: Annotated[int, typer.Option(help="Only merge pairs seen at least this often.")] = 1,
    show_words: Annotated[int, typer.Option(help="How many words of the corpus to print after each merge.")] = 8,
    format: FormatOption = "auto",
    text_col: TextColOption = "text",
) -> None:
    """Run the reference BPE and print each merge: the pair, its count, the corpus after it."""
    if (corpus is None) == (words is None):
        raise ConvtextError("give either a corpus file or --words 'hug:10,pug:5' (not both)")
    counts = parse_word_counts(words) if words else count_words(read_texts(corpus, format=format, text_col=text_col)[0])
    alphabet_size = len({char for word in counts for char in word})
    trace = learn_bpe(counts, vocab_size=alphabet_size + merges, min_frequency=min_frequency, record_corpus=True)
    shown = sorted(counts, key=lambda word: (-counts[word], word))[:show_words]
    console.print(
        f"corpus: {len(counts):,} distinct words; alphabet ({alphabet_size}): {' '.join(trace.alphabet[:60])}"
    )
    console.print("words: " + ", ".join(f"{' '.join(word)} ×{counts[word]}" for word in shown), highlight=False)
    for number, step in enumerate(trace.steps, start=1):
        console.print(
            f"[bold]{number}.[/] {step.left} {step.right} → [green]{step.merged}[/] ({step.count})", highlight=False
        )
        after = ", ".join(f"{' '.join(step.corpus[word])} ×{counts[word]}" for word in shown)
        console.print(f"   {after}", highlight=False)
    new_tokens = trace.vocab[alphabet_size:]
    console.print(f"vocabulary ({len(trace.vocab)}): {' '.join(trace.alphabet)} | {' '.join(new_tokens)}")
