"""Sequences to fixed-size vectors with a Keras LSTM autoencoder, for scikit-learn."""

from ._estimator import LSTMAutoencoderTransformer

__all__ = ["LSTMAutoencoderTransformer"]
__version__ = "0.1.0.dev0"
