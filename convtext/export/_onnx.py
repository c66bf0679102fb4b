"""ONNX export of a trained model's logits, int8 dynamic quantization, and prediction through onnxruntime.

The graph takes ``ids`` ``(B, T)`` int64 and ``mask`` ``(B, T)`` bool, both axes dynamic, and returns
``(B, C)`` logits; tokenization stays in Python (the model folder's ``tokenizer.json``, the Rust
tokenizer). It is exported with PyTorch's TorchScript exporter from the model's own forward (the
pooling mask uses ops that export with a dynamic length); a TextCNN's convolutions over the
embeddings are exported as n-gram table lookups (``_TableWindowScores``), its fastest form, and a
mean model as per-token logit lookups (its own inference path). The file carries the labels and a
hash of the weights, so it is never run against another model. ``T`` must be at least the widest
kernel: ``OnnxLogits`` pads to it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._errors import ConvtextError
from ..artifact import check_digest, replaced_atomically
from ..infer import batch_tensors, min_input_length, sequence_lengths, sorted_batches
from ..layers import NgramTable
from ..models import TextCNN, TextModel

__all__ = ["OnnxLogits", "export_onnx", "quantize_int8", "weights_hash"]

OPSET = 17


class _TableWindowScores(nn.Module):
    """The n-gram table (``convtext.layers.NgramTable``) in ops that export with a dynamic length: per kernel
    and offset a ``(V, F)`` table of each token's contribution, a window's score the sum of ``k`` lookups.
    A TextCNN's graph then holds no convolution: 3-6× faster under ONNX Runtime than the convolutions."""

    def __init__(self, model: TextModel):
        super().__init__()
        self.pad_id, self.kernel_sizes = model.pad_id, list(model.kernel_sizes)
        with torch.no_grad():
            built = NgramTable(model.embed(torch.arange(model.vocab_size)), model.convs, self.pad_id)  # padding: 0
            tables = [
                per_offset.contiguous()  # (V, M·F) each
                for conv, table in zip(model.convs, built.tables)
                for per_offset in table.view(model.vocab_size, conv.kernel_size[0], -1).unbind(1)
            ]
        self.tables = nn.ParameterList(nn.Parameter(table, requires_grad=False) for table in tables)
        self.biases = nn.ParameterList(
            nn.Parameter(conv.bias.detach().clone(), requires_grad=False) for conv in model.convs
        )

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        ids = ids.masked_fill(~mask, self.pad_id)  # (B, T)
        scores, table = [], 0
        for k, bias in zip(self.kernel_sizes, self.biases):
            width = ids.shape[1] - k + 1
            total = bias  # (F,) broadcast over (B, W, F)
            for offset in range(k):
                total = total + F.embedding(ids[:, offset : offset + width], self.tables[table])  # (B, W, F)
                table += 1
            scores.append(total)  # (B, W, F)
        return scores


class _Logits(nn.Module):
    """What the graph computes: ``(B, T)`` ids and mask -> ``(B, C)`` logits (eval mode: no dropout)."""

    def __init__(self, model: TextModel):
        super().__init__()
        self.model = model

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.model(ids, mask)


def weights_hash(model: TextModel) -> str:
    """A hash of every weight, to tie an exported file to the model it came from."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _metadata(model: TextModel, labels: Sequence[str], temperature: float) -> dict[str, str]:
    return {
        "convtext.temperature": repr(float(temperature)),  # probabilities: softmax (sigmoid) of logits / this
        "convtext.labels": json.dumps(list(labels), ensure_ascii=False),
        "convtext.architecture": model.architecture,
        "convtext.min_length": str(min_input_length(model)),
        "convtext.pad_id": str(model.pad_id),
        "convtext.weights": weights_hash(model),
    }


def export_onnx(model: TextModel, labels: Sequence[str], path: str | Path, temperature: float = 1.0) -> Path:
    """Write ``model``'s logits graph to ``path`` (written to a temporary file, then renamed); the labels and the
    ``temperature`` its probabilities are calibrated at go into the graph's metadata."""
    import onnx

    exported = copy.deepcopy(model).cpu().eval()
    graph = _Logits(exported)
    if isinstance(exported, TextCNN):  # the graph looks the n-grams up instead of convolving: same scores, faster
        graph.tables = _TableWindowScores(exported)  # registered here, so its tables become the graph's weights
        object.__setattr__(exported, "window_scores", graph.tables)  # an instance attribute shadows the method
    length = max(8, min_input_length(exported))
    ids = torch.randint(1, exported.vocab_size, (2, length))  # (2, T): one full row, one half padding
    mask = torch.ones_like(ids, dtype=torch.bool)
    ids[1, length // 2 :], mask[1, length // 2 :] = exported.pad_id, False
    with replaced_atomically(path) as temporary, torch.no_grad():
        torch.onnx.export(
            graph, (ids, mask), str(temporary), input_names=["ids", "mask"], output_names=["logits"],
            dynamic_axes={"ids": {0: "batch", 1: "length"}, "mask": {0: "batch", 1: "length"}, "logits": {0: "batch"}},
            opset_version=OPSET, dynamo=False,
        )  # fmt: skip
        stored = onnx.load(str(temporary))
        for key, value in _metadata(model, labels, temperature).items():
            stored.metadata_props.add(key=key, value=value)
        onnx.save(stored, str(temporary))
    return Path(path)


def quantize_int8(source: str | Path, target: str | Path) -> Path:
    """onnxruntime's dynamic int8 quantization of ``source`` (weights int8, activations quantized on the fly)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with replaced_atomically(target) as temporary:
        quantize_dynamic(str(source), str(temporary), weight_type=QuantType.QInt8)
        quantized, original = onnx.load(str(temporary)), onnx.load(str(source))
        del quantized.metadata_props[:]
        quantized.metadata_props.extend(original.metadata_props)  # the labels and weights hash travel along
        onnx.save(quantized, str(temporary))
    return Path(target)


class OnnxLogits:
    """Logits of id lists through onnxruntime, batched by length like ``predict_logits``."""

    def __init__(self, path: str | Path, model: TextModel, labels: Sequence[str], threads: int | None = None):
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise ConvtextError(f"{path}: no ONNX file — write it with `convtext export MODEL_DIR --onnx {path}`")
        check_digest(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for a damaged file
            raise ConvtextError(f"{path}: not a readable ONNX model ({str(error)[:200]}) — export it again") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("convtext.labels") != json.dumps(list(labels), ensure_ascii=False) or meta.get(
            "convtext.weights"
        ) != weights_hash(model):
            raise ConvtextError(f"{path} was exported from another model (labels or weights differ) — export it again")
        self.min_length, self.pad_id = int(meta["convtext.min_length"]), int(meta["convtext.pad_id"])
        self.num_classes = len(labels)

    def __call__(self, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
        """``(N, C)`` logits in input order."""
        out = np.zeros((len(sequences), self.num_classes), dtype=np.float32)
        for batch in sorted_batches(sequence_lengths(sequences), batch_size):
            ids, mask = batch_tensors(sequences, batch, self.pad_id, self.min_length)  # (B, T)
            out[batch] = self.session.run(None, {"ids": ids.numpy(), "mask": mask.numpy()})[0]
        return out
