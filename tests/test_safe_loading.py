"""Safe loading (issue 10): a tampered config.json or weights file is a clear ArtifactError — never a crash,
never an allocation of the absurd size it claims. No pickle is read anywhere."""

import json
import resource
import shutil
import struct

import pytest
from hostile import CARD_SETTINGS, CONFIG_VALUES, MODEL_SETTINGS, check_tampered_config
from hypothesis import HealthCheck, example, given, settings
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
@example(key="output_dim", value="\n")  # found by this test: the message printed the value as it was, newline too
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


TAMPERED_LOADS = r"""
import json, resource, sys, time
from convtext import load
from convtext._errors import ArtifactError
from convtext.models import TextCNN

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

load(sys.argv[1]); TextCNN.from_pretrained(sys.argv[1])  # the good folder: warm, then the baseline
baseline, results = peak_mb(), {}
for case in sys.argv[2:]:
    for how, loader in (("load", load), ("from_pretrained", TextCNN.from_pretrained)):
        start = time.perf_counter()
        try:
            loader(case)
            message = None
        except ArtifactError as error:
            message = str(error)
        results[f"{case} {how}"] = [message, time.perf_counter() - start]
print(json.dumps({"grew_mb": peak_mb() - baseline, "results": results}))
"""


def test_tampered_folders_fail_fast_in_one_line_and_bounded_memory(saved_once, tmp_path):
    """The issue-32 folders: a config claiming 900,000 filters or 200,000 kernel sizes, NaN or float64 weights —
    each refused by ``load`` and by ``from_pretrained`` within seconds, one line, no big allocation."""
    import subprocess
    import sys

    import numpy as np
    from safetensors.numpy import load_file, save_file

    def edit_weights(change):
        def edit(folder):
            weights = load_file(folder / "model.safetensors")
            save_file({name: change(name, array) for name, array in weights.items()}, folder / "model.safetensors")
            (folder / "digests.json").unlink()  # as someone editing the file would: else the digest catches it

        return edit

    def nan_in_first(name, array):
        return np.where(np.arange(array.size).reshape(array.shape) == 0, np.nan, array) if "head" in name else array

    cases = {
        "filters": lambda folder: _edit_config(folder, num_filters=900_000),
        "kernels": lambda folder: _edit_config(folder, kernel_sizes=[1] * 200_000),
        "nan": edit_weights(nan_in_first),
        "float64": edit_weights(lambda name, array: array.astype(np.float64)),
    }
    folders = []
    for name, edit in cases.items():
        folder = tmp_path / name
        shutil.copytree(saved_once, folder)
        edit(folder)
        folders.append(str(folder))
    done = subprocess.run(
        [sys.executable, "-c", TAMPERED_LOADS, str(saved_once), *folders], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    expected = {"filters": "do not match config.json", "kernels": "lists of at most", "nan": "NaN", "float64": "F64"}
    for key, (message, seconds) in report["results"].items():
        case = key.split()[0].rsplit("/", 1)[-1]
        assert message is not None and expected[case] in message and "\n" not in message, (key, message)
        assert seconds < 5, (key, seconds)
    assert report["grew_mb"] < 100, report  # 900,000 filters allocated would be over 1 GB


def _edit_config(folder, **changes):
    config = json.loads((folder / "config.json").read_text())
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config))
