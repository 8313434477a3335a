"""Lazy, quiet access to Keras.

``import sklearn_lstm_ae`` must stay cheap, so Keras (and TensorFlow behind it)
is imported the first time a model is needed, through :func:`keras_modules`.
"""

import contextlib
import importlib
import importlib.util
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


def _quiet_import(module):
    """Import ``module`` (Keras, or TensorFlow behind it) with TensorFlow's C++
    logging off and its import-time banner (written before that setting is
    read) discarded, unless the user has set ``TF_CPP_MIN_LOG_LEVEL``: then
    their level and their output are left alone."""
    if module in sys.modules:
        return
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ and _OURS not in os.environ:
        importlib.import_module(module)
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ[_OURS] = "1"
    with _stderr_silenced():
        importlib.import_module(module)


def keras_modules():
    """Import Keras (quietly) and this package's Keras modules; return
    ``(network, training)``."""
    _quiet_import("keras")
    from . import _network, _training

    return _network, _training


def tensorflow_quietly():
    """Import TensorFlow quietly, where it is installed, before Keras imports
    it on another backend.

    Keras's serialization checks for TensorFlow's shapes, importing
    TensorFlow wherever it is installed (Keras 3.15), and its export converts
    a JAX function into a TensorFlow graph: on JAX the banner and C++ log
    lines would otherwise reach the user at the first ``save`` or ``export``.
    """
    if importlib.util.find_spec("tensorflow") is None:
        return
    try:
        _quiet_import("tensorflow")
    except ImportError:
        pass  # Keras then finds it unavailable too, and saves without it
