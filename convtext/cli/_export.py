"""`convtext export`: a model's ONNX graph (float32 or int8) beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..multitask import load
from ._common import (
    JsonOption,
    ModelDir,
    TaskOption,
    console,
    print_json,
)
from ._predict import onnx_name


def export(
    model: ModelDir,
    onnx: Annotated[Path | None, typer.Option(help="Where to write the ONNX graph (default MODEL/model.onnx).")] = None,
    int8: Annotated[
        bool, typer.Option("--int8", help="Quantize weights to int8 (onnxruntime dynamic quantization).")
    ] = False,
    task: TaskOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the model's logits as an ONNX graph (dynamic batch and length) for onnxruntime or any ONNX runtime."""
    classifier = load(model, task)
    path = classifier.export_onnx(onnx or model / onnx_name(task, int8), int8=int8)
    summary = {"onnx": str(path), "bytes": path.stat().st_size, "int8": int8, "labels": classifier.classes_}
    if as_json:
        print_json(summary)
        return
    console.print(f"wrote {escape(str(path))} ({summary['bytes'] / 1e6:.1f} MB{', int8' if int8 else ''}); "
                  f"predict with: convtext predict {escape(str(model))}{f' --task {task}' if task else ''} "
                  f"--backend onnx --onnx {escape(str(path))}")  # fmt: skip
