"""A per-label evaluation report a team can act on: per-label scores, the confusion matrix, calibration, the
slices where the model does worst and its most confident errors with their deciding n-grams — as a dict (JSON)
and as one self-contained HTML file."""

from ._contents import confident_errors, report_contents, slices
from ._html import report_html
from ._write import write_report

__all__ = ["confident_errors", "report_contents", "report_html", "slices", "write_report"]
