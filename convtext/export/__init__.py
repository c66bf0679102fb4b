"""Export for fast inference: the logits graph as ONNX (onnxruntime), int8 dynamic quantization."""

from ._onnx import OnnxLogits, export_onnx, quantize_int8, weights_hash

__all__ = ["OnnxLogits", "export_onnx", "quantize_int8", "weights_hash"]
