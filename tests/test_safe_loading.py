"""Safe loading (issue 10): a tampered config.json or weights file is a clear ArtifactError — never a crash,
never an allocation of the absurd size it claims. No pickle is read anywhere."""

import json
import resource
import shutil
import struct

import pytest
from hostile import CARD_SETTINGS, CONFIG_VALUES, MODEL_SETTINGS, check_tampered_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convtext import load
from convtext._errors import ConvtextError


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
@given(key=st.sampled_from(MODEL_SETTINGS), value=CONFIG_VALUES)
def test_any_value_in_the_model_settings_loads_or_is_a_clear_error(saved_once, tmp_path, key, value):
    before = peak_memory_mb()
    check_tampered_config(saved_once, tmp_path, None, key, value)
    assert peak_memory_mb() - before < 500  # no absurd allocation (a 10**12-row table would be terabytes)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(CARD_SETTINGS), value=CONFIG_VALUES)
def test_any_value_in_the_convtext_entry_loads_or_is_a_clear_error(saved_once, tmp_path, key, value):
    check_tampered_config(saved_once, tmp_path, "convtext", key, value)


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
