"""Lazy, quiet access to Keras.

``import sklearn_lstm_ae`` must stay cheap, so Keras (and TensorFlow behind it)
is imported the first time a model is needed, through :func:`keras_modules`.
"""

import contextlib
import os
import sys


@contextlib.contextmanager
def _stderr_silenced():
    """Point file descriptor 2 at /dev/null (C++ logs bypass ``sys.stderr``)."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr: nothing to silence
        yield
        return
    try:
        sys.stderr.flush()
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# Marks a TF_CPP_MIN_LOG_LEVEL that we set, not the user: child processes
# (Dask or loky workers) inherit both and stay quiet too.
_OURS = "_SKLEARN_LSTM_AE_SET_TF_LOG_LEVEL"


def keras_modules():
    """Import Keras and this package's Keras modules; return ``(network, training)``.

    Where the user has not set ``TF_CPP_MIN_LOG_LEVEL``, TensorFlow's C++ logging
    is turned off and its import-time banner (written before that setting is
    read) is discarded. A level the user set is left alone, and so is their
    output.
    """
    user_level = "TF_CPP_MIN_LOG_LEVEL" in os.environ and _OURS not in os.environ
    if "keras" not in sys.modules and not user_level:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        os.environ[_OURS] = "1"
        with _stderr_silenced():
            import keras  # noqa: F401
    from . import _network, _training

    return _network, _training
