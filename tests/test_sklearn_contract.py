"""TextClassifier is a scikit-learn estimator: clone, Pipeline, GridSearchCV, cross_val_score and the checks of
``sklearn.utils.estimator_checks`` that apply to an estimator of texts."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import estimator_checks

from convtext import ConvtextError, TextClassifier
from tests.conftest import toy_texts

SMALL = {
    "embeddings": "random",
    "embed_dim": 16,
    "num_filters": 16,
    "members": 1,
    "epochs": 8,
    "lr": 0.01,
    "threads": 1,
}


@pytest.fixture(scope="module")
def data():
    texts, labels = toy_texts(300)
    return np.array(texts, dtype=object), np.array(labels)


def test_get_params_returns_the_constructor_arguments_unchanged():
    kernel_sizes = [2, 3]
    clf = TextClassifier(kernel_sizes=kernel_sizes, lr=1e-3, model_options={"widths": 1})
    params = clf.get_params()
    assert params["kernel_sizes"] is kernel_sizes and params["lr"] == 1e-3 and params["model_options"] == {"widths": 1}
    assert clf.set_params(lr=5e-3, epochs=3) is clf and (clf.lr, clf.epochs) == (5e-3, 3)
    with pytest.raises(ValueError, match="Invalid parameter"):
        clf.set_params(no_such_setting=1)


def test_training_and_predicting_import_no_scikit_learn():
    probe = (
        "import sys\nfrom convtext import TextClassifier\nfrom tests.conftest import toy_texts\n"
        "texts, labels = toy_texts(60)\n"
        "clf = TextClassifier(embeddings='random', embed_dim=8, num_filters=4, members=1, epochs=1, threads=1)\n"
        "clf.fit(texts, labels).predict(texts)\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_an_untrained_classifier_raises_an_error_sklearn_and_hasattr_understand():
    clf = TextClassifier()
    assert not hasattr(clf, "classes_")  # an AttributeError, like scikit-learn's NotFittedError
    with pytest.raises(ValueError, match="not trained yet"):
        clf.predict(["good film"])


def test_keyword_architecture_settings_still_work_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="model_options"):
        clf = TextClassifier(architecture="inception", channels=32)
    assert clf.model_options == {"channels": 32}


def test_clone_is_untrained_with_the_same_settings(data):
    texts, labels = data
    trained = TextClassifier(**SMALL).fit(texts, labels)
    copy = clone(trained)
    assert copy.get_params() == trained.get_params() and not hasattr(copy, "model_")
    with pytest.raises(ConvtextError, match="not trained"):
        copy.predict(["good film"])
    transfer = clone(TextClassifier(pretrained=trained, epochs=1))
    assert transfer.pretrained is trained  # a trained starting point is shared, not cloned untrained


def test_pipeline_and_cross_val_score(data):
    texts, labels = data
    pipeline = Pipeline([
        ("lower", FunctionTransformer(lambda rows: [row.lower() for row in rows])),
        ("cnn", TextClassifier(**SMALL)),
    ])  # fmt: skip
    pipeline.fit(texts, labels)
    assert pipeline.score(texts, labels) > 0.8
    scores = cross_val_score(TextClassifier(**SMALL), texts, labels, cv=2)
    assert scores.shape == (2,) and np.all(scores > 0.6)


def test_grid_search_over_two_settings(data):
    texts, labels = data
    search = GridSearchCV(TextClassifier(**SMALL), {"num_filters": [8, 16], "kernel_sizes": [(1,), (1, 2)]}, cv=2)
    search.fit(texts, labels)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["num_filters"] in (8, 16) and search.best_estimator_.predict(["great film"])[0] == "pos"


# Skipped: every check that trains or predicts on generated numeric arrays (a TextClassifier reads texts), and
# check_do_not_raise_errors_in_init_or_set_params, which passes the deprecated **extra_model_options catch-all to
# set_params as if it were a parameter name.
APPLICABLE = [  # the checks that build, clone, inspect or (un)set an estimator without numeric training data
    estimator_checks.check_parameters_default_constructible,
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
    estimator_checks.check_estimator_cloneable,
    estimator_checks.check_estimator_repr,
    estimator_checks.check_mixin_order,
    estimator_checks.check_estimator_tags_renamed,
    estimator_checks.check_valid_tag_types,
]


@pytest.mark.parametrize("check", APPLICABLE, ids=lambda check: check.__name__)
def test_applicable_sklearn_estimator_checks(check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check("TextClassifier", TextClassifier())
