"""Running a saved classifier without PyTorch: the numpy forward pass of TextCNN and mean models, labels from
logits (shared with ``TextClassifier``) at a calibrated temperature, and prediction over files of any size (text
lines or Parquet tables)."""

from ._calibration import calibration_report, fit_temperature, to_probabilities, why_not_calibrate
from ._classifier import NumpyClassifier, numpy_classifier, runs_in_numpy
from ._ensemble import Ensemble, read_ensemble
from ._labels import LabelPredictions, check_finite
from ._metrics import classification_report, confusion_matrix, multilabel_report
from ._parquet_predict import (
    ParquetReport,
    add_predictions,
    predict_parquet,
    prediction_columns,
    prediction_schema,
    prediction_values,
)
from ._stream import StreamReport, predict_file, top_k_json

__all__ = [
    "Ensemble", "LabelPredictions", "NumpyClassifier", "ParquetReport", "StreamReport", "add_predictions",
    "calibration_report", "check_finite", "classification_report", "confusion_matrix", "fit_temperature",
    "multilabel_report", "numpy_classifier", "predict_file", "predict_parquet", "prediction_columns",
    "prediction_schema", "prediction_values", "read_ensemble", "runs_in_numpy", "to_probabilities", "top_k_json",
    "why_not_calibrate",
]  # fmt: skip
