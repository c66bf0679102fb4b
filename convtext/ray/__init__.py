"""convtext on Ray: a saved model over a Ray Dataset's text column, one model per actor.

``pip install 'convtext[ray]'``."""

from ._predict import local_ray, predict, predict_table

__all__ = ["local_ray", "predict", "predict_table"]
