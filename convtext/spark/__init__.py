"""convtext on Apache Spark: a saved model as a pandas UDF over a text column (``pip install 'convtext[spark]'``)."""

from ._job import local_session, predict_table
from ._udf import OUTPUTS, predict_udf, return_type

__all__ = ["OUTPUTS", "local_session", "predict_table", "predict_udf", "return_type"]
