"""The command line's model and training options take their defaults from TextClassifier (written once)."""

import inspect

from convtext import TextClassifier
from convtext.cli._adapt import adapt
from convtext.cli._distill import distill
from convtext.cli._train import train

CLI_NAMES = {"arch": "architecture", "filters": "num_filters", "mode": "transfer"}
PARSED_FROM_TEXT = {"threshold", "embed_dim", "kernel_sizes", "lr_range"}  # the CLI reads these as text first
CLI_OWN = {"progress", "epochs"}  # a bar by default in a terminal; distill's epochs depend on --data / --corpus


def test_every_shared_option_defaults_to_the_estimators_value():
    estimator = {name: p.default for name, p in inspect.signature(TextClassifier).parameters.items()}
    checked = 0
    for command in (train, adapt, distill):
        for name, option in inspect.signature(command).parameters.items():
            key = CLI_NAMES.get(name, name)
            if key in estimator and key not in PARSED_FROM_TEXT | CLI_OWN and name != "from_model":
                assert option.default == estimator[key], f"convtext {command.__name__} --{name}"
                checked += 1
    assert checked >= 30
