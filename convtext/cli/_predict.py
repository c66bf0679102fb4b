"""`convtext predict`: labels (or probabilities) for texts given inline, in a file or on stdin."""

from __future__ import annotations

import io
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._errors import ConvtextError
from ..data import NULL_TEXT, LineReport, check_text_column, is_parquet, parquet_batches, text_lines
from ..runtime import StreamReport, numpy_classifier, predict_file, predict_parquet, top_k_json
from ._common import (
    JsonOption,
    ModelDir,
    OutputFile,
    TaskOption,
    console,
    json_lines,
)

BACKENDS = ("auto", "numpy", "torch", "onnx")
CHUNK = 10_000  # texts read, predicted and printed at a time


def onnx_name(task: str | None, int8: bool) -> str:
    """The ONNX file's default name in the model folder: ``model[.TASK][.int8].onnx``."""
    return f"model{'.' + task if task else ''}{'.int8' if int8 else ''}.onnx"


def load_predictor(model: Path, task: str | None, device: str, backend: str, onnx: Path | None):
    """The classifier that predicts for ``backend``: numpy (no PyTorch import) where the model allows it."""
    if backend not in BACKENDS:
        raise ConvtextError(f"unknown backend {backend!r} — use {', '.join(BACKENDS)}")
    if backend in ("auto", "numpy") and task is None and device == "cpu":
        classifier = numpy_classifier(model)
        if classifier is not None:
            return classifier
    if backend == "numpy":
        raise ConvtextError(
            f"{model}: its model needs PyTorch (numpy runs single-task TextCNN and mean models on the CPU) — "
            "use --backend auto or torch"
        )
    from ..multitask import load  # here, not at the top: the numpy backend needs no PyTorch

    classifier = load(model, task).to(device)
    if backend == "onnx":
        classifier.use_onnx(onnx or model / onnx_name(task, int8=False))
    return classifier


def read_inputs(
    texts: list[str] | None, input_file: Path | None, report: LineReport, text_col: str | None = None
) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` from the arguments, ``--input`` or stdin, read alike (``convtext.data.text_lines``):
    one text per line, blank lines counted in ``report`` — or, from a Parquet ``--input``, ``(row, text)`` of its
    ``text_col`` (null texts counted)."""
    if texts and input_file:
        raise ConvtextError("give texts as arguments or --input FILE, not both")
    if input_file is None and not texts and (sys.stdin is None or sys.stdin.isatty()):
        raise ConvtextError("no texts — give them as arguments, with --input FILE, or on standard input")
    parquet = input_file is not None and is_parquet(input_file)
    if text_col is not None and not parquet:
        raise ConvtextError("--text-col names a column of a Parquet --input; other inputs hold one text per line")
    if parquet:
        check_text_column(input_file, text_col or "text")
        return _parquet_texts(input_file, text_col or "text", report)
    return text_lines(input_file if input_file is not None else texts or _stdin_bytes(), report)


def _parquet_texts(path: Path, text_col: str, report: LineReport) -> Iterator[tuple[int, str]]:
    row = 0
    for _, batch in parquet_batches(path, text_col):
        for text in batch:
            row += 1
            if text is None:
                report.skip(row, NULL_TEXT)
            else:
                yield row, text


def read_all_inputs(texts: list[str] | None, input_file: Path | None) -> tuple[list[int], list[str]]:
    """Every line number and text of ``read_inputs`` at once; what was skipped is reported on stderr."""
    report = LineReport()
    numbered = list(read_inputs(texts, input_file, report))
    if report.skipped or report.fallback_decoded:
        print(StreamReport.of(report, len(numbered)).summary(), file=sys.stderr)
    return [number for number, _ in numbered], [text for _, text in numbered]


def _stdin_bytes():
    """Standard input as bytes (a text stream put in its place, as in a notebook, is read as UTF-8)."""
    if hasattr(sys.stdin, "buffer"):
        return sys.stdin.buffer
    return io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape"))


def predict(
    model: ModelDir,
    texts: Annotated[
        list[str] | None, typer.Argument(help="Texts; none: read --input or stdin (one per line).")
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="A file with one text per line, or a Parquet table (.parquet).")
    ] = None,
    text_col: Annotated[
        str | None, typer.Option("--text-col", help="A Parquet --input's text column (default: text).")
    ] = None,
    proba: Annotated[bool, typer.Option("--proba", help="Show every class probability.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", help="Show the k most probable labels.")] = 1,
    device: Annotated[str, typer.Option(help="cpu (default), cuda or auto.")] = "cpu",
    backend: Annotated[
        str,
        typer.Option(
            help="auto (numpy for TextCNN and mean models on the CPU, else torch), numpy, torch, or onnx: "
            "onnxruntime on the graph `convtext export` wrote."
        ),
    ] = "auto",
    onnx: Annotated[Path | None, typer.Option(help="--backend onnx: the ONNX file (default MODEL/model.onnx).")] = None,
    output: OutputFile = None,
    task: TaskOption = None,
    as_json: JsonOption = False,
) -> None:
    """Predict labels for texts."""
    if output is not None and input_file is None:
        raise ConvtextError("--output streams a file: give it with --input FILE")
    parquet = input_file is not None and is_parquet(input_file)
    if output is not None and is_parquet(output) != parquet:
        raise ConvtextError(
            "a Parquet --input writes a Parquet --output (the rows with prediction columns added), a text file "
            "JSON lines — give both as .parquet, or neither"
        )
    report, printed = LineReport(), 0
    numbered = read_inputs(texts, input_file, report, text_col)  # checks the inputs before the model loads
    classifier = load_predictor(model, task, device, backend, onnx)
    if output is not None and parquet:
        written = predict_parquet(classifier, input_file, output, text_col or "text", top_k=max(1, top_k))
        print(f"{written.summary()} → {output}", file=sys.stderr)
        return
    if output is not None:
        streamed = predict_file(classifier, input_file, output, top_k=max(1, top_k))
        print(f"{streamed.summary()} → {output}", file=sys.stderr)
        return
    while chunk := list(itertools.islice(numbered, CHUNK)):  # printed as it goes: memory stays bounded
        numbers, inputs = [number for number, _ in chunk], [text for _, text in chunk]
        if as_json and not (classifier.multi_label or proba):  # the common case, written directly
            lines = top_k_json(classifier, numbers, inputs, max(1, top_k), with_text=True)
            sys.stdout.write(("[\n" if not printed else ",\n") + ",\n".join(lines))
            printed += len(lines)
            continue
        results = _results(classifier, numbers, inputs, proba, top_k)
        if as_json:
            sys.stdout.write(("[\n" if not printed else ",\n") + json_lines(results))
        else:
            print_rows(
                [(r.get("label") or ", ".join(r["labels"]) or "(no label)", r["text"], _scores(r)) for r in results]
            )
        printed += len(results)
    if as_json:
        sys.stdout.write("\n]\n" if printed else "[]\n")
    if report.skipped or report.fallback_decoded:
        print(StreamReport.of(report, printed).summary(), file=sys.stderr)


def _results(classifier, numbers: list[int], inputs: list[str], proba: bool, top_k: int) -> list[dict]:
    """One record per text: its line, text and label(s), with every probability (multi-label, ``proba``) or the
    ``top_k`` best."""
    if classifier.multi_label or proba:
        rows = [dict(zip(classifier.classes_, map(float, row))) for row in classifier.predict_proba(inputs)]
        if classifier.multi_label:
            return [{"line": n, "text": t, "labels": labels, "probabilities": r}
                    for n, t, labels, r in zip(numbers, inputs, classifier.predict(inputs), rows)]  # fmt: skip
        return [{"line": n, "text": t, "label": max(r, key=r.get), "probabilities": r}
                for n, t, r in zip(numbers, inputs, rows)]  # fmt: skip
    ranked = classifier.predict_top_k(inputs, top_k)
    return [{"line": n, "text": t, "label": top[0][0], "top": [list(pair) for pair in top]}
            for n, t, top in zip(numbers, inputs, ranked)]  # fmt: skip


def _scores(result: dict) -> str:
    """A record's probabilities as ``"1 0.983  0 0.017"``."""
    pairs = result["probabilities"].items() if "probabilities" in result else result["top"]
    return "  ".join(f"{label} {p:.3f}" for label, p in pairs)


def print_rows(rows: list[tuple[str, str, str]]) -> None:
    """``label<TAB>text<TAB>scores`` per text: bold labels on a terminal; piped, plain lines written at once."""
    if not console.is_terminal:
        sys.stdout.write("".join(f"{label}\t{text}\t{scores}\n" for label, text, scores in rows))
        return
    for label, text, scores in rows:
        console.print(f"[bold]{escape(label)}[/]\t{escape(text)}\t{escape(scores)}", highlight=False)
