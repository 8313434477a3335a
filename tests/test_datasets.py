"""Tests of the sequence generators in ``sklearn_lstm_ae.datasets``."""

import subprocess
import sys

import numpy as np
import pytest

from sklearn_lstm_ae.datasets import make_moving_onehot, make_seed_sequences


def _lengths(X):
    """Steps before the trailing all-zero steps (how mask_value=0.0 reads X)."""
    is_data = X.any(axis=2)
    last_from_end = is_data[:, ::-1].argmax(axis=1)
    return np.where(is_data.any(axis=1), X.shape[1] - last_from_end, 0)


def test_moving_onehot_default_shape_and_dtype():
    X, y = make_moving_onehot(random_state=0)
    assert X.shape == (1200, 10, 5)
    assert X.dtype == np.float32
    assert y.shape == (1200,)
    assert y.dtype.kind == "i"


def test_moving_onehot_steps_are_one_hot_and_move_one_position():
    X, _ = make_moving_onehot(200, 7, 4, random_state=1)
    lengths = _lengths(X)
    assert set(np.unique(X)) <= {0.0, 1.0}
    for seq, length in zip(X, lengths, strict=True):
        real = seq[:length]
        np.testing.assert_array_equal(real.sum(axis=1), 1.0)
        positions = real.argmax(axis=1)
        np.testing.assert_array_equal(np.diff(positions) % 4, 1)


def test_moving_onehot_is_post_padded_with_zero_steps():
    X, _ = make_moving_onehot(300, 10, 5, random_state=2)
    lengths = _lengths(X)
    real = np.arange(10) < lengths[:, None]
    # Every real step holds a 1, so zero steps occur only as trailing padding.
    np.testing.assert_array_equal(X.sum(axis=2), real.astype(np.float32))
    assert lengths.min() >= 1
    assert lengths.max() == 10


def test_moving_onehot_lengths_cover_min_length_to_n_timesteps():
    X, _ = make_moving_onehot(2000, 6, 3, min_length=3, random_state=0)
    assert set(_lengths(X)) == {3, 4, 5, 6}
    starts = X[:, 0].argmax(axis=1)
    assert set(starts) == {0, 1, 2}


def test_moving_onehot_fixed_length_has_no_padding():
    X, y = make_moving_onehot(100, 8, 5, min_length=8, random_state=0)
    np.testing.assert_array_equal(X.sum(axis=2), 1.0)
    # Fixed length: the label is the start position.
    np.testing.assert_array_equal(y, X[:, 0].argmax(axis=1))
    assert set(y) == set(range(5))


def test_moving_onehot_label_identifies_content():
    X, y = make_moving_onehot(1000, 5, 3, random_state=0)
    content = {}
    for seq, label in zip(X, y, strict=True):
        content.setdefault(int(label), set()).add(seq.tobytes())
    # One content per label, and different labels have different content.
    assert all(len(c) == 1 for c in content.values())
    assert len({next(iter(c)) for c in content.values()}) == len(content)
    # 3 start positions x 5 lengths, numbered by length then start.
    assert sorted(content) == list(range(15))
    lengths, starts = _lengths(X), X[:, 0].argmax(axis=1)
    np.testing.assert_array_equal(y, 3 * (lengths - 1) + starts)


def test_moving_onehot_empty_sequences_share_one_label():
    X, y = make_moving_onehot(500, 3, 4, min_length=0, random_state=0)
    lengths = _lengths(X)
    assert (lengths == 0).any()
    np.testing.assert_array_equal(y[lengths == 0], 0)
    assert (y[lengths > 0] >= 1).all()
    assert np.unique(y).size == 1 + 4 * 3


def test_moving_onehot_random_state_determines_output():
    X1, y1 = make_moving_onehot(50, random_state=7)
    X2, y2 = make_moving_onehot(50, random_state=np.random.RandomState(7))
    X3, _ = make_moving_onehot(50, random_state=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_samples": 0}, "n_samples must be an int >= 1; got 0"),
        ({"n_timesteps": 2.5}, "n_timesteps must be an int >= 1; got 2.5"),
        ({"n_channels": True}, "n_channels must be an int >= 1; got True"),
        ({"min_length": 11}, r"min_length must be an int in \[0, 10\]; got 11"),
    ],
)
def test_moving_onehot_rejects_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        make_moving_onehot(**params)


def test_seed_sequences_default_shape_and_dtype():
    X, y = make_seed_sequences(random_state=0)
    assert X.shape == (5000, 10, 8)
    assert X.dtype == np.float32
    assert y.shape == (5000,)
    assert y.dtype.kind == "i"


def test_seed_sequences_follow_the_users_generator():
    X, _ = make_seed_sequences(400, random_state=0)
    expected_step = np.vstack([np.eye(8), np.zeros((2, 8))]).astype(np.float32)
    for seq in X:
        length = _lengths(seq[None])[0]
        # Step x is one-hot at x up to the (effective) length, then zeros.
        np.testing.assert_array_equal(seq[:length], expected_step[:length])
        np.testing.assert_array_equal(seq[length:], 0.0)


def test_seed_sequences_label_is_effective_length():
    X, y = make_seed_sequences(3000, random_state=0)
    np.testing.assert_array_equal(y, _lengths(X))
    assert set(y) == set(range(9))
    # Drawn lengths 8, 9 and 10 are the same data, so the same label.
    long = X[y == 8]
    assert (long == long[0]).all()


def test_seed_sequences_length_distribution_matches_round_uniform():
    _, y = make_seed_sequences(20000, random_state=0)
    frequency = np.bincount(y, minlength=9) / len(y)
    # round(uniform(0, 10)): 0 w.p. 0.05, 1..7 w.p. 0.1 each, 8..10 -> 8: 0.25.
    expected = np.array([0.05] + [0.1] * 7 + [0.25])
    np.testing.assert_allclose(frequency, expected, atol=0.01)


def test_seed_sequences_short_max_length_keeps_every_length():
    X, y = make_seed_sequences(500, max_length=4, random_state=0)
    assert X.shape == (500, 4, 8)
    assert set(y) == set(range(5))
    np.testing.assert_array_equal(y, _lengths(X))


def test_seed_sequences_random_state_determines_output():
    X1, y1 = make_seed_sequences(60, random_state=3)
    X2, y2 = make_seed_sequences(60, random_state=3)
    _, y3 = make_seed_sequences(60, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(y1, y3)


def test_seed_sequences_rejects_bad_parameters():
    with pytest.raises(ValueError, match="max_length must be an int >= 1; got 0"):
        make_seed_sequences(max_length=0)


def test_datasets_import_does_not_import_keras():
    code = (
        "import sys, sklearn_lstm_ae.datasets; "
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
