"""Small sequence generators to play with, in the spirit of ``sklearn.datasets``.

Pure NumPy: importing this module does not import Keras or TensorFlow. Every
generator returns ``(X, y)`` with ``X`` a float32 array of one-hot steps
post-padded with all-zero steps (Keras ``pad_sequences(padding="post",
value=0.0)``), to be read with ``mask_value=0.0``, and ``y`` an integer label
of the distinct sequence, so that clusters of embeddings can be scored with
:func:`sklearn.metrics.adjusted_rand_score`.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_moving_onehot", "make_seed_sequences"]

_SEED_POSITIONS = 8


def _check_int(value, name, low, high=None):
    if (
        isinstance(value, bool)
        or not isinstance(value, Integral)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an int {bounds}; got {value!r}.")
    return int(value)


def make_moving_onehot(
    n_samples=1200, n_timesteps=10, n_channels=5, *, min_length=1, random_state=None
):
    """Generate one-hot sequences whose 1 moves one position per step.

    Each sequence has a random start position ``s`` in ``[0, n_channels)`` and
    a random length ``L`` drawn uniformly from ``[min_length, n_timesteps]``.
    Step ``t < L`` is one-hot with its 1 at ``(s + t) % n_channels``; steps
    ``t >= L`` are all zeros (post-padding). Every real step holds a 1, so the
    padding is unambiguous under ``mask_value=0.0``. With ``min_length ==
    n_timesteps`` every step is real: fixed-length sequences.

    Parameters
    ----------
    n_samples : int, default=1200
        Number of sequences.
    n_timesteps : int, default=10
        Length of the padded sequences (the longest possible sequence).
    n_channels : int, default=5
        Number of positions (channels) per step.
    min_length : int, default=1
        Shortest sequence, in ``[0, n_timesteps]``. A length of 0 is an empty
        sequence (all padding).
    random_state : int, RandomState instance or None, default=None
        Seeds the start positions and lengths. Pass an int for reproducible
        output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_channels), dtype float32
        The post-padded sequences.
    y : ndarray of shape (n_samples,), dtype int64
        The distinct sequence: equal labels for equal content. Sequences are
        numbered by length, then start position: ``n_channels * (L - m) + s``
        with ``m = max(min_length, 1)``, plus 1 when empty sequences are
        possible (``min_length=0``), which all get label 0.

    Examples
    --------
    >>> from sklearn_lstm_ae.datasets import make_moving_onehot
    >>> X, y = make_moving_onehot(random_state=0)
    >>> X.shape, y.shape
    ((1200, 10, 5), (1200,))
    >>> X, y = make_moving_onehot(8, 4, 3, min_length=4, random_state=0)
    >>> X[0].argmax(axis=1).shape
    (4,)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_timesteps = _check_int(n_timesteps, "n_timesteps", 1)
    n_channels = _check_int(n_channels, "n_channels", 1)
    min_length = _check_int(min_length, "min_length", 0, n_timesteps)
    rng = check_random_state(random_state)
    starts = rng.randint(n_channels, size=n_samples)
    lengths = rng.randint(min_length, n_timesteps + 1, size=n_samples)

    steps = np.arange(n_timesteps)
    positions = (starts[:, None] + steps) % n_channels
    X = (positions[..., None] == np.arange(n_channels)).astype(np.float32)
    X[steps >= lengths[:, None]] = 0.0

    offset = 1 if min_length == 0 else 0
    shortest = max(min_length, 1)
    y = np.where(
        lengths == 0, 0, offset + n_channels * (lengths - shortest) + starts
    ).astype(np.int64)
    return X, y


def make_seed_sequences(n_samples=5000, *, max_length=10, random_state=None):
    """Generate the sequences of the user's own generator (8 positions).

    Each sequence has length ``round(uniform(0, max_length))`` (so 0 to
    ``max_length``, empty sequences included). Step ``x`` is a one-hot vector
    of 8 positions with its 1 at position ``x`` when ``x <= 7``, and all zeros
    when ``x > 7``. The sequences are post-padded with all-zero steps to
    ``max_length``.

    Because the padding is all zeros too, the all-zero steps ``x > 7`` at the
    end of a sequence are indistinguishable from padding: with the default
    ``max_length=10``, the sequences of lengths 8, 9 and 10 are the same
    array. Read with ``mask_value=0.0`` (as any reader of zero-padded data
    must), they are one sequence of length 8. The labels ``y`` therefore name
    the distinct sequences as data, ``min(length, 8)``, not the drawn length.
    To keep such steps as data, pad with a value that no real step takes (NaN
    steps, or a list of unpadded arrays).

    Parameters
    ----------
    n_samples : int, default=5000
        Number of sequences.
    max_length : int, default=10
        Longest drawn length, and the padded length.
    random_state : int, RandomState instance or None, default=None
        Seeds the lengths. Pass an int for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, max_length, 8), dtype float32
        The post-padded sequences.
    y : ndarray of shape (n_samples,), dtype int64
        The distinct sequence, which is its effective length
        ``min(length, 8)``: 0 (empty) to 8.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstm_ae.datasets import make_seed_sequences
    >>> X, y = make_seed_sequences(random_state=0)
    >>> X.shape, y.shape
    ((5000, 10, 8), (5000,))
    >>> np.unique(y).shape
    (9,)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    max_length = _check_int(max_length, "max_length", 1)
    rng = check_random_state(random_state)
    lengths = np.round(rng.uniform(0, max_length, size=n_samples)).astype(np.int64)

    steps = np.arange(max_length)
    onehot = (steps[:, None] == np.arange(_SEED_POSITIONS)).astype(np.float32)
    X = np.where((steps < lengths[:, None])[..., None], onehot, np.float32(0.0))
    y = np.minimum(lengths, _SEED_POSITIONS)
    return X.astype(np.float32), y
