"""Safe loading (issue 10): a tampered config.json or weights file is a clear ArtifactError — never a crash,
never an allocation of the absurd size it claims. No pickle is read anywhere."""

import json
import resource
import shutil
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convtext import load
from convtext._errors import ConvtextError

HOSTILE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 10**12, 2**31, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.lists(st.one_of(st.integers(-3, 10**9), st.text(max_size=2)), max_size=4), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip
MODEL_KEYS = ["vocab_size", "num_classes", "embed_dim", "kernel_sizes", "num_filters", "dropout", "embed_dropout",
              "activation", "embedding_mode", "pad_id", "members", "architecture"]  # fmt: skip
META_KEYS = ["labels", "max_length", "multi_label", "thresholds", "format", "task", "output_dim"]


@pytest.fixture(scope="module")
def saved_once(trained, tmp_path_factory):
    return trained.save(tmp_path_factory.mktemp("safe") / "model")


def tampered(saved_once, tmp_path, edit) -> object:
    folder = tmp_path / "copy"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(saved_once, folder)
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(MODEL_KEYS), value=HOSTILE_VALUES)
def test_any_value_in_the_model_settings_loads_or_is_a_clear_error(saved_once, tmp_path, key, value):
    before = peak_memory_mb()
    folder = tampered(saved_once, tmp_path, lambda config: config.__setitem__(key, value))
    try:
        load(folder).predict(["good film"])
    except ConvtextError as error:
        assert str(error) and "\n" not in str(error)
    assert peak_memory_mb() - before < 500  # no absurd allocation (a 10**12-row table would be terabytes)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(META_KEYS), value=HOSTILE_VALUES)
def test_any_value_in_the_convtext_entry_loads_or_is_a_clear_error(saved_once, tmp_path, key, value):
    folder = tampered(saved_once, tmp_path, lambda config: config["convtext"].__setitem__(key, value))
    try:
        load(folder).predict(["good film"])
    except ConvtextError as error:
        assert str(error) and "\n" not in str(error)


def test_a_weights_header_that_claims_petabytes_is_refused(saved_once, tmp_path):
    folder = tampered(saved_once, tmp_path, lambda config: None)
    weights = folder / "model.safetensors"
    weights.write_bytes(struct.pack("<Q", 2**50) + weights.read_bytes()[8:])
    with pytest.raises(ConvtextError, match="truncated or corrupted"):
        load(folder)


def test_a_pickle_in_place_of_the_weights_is_not_executed(saved_once, tmp_path):
    import pickle

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('pickle was executed')",))

    folder = tampered(saved_once, tmp_path, lambda config: None)
    (folder / "model.safetensors").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ConvtextError, match="truncated or corrupted"):
        load(folder)
