import numpy as np
import pytest

from sklearn_lstm_ae import LSTMAutoencoderTransformer

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
