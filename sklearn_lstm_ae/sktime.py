"""sktime adapter: :class:`SktimeLSTMAutoencoder`, from panels to tables.

Needs sktime (``pip install "sklearn-lstm-ae[sktime]"``);
``import sklearn_lstm_ae`` does not import this module.
"""

from . import _adapters

_adapters.require("sktime")

import pandas as pd  # noqa: E402
from sktime.transformations.base import BaseTransformer  # noqa: E402

__all__ = ["SktimeLSTMAutoencoder"]


class SktimeLSTMAutoencoder(_adapters.EstimatorParameters, BaseTransformer):
    """Embed sktime panels as fixed-size vectors with a recurrent autoencoder.

    An sktime transformer from time series to primitives around
    :class:`~sklearn_lstm_ae.LSTMAutoencoderTransformer`: ``fit`` trains the
    autoencoder on a panel and ``transform`` returns a table, one
    ``n_components``-wide row per instance (under the panel's instance labels,
    where it has them), ready for any tabular estimator
    (``SktimeLSTMAutoencoder() * SVC()`` is an sktime classifier). It reads
    every panel format sktime converts, among them ``numpy3D`` ``(n_instances,
    n_columns, n_timepoints)``, ``pd-multiindex``, ``nested_univ`` and
    ``df-list``; series may be multivariate and of unequal length.

    It takes the parameters of ``LSTMAutoencoderTransformer`` with the same
    defaults, except three that sktime decides: ``data_format`` (sktime's
    arrays are channels first), ``n_timesteps`` (sktime turns flat tables into
    panels itself) and ``warm_start`` (sktime resets an estimator at every
    ``fit``).

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    estimator_ : LSTMAutoencoderTransformer
        The fitted estimator: ``n_timesteps_``, ``history_``, ``model_``,
        ``inverse_transform`` and ``score`` are there, in the ``numpy3D``
        layout.

    See Also
    --------
    sklearn_lstm_ae.LSTMAutoencoderTransformer : The estimator, for NumPy
        arrays and scikit-learn pipelines.
    sklearn_lstm_ae.aeon.AeonLSTMAutoencoder : The same for aeon.

    Examples
    --------
    sktime's loaders return nested DataFrames, a Series per cell:

    >>> from sktime.datasets import load_basic_motions
    >>> from sklearn_lstm_ae.sktime import SktimeLSTMAutoencoder
    >>> X, y = load_basic_motions(split="train")
    >>> X.shape, len(X.iloc[0, 0])
    ((40, 6), 100)
    >>> codes = SktimeLSTMAutoencoder(n_components=4, max_iter=2).fit_transform(X)
    >>> codes.shape
    (40, 4)
    """

    __doc__ = _adapters.document_parameters(__doc__)

    _tags = {
        "authors": "sklearn-lstm-ae developers",
        "maintainers": "sklearn-lstm-ae developers",
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        # fit learns from all instances together.
        "scitype:instancewise": False,
        # Panels indexed by instance (pd-multiindex; nested_univ converts to
        # it) arrive as they are, so that the codes keep that index; other
        # panels arrive as lists of DataFrames, the one other format that
        # holds unequal lengths, or as numpy3D.
        "X_inner_mtype": ["pd-multiindex", "df-list", "numpy3D"],
        "y_inner_mtype": "None",
        "fit_is_empty": False,
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    def _fit(self, X, y=None):
        self.estimator_ = _adapters.make_estimator(self).fit(_channels_first(X))
        return self

    def _transform(self, X, y=None):
        codes = self.estimator_.transform(_channels_first(X))
        # One row per instance, under the panel's own instance labels where
        # it has them (as sktime's instance-wise transformers return them).
        index = _instances(X) if isinstance(X, pd.DataFrame) else None
        columns = self.estimator_.get_feature_names_out()
        return pd.DataFrame(codes, index=index, columns=columns)


def _instances(panel):
    """A ``pd-multiindex`` panel's instance labels, in their order."""
    return panel.index.get_level_values(0).unique()


def _channels_first(X):
    """sktime's inner panel as the estimator's channels-first input.

    ``numpy3D`` already is; a ``df-list`` holds one ``(n_timepoints,
    n_columns)`` DataFrame per instance, and a ``pd-multiindex`` frame one
    block of rows per instance (the first index level).
    """
    if isinstance(X, pd.DataFrame):
        # In the order of _instances: each label where it first appears.
        X = [block for _, block in X.groupby(level=0, sort=False, observed=True)]
    if isinstance(X, list):
        return [frame.to_numpy().T for frame in X]
    return X
