"""aeon adapter: :class:`AeonLSTMAutoencoder`, an aeon collection transformer.

Needs aeon (``pip install "sklearn-lstm-ae[aeon]"``); ``import sklearn_lstm_ae``
does not import this module.
"""

from . import _adapters
from ._estimator import LSTMAutoencoderTransformer

_adapters.require("aeon")

from aeon.transformations.collection import BaseCollectionTransformer  # noqa: E402

__all__ = ["AeonLSTMAutoencoder"]


class AeonLSTMAutoencoder(_adapters.EstimatorParameters, BaseCollectionTransformer):
    """Embed aeon collections as fixed-size vectors with a recurrent autoencoder.

    An aeon collection transformer around
    :class:`~sklearn_lstm_ae.LSTMAutoencoderTransformer`: ``fit`` trains the
    autoencoder on the collection and ``transform`` returns one
    ``n_components``-wide vector per series, a 2-D array, ready for any
    scikit-learn or aeon estimator of tabular data. It reads aeon's layout,
    ``(n_cases, n_channels, n_timepoints)`` arrays and lists of
    ``(n_channels, n_timepoints_i)`` arrays, and any collection type aeon
    converts to them. Series may be multivariate and of unequal length.

    It takes the parameters of ``LSTMAutoencoderTransformer`` with the same
    defaults, except three that aeon decides: ``data_format`` (aeon's layout
    is channels first), ``n_timesteps`` (aeon turns 2-D input into 3-D
    itself) and ``warm_start`` (aeon resets an estimator at every ``fit``).

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    estimator_ : LSTMAutoencoderTransformer
        The fitted estimator: ``n_timesteps_``, ``history_``, ``model_``,
        ``inverse_transform`` and ``score`` are there, in aeon's layout.

    See Also
    --------
    sklearn_lstm_ae.LSTMAutoencoderTransformer : The estimator, for NumPy
        arrays and scikit-learn pipelines.
    sklearn_lstm_ae.sktime.SktimeLSTMAutoencoder : The same for sktime.

    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from sklearn_lstm_ae.aeon import AeonLSTMAutoencoder
    >>> X, y = load_basic_motions(split="train")
    >>> X.shape
    (40, 6, 100)
    >>> embed = AeonLSTMAutoencoder(n_components=6, max_iter=2, random_state=0)
    >>> embed.fit_transform(X).shape
    (40, 6)
    >>> embed.estimator_.n_timesteps_, embed.estimator_.n_channels_
    (100, 6)
    """

    __doc__ = _adapters.document_parameters(__doc__)

    _tags = {
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "X_inner_type": ["np-list", "numpy3D"],
        "output_data_type": "Tabular",
        "algorithm_type": "deeplearning",
        "fit_is_empty": False,
    }

    def _fit(self, X, y=None):
        self.estimator_ = _adapters.make_estimator(self).fit(X)
        return self

    def _transform(self, X, y=None):
        return self.estimator_.transform(X)

    # The HTML repr's "?" links to this class's page in our API reference.
    _doc_link_module = LSTMAutoencoderTransformer._doc_link_module
    _doc_link_template = LSTMAutoencoderTransformer._doc_link_template
