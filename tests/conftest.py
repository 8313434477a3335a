import json
import os
import subprocess
import sys

# scikit-learn's array API check (tests/test_common.py, NumPy namespace) runs
# only when SciPy was imported with this set; without it the check is skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sklearn_lstm_ae import LSTMAutoencoderTransformer  # noqa: E402

TINY = dict(n_components=4, max_iter=2, batch_size=16, random_state=0)


def tiny(**params):
    """A small seeded estimator: a real test of the wiring, in about a second."""
    return LSTMAutoencoderTransformer(**{**TINY, **params})


@pytest.fixture
def X3():
    """Fixed-length sequences, (30, 6, 2)."""
    return np.random.RandomState(0).normal(size=(30, 6, 2)).astype(np.float32)


@pytest.fixture
def ragged():
    """Variable-length sequences of 2 channels, lengths 0..6."""
    rng = np.random.RandomState(1)
    return [rng.normal(size=(n, 2)) for n in [0, 1, 3, 6, 4, 2, 5, 6, 1, 3] * 2]


def user_env(**updates):
    """This process's environment as a user's who set no TensorFlow log level
    (importing TensorFlow here set one), with ``updates``."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return {**env, **updates}


def run_on_jax(code):
    """Run ``code`` in a fresh Python on the JAX backend; the JSON value of the
    last line it prints."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, env=user_env(KERAS_BACKEND="jax"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def assert_searched(search, grid, X_test, y_test):
    """A fitted grid search tried every candidate, scored each and predicts."""
    assert set(search.best_params_) == set(grid)
    assert len(search.cv_results_["params"]) == np.prod([len(v) for v in grid.values()])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.predict(X_test).shape == np.shape(y_test)
