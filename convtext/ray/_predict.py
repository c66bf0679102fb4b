"""``predict``: Ray Data's ``map_batches`` with a callable class — each actor of a fixed-size pool loads the model
once and adds the prediction columns of ``convtext predict``'s Parquet output to every Arrow batch."""

from __future__ import annotations

import logging
from pathlib import Path

from .._errors import ConvtextError, DataError
from ..artifact import replaced_folder
from ..data import table_rows

__all__ = ["ACTOR_CPUS", "BATCH_ROWS", "READ_BLOCK_BYTES", "local_ray", "predict", "predict_table"]

BATCH_ROWS = 10_000  # rows per batch: the model's per-call overhead is paid once per 10,000 texts
READ_BLOCK_BYTES = 8 << 20  # blocks a table is read into: a file of one block feeds one actor (why: docs/decisions.md)
ACTOR_CPUS = 0.5  # what an actor asks Ray for: with whole CPUs a pool as large as the machine starves the
# pipeline's reading and writing tasks (seen with 2 actors on 2 CPUs); each actor still predicts on a core of its own


class _Predictor:
    """One actor: the model loaded once (the numpy runtime where the model allows it), then batch after batch."""

    def __init__(self, folder: str, text_col: str, top_k: int):
        from ..multitask import load
        from ..runtime import numpy_classifier

        self.model = numpy_classifier(folder) or load(folder)
        self.text_col, self.top_k = text_col, top_k

    def __call__(self, batch):
        from ..runtime import add_predictions

        return add_predictions(self.model, batch, batch.column(self.text_col).to_pylist(), self.top_k)


def local_ray(cpus: int = 2):
    """Ray on this machine with ``cpus`` CPUs, on loopback, without the dashboard (already started: left as is)."""
    try:
        import ray
    except ImportError:
        raise ConvtextError("Ray needs its package — pip install 'convtext[ray]'") from None
    if not ray.is_initialized():
        ray.init(num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1", logging_level=logging.WARNING)
        ray.data.DataContext.get_current().enable_progress_bars = False
    return ray


def predict(dataset, model: str | Path, text_col: str = "text", top_k: int = 1, actors: int = 2,
            batch_size: int = BATCH_ROWS):  # fmt: skip
    """``dataset`` with ``convtext predict``'s prediction columns added (``predicted``, ``probability``[, ``top``];
    multi-label ``predicted_labels``, ``probabilities``), by a pool of ``actors`` actors of one CPU each; a null
    text gets null predictions. ``model``: a folder every node sees, or a built zoo name."""
    from ray.data import ActorPoolStrategy

    from ..hub import model_folder

    folder = model_folder(model)
    if folder is None:
        raise ConvtextError(f"{model} is a pretrained body, not a classifier — train one on it first")
    columns = {name.lower(): name for name in dataset.columns()}
    if text_col.lower() not in columns:
        raise DataError(f"no column {text_col!r}; columns found: {dataset.columns()} — pass text_col")
    return dataset.map_batches(
        _Predictor, fn_constructor_args=(str(Path(folder).resolve()), columns[text_col.lower()], top_k),
        batch_size=batch_size, batch_format="pyarrow", compute=ActorPoolStrategy(size=actors), num_cpus=ACTOR_CPUS,
    )  # fmt: skip


def predict_table(model: str | Path, source: str | Path, target: str | Path, text_col: str = "text",
                  top_k: int = 1, actors: int = 2) -> int:  # fmt: skip
    """A Parquet file or folder through Ray Data into the Parquet folder ``target`` (replaced whole when done);
    returns the rows written. Starts Ray locally when it is not running."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise DataError(f"{source}: no such file or folder — give a Parquet table")
    ray = local_ray(actors)
    with replaced_folder(target) as staging:
        predict(read_blocks(ray, source), model, text_col, top_k, actors).write_parquet(str(staging))
        return table_rows(staging)


def read_blocks(ray, source: Path):
    """``source`` as a Ray Dataset read in blocks of at most ``READ_BLOCK_BYTES``; the setting goes to the Dataset's
    own copy of the ``DataContext``, so the current one stays as it was."""
    dataset = ray.data.read_parquet(str(source))
    dataset.context.target_max_block_size = READ_BLOCK_BYTES
    return dataset
