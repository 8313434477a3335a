"""The scikit-learn estimator: parameters, validation, fit/transform/score."""

import contextlib
import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _sequences
from ._backend import keras_modules

_OPTIMIZERS = {
    "adadelta", "adafactor", "adagrad", "adam", "adamax", "adamw", "ftrl",
    "lamb", "lion", "nadam", "rmsprop", "sgd",
}  # fmt: skip
_MAX_SEED = 2**31 - 1
# patch_size="auto" reads the longest training sequence in at most
# _MAX_PATCHES recurrent steps while a patch stays at most _MAX_PATCH_WIDTH
# steps wide; longer sequences keep patches of that width up to
# _MAX_LONG_PATCHES recurrent steps, and beyond that get wider patches. On the
# quality benchmark (3 seeds each) 12-step patches lifted ACSF1 (1,460 steps)
# from 0.640 to 0.827 against 23-step patches, and 11-step patches PLAID from
# 0.696 to 0.775 against 21-step ones; 16 against 32 on PigCVP changed little
# (0.189 and 0.183). Shorter sequences keep 64 steps: reading BasicMotions
# (100 steps) step by step cost 4 points, Trace in 3-step patches 1.3.
_MAX_PATCHES = 64
_MAX_PATCH_WIDTH = 10
_MAX_LONG_PATCHES = 128
# Where the documentation is published; the API pages are the ones that
# docs/api.rst has autosummary write into gen_modules/.
DOCS_URL = "https://sklearn-lstm-ae.readthedocs.io/en/{version}/"


class LSTMAutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Embed sequences as fixed-size vectors with a recurrent autoencoder.

    A recurrent encoder reads each sequence (its real steps only, each
    channel standardised) and summarises it as the code, ``n_components``
    wide: the mean and max of its outputs over the steps (``pooling``). A
    one-to-many decoder repeats the code once per step and runs the mirrored
    recurrent stack over it to rebuild the sequence, and predicts per step
    whether the step exists, so the code also carries the sequence's length.
    ``fit`` trains the autoencoder; ``transform`` returns the codes, centred
    on the training codes' mean and scaled so that a unit varies by 1 on
    average over the training sequences (``code_mean_``, ``code_scale_``).

    Input is a batch of sequences in any of these forms, all read as the same
    data: a 3-D array ``(n_samples, n_timesteps, n_channels)``; a list of 2-D
    arrays ``(length_i, n_channels)`` whose lengths may differ (0 included); a
    3-D array padded at the end with all-NaN steps; a 3-D array padded at the
    end with ``mask_value`` steps; a 2-D array or DataFrame whose rows are
    sequences (see ``n_timesteps``); or a DataFrame with one sequence per cell,
    a column per channel (sktime's nested format). With
    ``data_format="channels_first"`` 3-D arrays are ``(n_samples, n_channels,
    n_timesteps)`` and list items ``(n_channels, length_i)``, as in aeon and
    sktime.

    Parameters
    ----------
    n_components : int, default=96
        Width of the code (the output of ``transform``). With the default
        ``pooling`` the last recurrent layer is half as wide (48 units for
        the default). The default was chosen on the quality benchmark: 96
        beat 32 on three of its four data sets.
    pooling : {"mean_max", "last_mean_max", None}, default="mean_max"
        What the code is made of. ``"mean_max"``: the last recurrent layer's
        mean and max over the real steps, each half the code (the last state
        of a long sequence forgets its beginning; the mean and the max keep
        every step in view). ``"last_mean_max"``: its output at the last real
        step beside them, each a third of the code. Over the quality
        benchmark's 13 data sets and 5 seeds, ``"mean_max"`` gave KMeans
        codes that agreed better with the classes on 9 and a higher mean
        SVM accuracy (0.818 against 0.799), with ``"last_mean_max"`` ahead
        on some data sets and in rebuilding sequences (see the user guide's
        choosing page). ``None``: the final state alone, the classic LSTM
        autoencoder.
    level_and_spread : float, default=0.0
        How much of the code is each channel's mean and standard deviation
        over the sequence's real steps (in the standardised units the
        network reads). ``0``: none; the encoder learns the whole code. Above
        0, the code ends with these ``2 * n_channels`` statistics, each
        centred on its training mean and divided by its training standard
        deviation, then weighted so that together their squared size is
        ``level_and_spread`` times that of the learned part (one that does
        not vary over the training sequences, as on z-normalised data, is 0
        in every code, and ``fit`` warns if none does); the decoder reads
        them with the rest. A code scaled
        to unit size (``code_scaling``) keeps a sequence's shape better than
        its level and spread: where those tell sequences apart, a value of
        1 or 2 helps (the quality benchmark's PigCVP: 0.36 at 0, 0.43 at 1,
        0.44 at 2), and where they do not, it hides the shape (a gesture
        data set: 0.75 at 0, 0.63 at 1). A hyperparameter to search with the
        model that reads the codes. Needs ``2 * n_channels < n_components``.
    code_scaling : {"sample", "batch", None}, default="sample"
        How the code is scaled before the decoder reads it (and
        ``transform`` returns it). ``"sample"``: each code to unit
        root-mean-square across its units, so codes differ only in
        direction. ``"batch"``: all codes divided by one number, their
        root-mean-square over the training batch (a moving average of it
        after training), so each code keeps its size. ``None``: no scaling;
        training can then sit on a plateau for many epochs. The quality
        benchmark's BasicMotions, where the size of a motion matters, gains
        from ``"batch"``; JapaneseVowels and GunPoint lose (see the user
        guide's "Choosing the architecture").
    patch_size : "auto" or int, default="auto"
        Number of consecutive steps the recurrent layers read as one step,
        and the decoder emits as one. Long sequences then take fewer
        recurrent steps, which makes training faster and leaves the
        recurrent state fewer steps to carry. ``"auto"`` decides from the
        longest training sequence, ``n_timesteps``: step by step up to 64
        steps; ``ceil(n_timesteps / 64)`` steps at a time up to 640 steps
        (at most 64 recurrent steps); 10 steps at a time up to 1,280 steps;
        ``ceil(n_timesteps / 128)`` beyond (128 recurrent steps), so that a
        patch stays narrow enough to keep fine detail. Each patch holds a
        mask channel per step, so the padding in a sequence's last patch is
        never read as data.
    hidden_layer_sizes : tuple of int, default=()
        Widths of extra recurrent layers before the code layer; the decoder
        mirrors them.
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell type.
    bidirectional : bool, default=False
        Read sequences in both directions. Each direction gets half of an
        even layer width and their outputs are concatenated; for an odd width
        both directions get the full width and are averaged. Either way the
        code stays ``n_components`` wide.
    dropout : float, default=0.0
        Dropout on the inputs of every recurrent layer, in [0, 1).
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent state of every recurrent layer, in [0, 1).
    n_timesteps : int, default=None
        For 2-D input only: read each row as ``(n_timesteps, n_features //
        n_timesteps)``. ``None`` reads each row as a univariate sequence.
    mask_value : float, default=None
        A trailing step whose every channel equals this value is padding
        (Keras ``pad_sequences(padding="post")`` pads with 0.0). The same
        value inside a sequence is data. Decoded padding is filled with it.
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        Layout of 3-D arrays and of the items of lists. ``"channels_last"``:
        ``(n_samples, n_timesteps, n_channels)`` and ``(length_i,
        n_channels)``, as in Keras and tslearn. ``"channels_first"``:
        ``(n_samples, n_channels, n_timesteps)`` and ``(n_channels,
        length_i)``, as in aeon and sktime; 2-D rows with ``n_timesteps``
        then hold one channel after another. ``inverse_transform`` returns
        the same layout. A 3-D array that reads as sequences of one step with
        several channels gets a warning that names the other layout.
    loss : {"auto", "mse", "mae", "binary_crossentropy"} or keras.losses.Loss, \
default="auto"
        Reconstruction loss over real steps. ``"auto"`` uses binary
        cross-entropy (with sigmoid outputs) when the data is all 0 and 1,
        mean squared error otherwise. A Keras loss object (for example
        ``keras.losses.Huber(delta=0.5)``) is copied from its configuration
        (never mutated) and compares the network's linear outputs with the
        (standardised) values of each real step; its own reduction and
        weighting are not used. ``score`` stays the mean squared error.
    standardize : {"auto", True, False, "sequence"}, default="auto"
        Standardise each channel with the mean and standard deviation of its
        real training steps (padding never counts) before the network sees
        it; ``inverse_transform`` and ``score`` undo it. LSTMs train poorly on
        unscaled data. ``"sequence"`` standardises each sequence's channels by
        that sequence's own mean and standard deviation instead
        (z-normalisation, as in the UCR archive), for data whose sequences
        differ in size by orders of magnitude: codes then describe shapes
        only, and ``inverse_transform`` and ``score`` work in each sequence's
        standardised units, since the code does not carry its sequence's
        level and size. ``"auto"``: no standardisation for binary
        cross-entropy, whose targets must stay in [0, 1]; ``"sequence"``
        where the training sequences' sizes (each one's standard deviation)
        spread over a factor of 100 or more between the 10th and the 90th
        percentile in every channel, so that standardised together a tenth of
        them would be flat lines next to another tenth; ``True`` otherwise.
        The choice made is ``standardize_``.
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        A Keras optimizer name, or an instance; an instance is copied from its
        config (never mutated) and keeps its own learning rate.
    learning_rate_init : float, default=1e-3
        Learning rate of an optimizer given by name.
    batch_size : int, default=32
        Sequences per gradient step.
    max_iter : int, default=100
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the training sequences every epoch (seeded by
        ``random_state``), starting from an order set by their values, so the
        order of ``X`` does not change the fit. For long sequences of spread
        lengths each batch is drawn from one of up to four bands of similar
        length, to cut padding. ``False`` keeps the data's order.
    tol : float, default=1e-4
        How much an epoch must lower the monitored loss (validation loss with
        ``early_stopping``, else training loss) to count as an improvement:
        an epoch improves when its loss is at least ``tol`` below the best
        loss of the earlier epochs, as in ``MLPRegressor``. The difference
        is absolute, in the units of the loss, which is computed on the data
        as the network sees it: standardised by default (``standardize``),
        so the default ``tol`` suits data of any scale. After
        ``n_iter_no_change`` epochs in a row without an improvement, ``fit``
        stops. ``tol=0`` counts any decrease.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the sequences, stop when the
        validation loss stops improving, and restore the best weights.
    validation_fraction : float, default=0.1
        Fraction held out for ``early_stopping``, in (0, 1).
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra Keras callbacks. Each fit uses deep copies, so no state carries
        from one fit into the next.
    warm_start : bool, default=False
        Continue from the previous weights when ``fit`` is called again.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout, shuffling and validation split. An
        int gives bit-identical results run to run and leaves the global
        random state (NumPy, ``random``, Keras) untouched.
    verbose : int, default=0
        0 prints nothing; 1 shows a progress bar over the epochs with the
        losses on a terminal or in a notebook, and one plain line per epoch
        anywhere else (a file, a pipe, a CI log); 2 prints Keras's own line
        per epoch.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns for 2-D input, number of channels for sequences.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when fitted on a DataFrame with string column names.
    n_timesteps_ : int
        Length of the longest training sequence.
    n_channels_ : int
        Number of channels per step.
    patch_size_ : int
        Steps read as one by the recurrent layers (``patch_size``, resolved).
    model_ : keras.Model
        The autoencoder: ``[values, mask] -> (batch, steps, n_channels_ + 1)``,
        the reconstruction followed by the logit that each step exists.
        ``values`` are standardised and ``mask`` is True at real steps, which
        come first in each sequence (padding at the end).
    encoder_ : keras.Model
        ``[values, mask] -> code``; shares weights with ``model_``. Its
        codes are before centring: ``transform`` returns ``(code -
        code_mean_) / code_scale_``.
    decoder_ : keras.Model
        ``code -> (batch, n_timesteps_, n_channels_ + 1)``; shares weights
        with ``model_``, and reads the encoder's codes, not ``transform``'s.
    history_ : dict of str to list of float
        Per-epoch ``loss``, ``val_loss`` when validating, and
        ``learning_rate`` when it changed during training.
    loss_curve_ : list of float
        The training loss per epoch (``history_["loss"]``).
    n_iter_ : int
        Number of epochs run in total.
    loss_ : str or keras.losses.Loss
        The reconstruction loss used: ``"mse"``, ``"mae"``,
        ``"binary_crossentropy"``, or a copy of the ``loss`` object.
    channel_mean_ : ndarray of shape (`n_channels_`,)
        Per-channel mean subtracted before the network (0 when not
        standardising).
    channel_scale_ : ndarray of shape (`n_channels_`,)
        Per-channel standard deviation divided out (1 when not standardising).
    standardize_ : bool or "sequence"
        The standardisation the fit used (``standardize``, with ``"auto"``
        resolved): ``True`` per channel, ``"sequence"`` each sequence by
        itself, ``False`` none.
    code_mean_ : ndarray of shape (`n_components`,)
        Mean of the network's codes over the sequences of the last ``fit``
        (or ``partial_fit`` call), weighted by ``sample_weight``.
        ``transform`` subtracts it and ``inverse_transform`` adds it back.
    code_scale_ : float
        Root-mean-square of the training codes' differences from
        ``code_mean_``, over all units (one number). ``transform`` divides
        by it, so the codes keep the network's geometry (distances, and so
        KMeans, are only scaled) while each unit varies by 1 on average
        around 0, where scikit-learn's defaults expect features to be
        (``SVC``'s ``gamma="scale"`` reads the variance around the origin,
        ``LogisticRegression``'s ``C=1`` a spread near 1); see the user
        guide's "Which model reads the codes". Where the training codes do
        not differ (a single sequence), ``code_mean_`` and ``code_scale_``
        stay as an earlier ``partial_fit`` or warm-started fit left them, or
        are 0 and 1 after a first fit.

    See Also
    --------
    sklearn.decomposition.PCA : Linear embedding of fixed-length vectors.
    sklearn.neural_network.MLPRegressor : The stopping rules used here.

    Notes
    -----
    TensorFlow (or the backend set by ``KERAS_BACKEND``) is imported on the
    first ``fit``. Built models are reused across fits in the same process: a
    model whose estimator was refitted or garbage-collected is re-initialised
    and lent to the next fit of the same architecture, unless user code may
    hold it: once ``model_``, ``encoder_`` or ``decoder_`` has been read (or
    ``callbacks`` were shown the model), the model stays as it is, and stays
    yours when the estimator is refitted or deleted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstm_ae import LSTMAutoencoderTransformer
    >>> X = np.random.RandomState(0).normal(size=(20, 6, 2))
    >>> est = LSTMAutoencoderTransformer(n_components=4, max_iter=2, random_state=0)
    >>> est.fit_transform(X).shape
    (20, 4)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"mean_max", "last_mean_max"}), None],
        "level_and_spread": [Interval(Real, 0, None, closed="left")],
        "code_scaling": [StrOptions({"sample", "batch"}), None],
        "patch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "hidden_layer_sizes": ["array-like"],
        "cell": [StrOptions({"lstm", "gru"})],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "n_timesteps": [Interval(Integral, 1, None, closed="left"), None],
        "mask_value": [Interval(Real, None, None, closed="neither"), None],
        "data_format": [StrOptions({"channels_last", "channels_first"})],
        "loss": [
            StrOptions({"auto", "mse", "mae", "binary_crossentropy"}),
            HasMethods(["get_config", "call"]),
        ],
        "standardize": [StrOptions({"auto", "sequence"}), "boolean"],
        "optimizer": [StrOptions(_OPTIMIZERS), HasMethods(["get_config"])],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=96,
        *,
        pooling="mean_max",
        level_and_spread=0.0,
        code_scaling="sample",
        patch_size="auto",
        hidden_layer_sizes=(),
        cell="lstm",
        bidirectional=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        n_timesteps=None,
        mask_value=None,
        data_format="channels_last",
        loss="auto",
        standardize="auto",
        optimizer="adam",
        learning_rate_init=1e-3,
        batch_size=32,
        max_iter=100,
        shuffle=True,
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        callbacks=None,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.pooling = pooling
        self.level_and_spread = level_and_spread
        self.code_scaling = code_scaling
        self.patch_size = patch_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.cell = cell
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.n_timesteps = n_timesteps
        self.mask_value = mask_value
        self.data_format = data_format
        self.loss = loss
        self.standardize = standardize
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ input
    def _read(self, X, *, reset):
        """Any accepted input form -> ``Padded``; records input facts on reset."""
        fitted_on_table = not reset and self._fitted_on_table
        channels_first = self.data_format == "channels_first"
        if _sequences.is_nested_frame(X):
            # Columns are channels whatever data_format says.
            X, channels_first = _sequences.nested_to_sequences(X), False
        is_table = _sequences.is_table(X)
        if is_table:
            _sequences.refuse_strings(X)
            _sequences.refuse_masked_table(X)
        if is_table and (reset or fitted_on_table):
            with _nan_in_table_explained():
                rows = validate_data(
                    self, X, reset=reset, dtype=[np.float32, np.float64]
                )
            X = _sequences.rows_to_sequences(
                rows, self.n_timesteps, channels_first=channels_first
            )
            channels_first, table = False, True
        elif is_table:
            # A model fitted on sequences reads a table's rows as sequences.
            with _nan_in_table_explained():
                rows = check_array(X, dtype=[np.float32, np.float64], input_name="X")
            one_step = rows.shape[1] == 1 and self.n_timesteps is None
            if one_step and self.n_timesteps_ > 1:
                warnings.warn(
                    f"X is a 2-D array of shape {rows.shape}, read as "
                    f"{len(rows)} sequences of 1 step (one per row), but "
                    f"{type(self).__name__} was fitted on sequences of up to "
                    f"{self.n_timesteps_} steps. To give one sequence of shape "
                    "(n_steps, 1), pass it in a list, [seq], or as "
                    "seq[np.newaxis].",
                    UserWarning,
                    stacklevel=_user_stacklevel(),
                )
            X = _sequences.rows_to_sequences(
                rows, self.n_timesteps, channels_first=channels_first
            )
            channels_first, table = False, False
        else:
            table = False
        padded = _sequences.to_padded(
            X, mask_value=self.mask_value, channels_first=channels_first
        )
        n_channels = padded.values.shape[2]
        if reset and not table:
            message = _sequences.one_step_warning(X, channels_first=channels_first)
            if message:
                warnings.warn(message, UserWarning, stacklevel=_user_stacklevel())
        if reset:
            self._fitted_on_table = table
            if not table:
                self.n_features_in_ = n_channels
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
        elif n_channels != self.n_channels_:
            if is_table:
                steps = (
                    "one channel" if self.n_timesteps is None
                    else f"n_timesteps={self.n_timesteps} steps"
                )  # fmt: skip
                read_as = (
                    f"X is a 2-D table, read as one sequence per row ({steps}); "
                    "pass a single sequence in a list, [seq], or as "
                    "seq[np.newaxis]."
                )
            else:
                read_as = (
                    f"3-D arrays are read as {_sequences.LAYOUTS[self.data_format]}, "
                    f"list items as {_sequences.ITEM_LAYOUTS[self.data_format]} "
                    f"(data_format={self.data_format!r})."
                )
            raise ValueError(
                f"X has {n_channels} channels per step, but "
                f"{type(self).__name__} was fitted on {self.n_channels_}; "
                f"sequences must keep the channel count seen in fit. {read_as}"
            )
        return padded

    def _loss_kind(self, padded, fitted=None):
        """The loss ``loss`` resolves to on this data (``fitted``: already chosen).

        A name, or a new copy of a Keras loss object.
        """
        kind = self.loss
        if not isinstance(kind, str):
            import keras

            if not isinstance(kind, keras.losses.Loss):
                raise TypeError(
                    "loss must be 'auto', 'mse', 'mae', 'binary_crossentropy' or a "
                    f"keras.losses.Loss instance; got {kind!r} of type "
                    f"{type(kind).__name__}."
                )
            network, _ = keras_modules()
            return network.clone_loss(kind)
        real = padded.values[padded.mask]
        if kind == "auto":
            binary = real.size and np.isin(real, (0.0, 1.0)).all()
            kind = fitted or ("binary_crossentropy" if binary else "mse")
        if kind == "binary_crossentropy" and real.size:
            if real.min() < 0 or real.max() > 1:
                raise ValueError(
                    "loss='binary_crossentropy' needs values in [0, 1]; X has "
                    f"values in [{real.min():g}, {real.max():g}]. Use loss='mse' "
                    "or 'mae', or scale the data."
                )
        return kind

    def _check_hidden_layer_sizes(self):
        sizes = np.ravel(np.asarray(self.hidden_layer_sizes, dtype=object))
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a sequence of positive integers; got "
                f"{self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _optimizer_config(self):
        if isinstance(self.optimizer, str):
            return {
                "class_name": self.optimizer,
                "config": {"learning_rate": float(self.learning_rate_init)},
            }
        import keras

        if not isinstance(self.optimizer, keras.optimizers.Optimizer):
            raise TypeError(
                f"optimizer must be one of {sorted(_OPTIMIZERS)} or a "
                "keras.optimizers.Optimizer instance; got "
                f"{self.optimizer!r} of type {type(self.optimizer).__name__}."
            )
        network, _ = keras_modules()
        optimizer = network.as_keras_optimizer(self.optimizer)
        return {
            "class_name": type(optimizer).__name__,
            "module": type(optimizer).__module__,
            "config": optimizer.get_config(),
        }

    # -------------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the autoencoder on sequences.

        Training stops after ``max_iter`` epochs, or earlier when the
        monitored loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs; reaching ``max_iter`` first raises a ``ConvergenceWarning``,
        as in ``MLPRegressor``. Ctrl-C (KeyboardInterrupt) stops training with
        a warning and keeps the weights learned so far. If the loss becomes NaN
        or infinite a ``FloatingPointError`` names the likely causes. Any error
        leaves the estimator exactly as it was before the call; Ctrl-C outside
        training waits until the estimator is whole (the old model or the new
        fit).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_channels), list of \
array-like of shape (length_i, n_channels), or array-like of shape \
(n_samples, n_features)
            Training sequences, in any accepted form.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,) or float, default=None
            Weight of each sequence in the training loss, in the per-channel
            standardisation and, with ``early_stopping``, in the validation
            loss. Finite and non-negative, not all zero; ``None`` weighs every
            sequence 1. Whole-number weights act as copies: weight k trains
            exactly as k copies of the sequence would, and weight 0 as leaving
            it out (down-weight known anomalies this way). Multiplying every
            weight by one number changes nothing. See the user guide's
            "Training" page.

        Returns
        -------
        self : LSTMAutoencoderTransformer
            The fitted estimator.
        """
        warm = self.warm_start and "_entry" in self.__dict__
        return self._train(
            X, sample_weight, epochs=self.max_iter, warm=warm, stopping=True
        )

    def partial_fit(self, X, y=None, sample_weight=None):
        """Train for one more epoch on ``X``, initialising on the first call.

        ``early_stopping``, ``tol`` and ``n_iter_no_change`` do not apply: each
        call runs exactly one epoch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_channels), list of \
array-like of shape (length_i, n_channels), or array-like of shape \
(n_samples, n_features)
            Training sequences, in any accepted form.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,) or float, default=None
            Weight of each sequence in the training loss, as in :meth:`fit`
            (on the first call also in the standardisation).

        Returns
        -------
        self : LSTMAutoencoderTransformer
            The updated estimator.
        """
        self._validate_params()
        warm = "_entry" in self.__dict__
        return self._train(X, sample_weight, epochs=1, warm=warm, stopping=False)

    def _train(self, X, sample_weight, *, epochs, warm, stopping):
        """Fit or continue; on any error the estimator is left as it was."""
        _, training = keras_modules()
        # Ctrl-C interrupts reading and training at once; during the
        # bookkeeping before and the rollback after, it waits for them to end,
        # so the estimator is always the old model or a finished fit.
        with training.interrupts_held() as interrupts:
            before = dict(self.__dict__)
            previous = before.get("_entry")
            snapshot = _snapshot(previous) if previous is not None else None
            # What a pickle taken during the fit holds (see __getstate__).
            self._fit_in_progress = (before, snapshot)
            try:
                with interrupts.live():
                    self._train_steps(X, sample_weight, epochs, warm, stopping)
            except BaseException:
                self._rollback(before, snapshot)
                raise
            self.__dict__.pop("_fit_in_progress", None)
            old_lease = before.get("_lease")
            if old_lease is not None and self._lease is not old_lease:
                old_lease()  # the previous model, now unused, goes back to the cache
        return self

    def _rollback(self, before, snapshot):
        """Return to the state ``before`` a failed fit, weights included."""
        new_lease = self.__dict__.get("_lease")
        if new_lease is not None and new_lease is not before.get("_lease"):
            new_lease()  # a model taken for this fit goes back to the cache
        self.__dict__.clear()
        self.__dict__.update(before)
        if snapshot is None:
            return
        try:
            interrupted = _restore(snapshot)
        except BaseException as exc:
            # Half the weights are new: refuse to run on with such a model.
            self._forget_fit()
            raise RuntimeError(
                "The fit failed and the model from before it could not be "
                f"restored ({type(exc).__name__}: {exc}); the estimator is now "
                "unfitted. Fit it again."
            ) from exc
        if interrupted is not None:
            raise interrupted

    def _forget_fit(self):
        lease = self.__dict__.get("_lease")
        params = self.get_params(deep=False)
        self.__dict__.clear()
        self.__dict__.update(params)
        if lease is not None:
            lease()

    def _train_steps(self, X, sample_weight, epochs, warm, stopping):
        network, training = keras_modules()
        padded = self._read(X, reset=not warm)
        weights = _checked_sample_weight(sample_weight, len(padded.lengths))
        # A whole-number weight k becomes k copies and weight 0 none, in an
        # order set by the sequences: so a weight of k trains exactly as k
        # copies would, in whatever order the sequences came.
        padded, weights, _ = _sequences.training_rows(
            padded, weights, keep_order=not self.shuffle
        )
        if not padded.lengths.any():
            raise ValueError(
                "X holds no step to learn from: every sequence given a nonzero "
                "sample_weight is empty (length 0). Training needs at least one "
                "sequence with a real step."
            )
        loss = self._loss_kind(padded, self.loss_ if warm else None)
        if warm:
            standardize = self.standardize_
            mean, scale = self.channel_mean_, self.channel_scale_
        else:
            standardize = self._resolve_standardize(padded, loss)
            mean, scale = self._fit_scaler(padded, weights, standardize)
        padded = self._scaled(padded, mean, scale, standardize)
        level = None if warm else self._level_and_spread(padded, weights)
        arch = network.Architecture(
            n_channels=padded.values.shape[2],
            # Python numbers, not NumPy scalars: Keras refuses an np.int64 layer
            # width, and the model cache must file both under one key.
            n_components=int(self.n_components),
            hidden_layer_sizes=self._check_hidden_layer_sizes(),
            cell=str(self.cell),
            bidirectional=bool(self.bidirectional),
            dropout=float(self.dropout),
            recurrent_dropout=float(self.recurrent_dropout),
            output_activation=_output_activation(loss),
            **network.Architecture.pooling_fields(self.pooling),
            code_scaling=None if self.code_scaling is None else str(self.code_scaling),
            patch_size=self._resolve_patch_size(padded, warm),
            # Whether the code has them is asked of this call's parameter,
            # so that a warm start that changes it is refused below.
            level_and_spread=float(self.level_and_spread) > 0,
        )
        if warm and (
            arch != self._entry.arch
            or network.loss_key(loss) != network.loss_key(self.loss_)
        ):
            raise ValueError(
                "warm_start and partial_fit continue training the fitted "
                "network, so the parameters that shape it (n_components, "
                "pooling, level_and_spread, code_scaling, patch_size, "
                "hidden_layer_sizes, cell, "
                "bidirectional, dropout, recurrent_dropout, loss) must not "
                "change between calls; "
                "set warm_start=False to train a new network."
            )
        user_callbacks = training.copy_callbacks(self._checked_callbacks())
        optimizer_config = self._optimizer_config()
        epochs_before = self.n_iter_ if warm else 0
        run_seed = self._run_seed(epochs_before)
        train, val = self._split(padded, weights, stopping, run_seed)

        if warm:
            entry = self._entry
        else:
            entry, lease = training.lend_entry(
                self, arch, loss, optimizer_config, self._learning_rate(),
                self._seeds()[0], reuse=self.__dict__.get("_entry"),
            )  # fmt: skip
            if lease is not None:  # None: our own model, re-initialised
                self._lease = lease
            if level is not None:
                layer = entry.model.get_layer("level_and_spread")
                layer.center.assign(level[0])
                layer.weight.assign(level[1])
        self._entry = entry

        if user_callbacks:
            entry.exposed = True  # a callback may keep the model it is shown
        stop = (self.tol, self.n_iter_no_change) if stopping else None
        epoch_log, diverged, interrupted, plateau = training.run_epochs(
            entry.model, train, val, epochs=epochs, batch_size=self.batch_size,
            shuffle=self.shuffle, seed=run_seed, stop=stop,
            callbacks=user_callbacks, verbose=self.verbose,
            batch_statistics=entry.arch.code_scaling == "batch",
        )  # fmt: skip
        if interrupted:
            warnings.warn(
                f"Training interrupted after {len(epoch_log.get('loss', []))} "
                "complete epoch(s); the estimator keeps the weights learned so far.",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )
        if diverged:
            raise FloatingPointError(
                "Training diverged: the loss became NaN or infinite. Likely causes: "
                f"learning_rate_init={self.learning_rate_init} is too high for this "
                "data, or the data is unscaled (values far outside [-1, 1]); lower "
                "the learning rate or standardise the channels. The estimator was "
                "left as it was before this call."
            )
        training.ready_to_transform(entry)
        code_mean, code_scale = _code_centre(
            entry, padded, weights,
            otherwise=(self.code_mean_, self.code_scale_) if warm
            else _no_centring(entry.arch.n_components),
        )  # fmt: skip
        ran_all = len(epoch_log.get("loss", [])) == epochs
        if plateau is not None and ran_all and not plateau.stopped:
            warnings.warn(
                f"{type(self).__name__} ran all max_iter={self.max_iter} epochs "
                f"before its stopping rule fired (n_iter_no_change="
                f"{self.n_iter_no_change} epochs in a row without lowering the "
                f"{plateau.monitor} by at least tol={self.tol}); training may "
                "not have converged. Raise max_iter, or stop sooner with a larger "
                "tol or a smaller n_iter_no_change.",
                ConvergenceWarning,
                stacklevel=_user_stacklevel(),
            )

        self.loss_ = loss
        self.channel_mean_, self.channel_scale_ = mean, scale
        self.standardize_ = standardize
        self.code_mean_, self.code_scale_ = code_mean, code_scale
        n_steps = padded.values.shape[1]
        variable = bool(np.any(padded.lengths != n_steps))
        if warm:
            variable |= self._variable_length or n_steps != self.n_timesteps_
            n_steps = max(n_steps, self.n_timesteps_)
        self._variable_length = variable
        self.n_timesteps_ = n_steps
        self.n_channels_ = padded.values.shape[2]
        self._n_features_out = int(self.n_components)
        self.patch_size_ = entry.arch.patch_size
        self._record_history(epoch_log, warm)

    def _level_and_spread(self, padded, weights):
        """``(center, weight)`` for the code's level and spread statistics
        (see ``level_and_spread``), or None where the code has none."""
        share = float(self.level_and_spread)
        if not share:
            return None
        n_channels = padded.values.shape[2]
        n_components = int(self.n_components)
        if 2 * n_channels >= n_components:
            raise ValueError(
                f"level_and_spread={self.level_and_spread} puts 2 * n_channels = "
                f"{2 * n_channels} statistics in a code of n_components="
                f"{n_components}, leaving nothing for the encoder to learn; raise "
                f"n_components above {2 * n_channels}, or set level_and_spread=0."
            )
        mean, _, size = _sequences.moments(padded)
        stats = np.concatenate([mean[:, 0], size[:, 0]], axis=1)
        rows = (padded.lengths > 0) & (weights > 0)
        center = np.zeros(stats.shape[1])
        spread = np.zeros(stats.shape[1])
        if rows.any():
            center, spread = _weighted_moments(stats[rows], weights[rows])
        # In the units the network reads; a statistic that varies less than
        # this is the same for every sequence (as on z-normalised data).
        used = spread >= 1e-3
        if not used.any():
            warnings.warn(
                f"level_and_spread={self.level_and_spread} adds nothing to the "
                "codes: every training sequence has the same level and spread in "
                "each channel as the network reads it (z-normalised data, or "
                "standardize='sequence'), so those statistics are 0 in every "
                "code. Set level_and_spread=0 to give the encoder the whole code.",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )
        size = np.sqrt(share * (n_components - 2 * n_channels) / max(used.sum(), 1))
        weight = np.where(used, size / np.where(used, spread, 1.0), 0.0)
        return center.astype(np.float32), weight.astype(np.float32)

    def _resolve_patch_size(self, padded, warm):
        """The steps read as one: ``patch_size``, or for "auto" from the lengths."""
        if self.patch_size != "auto":
            return int(self.patch_size)
        if warm:
            return self._entry.arch.patch_size
        return _auto_patch_size(int(padded.lengths.max()))

    def _resolve_standardize(self, padded, loss):
        """``standardize`` as this fit uses it: True, False or "sequence"."""
        standardize = self.standardize
        if not isinstance(standardize, str):
            standardize = bool(standardize)  # np.True_ is not True
        if standardize in (True, "sequence") and loss == "binary_crossentropy":
            raise ValueError(
                f"standardize={standardize!r} cannot be combined with binary "
                "cross-entropy, whose targets must stay in [0, 1]; use "
                "standardize='auto' or False, or another loss."
            )
        if standardize != "auto":
            return standardize
        if loss == "binary_crossentropy":
            return False
        return "sequence" if _sequences.sizes_spread(padded) else True

    def _fit_scaler(self, padded, weights, standardize):
        """Per-channel weighted mean and scale of the real steps (identity
        unless ``standardize`` is True); each step weighs as its sequence."""
        n_channels = padded.values.shape[2]
        identity = (np.zeros(n_channels, np.float32), np.ones(n_channels, np.float32))
        if standardize is not True:  # "sequence": each by itself, in _scaled
            return identity
        real = padded.values[padded.mask].astype(np.float64)
        step_weights = np.broadcast_to(weights[:, None], padded.mask.shape)
        step_weights = step_weights[padded.mask]
        if not step_weights.sum():  # no step, or no weight on any
            return identity
        mean, scale = _weighted_moments(real, step_weights)
        scale[scale < 1e-12] = 1.0  # a constant channel is only centred
        return mean.astype(np.float32), scale.astype(np.float32)

    def _checked_callbacks(self):
        import keras

        for callback in self.callbacks or ():
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback instances; "
                    f"got {callback!r} of type {type(callback).__name__}."
                )
        return self.callbacks

    def _learning_rate(self):
        if isinstance(self.optimizer, str):
            return float(self.learning_rate_init)
        rate = self.optimizer.get_config().get("learning_rate")
        return float(rate) if isinstance(rate, Real) else None

    def _seeds(self):
        """``(initial weights seed, training seed)`` from ``random_state``."""
        return check_random_state(self.random_state).randint(_MAX_SEED, size=2)

    def _run_seed(self, epochs_before):
        """Seed for a call's shuffling and split; warm calls move it on."""
        return (int(self._seeds()[1]) + epochs_before) % _MAX_SEED

    def _split(self, padded, weights, stopping, seed):
        """``(train, val)``, each a pair of ``Padded`` and weights (val: None
        without early stopping)."""
        if not (stopping and self.early_stopping):
            return (padded, weights), None
        n = len(padded.lengths)
        n_val = max(1, int(round(self.validation_fraction * n)))
        if n - n_val < 1:
            raise ValueError(
                f"early_stopping=True needs at least 2 sequences to hold out "
                f"validation_fraction={self.validation_fraction}; X has {n}."
            )
        order = np.random.RandomState(seed).permutation(n)
        val, train = order[:n_val], order[n_val:]
        return tuple(
            (
                _sequences.Padded(padded.values[rows], padded.lengths[rows]),
                weights[rows],
            )
            for rows in (train, val)
        )

    def _record_history(self, epochs, warm):
        rates = epochs.pop("learning_rate", [])
        history = dict(self.history_) if warm else {}
        for key, values in epochs.items():
            history[key] = history.get(key, []) + values
        all_rates = (self._learning_rates if warm else []) + rates
        self._learning_rates = all_rates
        if len(set(all_rates)) > 1:
            history["learning_rate"] = list(all_rates)
        self.history_ = history
        self.loss_curve_ = list(history.get("loss", []))
        self.n_iter_ = len(self.loss_curve_)

    # ------------------------------------------------------------- inference
    def transform(self, X):
        """Embed sequences as codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_channels), list of \
array-like of shape (length_i, n_channels), or array-like of shape \
(n_samples, n_features)
            Sequences, in any accepted form; lengths may differ from those
            seen in fit.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components), dtype float32
            One vector per sequence: the encoder's code minus ``code_mean_``,
            divided by ``code_scale_``.
        """
        check_is_fitted(self)
        padded = self._scaled(self._read(X, reset=False))
        codes = _encoded(self._entry, padded)
        codes -= self.code_mean_
        codes /= self.code_scale_
        return codes

    def inverse_transform(self, X):
        """Decode codes back into sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by ``transform``.

        Returns
        -------
        sequences : ndarray
            ``(n_samples, n_features_in_)`` for a model fitted on 2-D rows,
            else ``(n_samples, n_timesteps_, n_channels_)``, or
            ``(n_samples, n_channels_, n_timesteps_)`` with
            ``data_format="channels_first"``. For variable-length
            fits the steps after each decoded sequence's end are padding:
            ``mask_value`` where set, else NaN.
        """
        check_is_fitted(self)
        if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
            # check_array would read the values under the mask.
            raise ValueError(
                "X is a masked array with masked values; inverse_transform needs "
                "every value of every code. Fill or drop the masked codes first."
            )
        codes = check_array(X, dtype=np.float32, input_name="X")
        if codes.shape[1] != self.n_components:
            raise ValueError(
                f"X has {codes.shape[1]} columns, but codes of this "
                f"{type(self).__name__} have n_components={self.n_components}."
            )
        codes = codes * self.code_scale_ + self.code_mean_  # what the decoder reads
        _, training = keras_modules()
        decoded = training.predict(
            self._entry.decoder(self.n_timesteps_), [codes],
            batch_size=training.predict_batch_size(
                self._entry.arch, self.n_timesteps_, decoder=True
            ),
        )  # fmt: skip
        values = decoded[..., :-1] * self.channel_scale_ + self.channel_mean_
        exists = decoded[..., -1] > 0
        if self._variable_length:
            n_steps = values.shape[1]
            lengths = np.where(exists.all(axis=1), n_steps, np.argmin(exists, axis=1))
            fill = np.nan if self.mask_value is None else self.mask_value
            values = _sequences.fill_padding(values, lengths, fill)
        values = np.asarray(values, dtype=np.float32)
        channels_first = self.data_format == "channels_first"
        if self._fitted_on_table:
            return _sequences.sequences_to_rows(values, channels_first=channels_first)
        return values.transpose(0, 2, 1) if channels_first else values

    def _scaled(self, padded, mean=None, scale=None, standardize=None):
        """What the network reads: standardised as the fit does it (the
        fitted ``standardize_``, ``channel_mean_`` and ``channel_scale_``
        unless given)."""
        if mean is None:
            mean, scale = self.channel_mean_, self.channel_scale_
            standardize = self.standardize_
        if standardize == "sequence":
            padded = _sequences.standardize_each(padded)
        return _standardized(padded, mean, scale)

    def _squared_errors(self, X):
        """Per-sequence sum of squared errors at real steps, and value counts."""
        check_is_fitted(self)
        padded = self._read(X, reset=False)
        mask = padded.mask
        _, training = keras_modules()
        decoded = training.predict_sequences(
            self._entry.model, self._scaled(padded).values, padded.lengths,
            batch_size=training.predict_batch_size(
                self._entry.arch, padded.values.shape[1], decoder=True
            ),
        )[..., :-1]  # fmt: skip
        decoded = decoded * self.channel_scale_ + self.channel_mean_
        if self.standardize_ == "sequence":  # compared in each sequence's units
            padded = _sequences.standardize_each(padded)
        sq = np.square(decoded - padded.values) * mask[..., None]
        return sq.sum(axis=(1, 2)), padded.lengths * padded.values.shape[2]

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each sequence.

        Higher is more normal. The error is taken over the real steps of each
        sequence, whatever ``loss`` trained the model; an empty sequence
        scores 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_channels), list of \
array-like of shape (length_i, n_channels), or array-like of shape \
(n_samples, n_features)
            Sequences, in any accepted form.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Negative mean squared error per sequence.
        """
        errors, counts = self._squared_errors(X)
        return 0.0 - errors / np.maximum(counts, 1)  # 0.0, not -0.0, when empty

    def score(self, X, y=None):
        """Negative mean squared reconstruction error over all real values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_channels), list of \
array-like of shape (length_i, n_channels), or array-like of shape \
(n_samples, n_features)
            Sequences, in any accepted form.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Higher is better; 0 is a perfect reconstruction.
        """
        errors, counts = self._squared_errors(X)
        return 0.0 - float(errors.sum() / max(counts.sum(), 1))

    # ------------------------------------------------------- the Keras models
    # Properties, so that the cache knows which models user code may hold:
    # a model read here is never re-initialised for another fit (see
    # _training.ModelCache).
    @property
    def model_(self):
        return self._exposed_entry("model_").model

    @property
    def encoder_(self):
        return self._exposed_entry("encoder_").encoder

    @property
    def decoder_(self):
        return self._exposed_entry("decoder_").decoder(self.n_timesteps_)

    def _exposed_entry(self, name):
        entry = self.__dict__.get("_entry")
        if entry is None:
            raise AttributeError(
                f"This {type(self).__name__} has no {name} before it is fitted; "
                "call fit first."
            )
        entry.exposed = True
        return entry

    # ---------------------------------------------------- sklearn integration
    # The HTML repr's "?" links to this class's page in our API reference, not
    # to scikit-learn.org: scikit-learn builds it from these two attributes.
    _doc_link_module = "sklearn_lstm_ae"

    @property
    def _doc_link_template(self):
        from . import __version__

        version = "latest" if "dev" in __version__ else __version__
        return (
            DOCS_URL.format(version=version)
            + "gen_modules/{estimator_module}.{estimator_name}.html"
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def __sklearn_clone__(self):
        twin = super().__sklearn_clone__()
        if not isinstance(self.loss, str):
            # clone deep-copies the loss object, and Keras copies some losses
            # without their arguments (see _LossCopy).
            twin.loss = _LossCopy(self.loss).rebuild()
        return twin

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: it may be our __dict__
        in_fit = state.pop("_fit_in_progress", None)
        if in_fit is None:
            entry = state.get("_entry")
            weights = entry and [v.numpy() for v in entry.model.variables]
        else:
            # Mid-fit the attributes and weights are half-way to a new model:
            # pickle the estimator as it was before the call, which is also
            # what a failed fit returns to.
            before, snapshot = in_fit
            state, entry = dict(before), before.get("_entry")
            # The snapshot lists the model's variables, then the optimizer's.
            weights = entry and [v for _, v in snapshot[: len(entry.model.variables)]]
        for key in ("_entry", "_lease"):
            state.pop(key, None)
        if entry is not None:
            state["_weights"] = weights
            state["_arch"] = entry.arch.__dict__.copy()
        for key in ("loss", "loss_"):
            if key in state and not isinstance(state[key], str):
                state[key] = _LossCopy(state[key])
        return state

    def __setstate__(self, state):
        weights = state.pop("_weights", None)
        arch = state.pop("_arch", None)
        for key in ("loss", "loss_"):
            if isinstance(state.get(key), _LossCopy):
                state[key] = state[key].rebuild()
        if weights is not None:
            from . import _persistence

            network, _ = keras_modules()
            arch = network.Architecture(**arch)
            if "code_mean_" not in state:
                # Pickled before transform centred its codes: keep its codes.
                state["code_mean_"], state["code_scale_"] = _no_centring(
                    arch.n_components
                )
            if "pooling" in state:  # pickled before the pooling names changed
                state["pooling"] = _persistence.renamed_pooling(state["pooling"], arch)
        super().__setstate__(state)
        if weights is not None:

            def assign(model):
                for variable, value in zip(model.variables, weights, strict=True):
                    variable.assign(value)

            self._adopt(arch, assign)

    def _adopt(self, arch, set_weights):
        """Take a model for ``arch`` from the cache and fill it with ``set_weights``."""
        _, training = keras_modules()
        entry, lease = training.lend_entry(
            self, arch, self.loss_, self._optimizer_config(),
            self._learning_rate(), 0,
        )  # fmt: skip
        try:
            set_weights(entry.model)
        except BaseException:
            if lease is not None:
                lease()  # a model that could not be filled goes back to the cache
            raise
        self._entry, self._lease = entry, lease
        self.patch_size_ = arch.patch_size

    # ------------------------------------------------------------ persistence
    def save(self, path):
        """Write the fitted estimator to one file that holds no pickle.

        The file is a zip archive with the autoencoder in Keras's ``.keras``
        format and the parameters, fitted attributes and the versions of
        sklearn-lstm-ae, Keras and scikit-learn as JSON. Read it back with
        :meth:`load`. Parameters that only pickle could store (``callbacks``,
        a ``RandomState`` instance, an optimizer that is not one of Keras's
        own classes) make ``save`` raise a ``ValueError`` that names them.
        The file is written beside ``path`` and moved there only when
        complete, so a failed ``save`` leaves an existing file as it was.

        Parameters
        ----------
        path : str or path-like
            Where to write the file (conventionally ending in ``.lstmae``).

        Returns
        -------
        self : LSTMAutoencoderTransformer
            The estimator, unchanged.
        """
        from . import _persistence

        _persistence.save(self, path)
        return self

    @classmethod
    def load(cls, path):
        """Read an estimator written by :meth:`save`.

        Loading runs no code from the file: the JSON is checked value by
        value (only known attributes are set), the network is built from the
        checked architecture, and only the stored weight arrays are read into
        it. Oversized or inconsistent files are refused before anything is
        built. A missing path raises ``FileNotFoundError``; a file that is not
        one of ours, or is truncated, damaged or inconsistent, or was written
        in a newer file format, raises a ``ValueError`` that says so; a file
        from a newer sklearn-lstm-ae release in a readable format loads with a
        warning. The user guide's persistence page says what this guarantees
        on a file from a stranger, and what it does not.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        estimator : LSTMAutoencoderTransformer
            The fitted estimator; its ``transform`` matches the saved one's.
        """
        from . import _persistence

        return _persistence.load(cls, path)

    def export(self, filepath, format="tf_saved_model"):
        """Write ``transform`` as a serving artifact that needs no Python package.

        After Keras's ``Model.export``: the artifact holds the encoder and,
        inside its graph, what ``transform`` does around it: finding each
        sequence's real steps by the padding rule this estimator was fitted
        with (trailing all-NaN steps, or ``mask_value`` steps), standardising
        each channel with ``channel_mean_`` and ``channel_scale_``, zeroing
        the padding, and centring the codes with ``code_mean_`` and
        ``code_scale_``. Its codes match ``transform``'s within float32
        rounding. It does not check its input as ``transform`` does: NaN or
        infinity inside a sequence gives NaN codes, not an error. See the user
        guide's "Serving the encoder" page.

        Parameters
        ----------
        filepath : str or path-like
            Where to write: a folder for ``"tf_saved_model"``, a file
            (conventionally ``.onnx``) for ``"onnx"``.
        format : {"tf_saved_model", "onnx"}, default="tf_saved_model"
            ``"tf_saved_model"``: a TensorFlow SavedModel, for
            ``tf.saved_model.load`` or TensorFlow Serving, with two endpoints:
            ``serve(values)`` (also ``serving_default``), which takes float32
            ``(batch, steps, n_channels_)`` values padded as at fit
            (``(batch, n_channels_, steps)`` with
            ``data_format="channels_first"``), and ``serve_with_mask(values,
            mask)``, which takes the values and a boolean ``(batch, steps)``
            mask that is True at real steps.
            ``"onnx"``: an ONNX model with the first endpoint only (one input,
            ``values``); needs the ``onnx`` extra (tf2onnx) and the
            TensorFlow backend.

        Returns
        -------
        self : LSTMAutoencoderTransformer
            The estimator, unchanged.
        """
        check_is_fitted(self)
        import keras

        from . import _export

        if format not in _export.FORMATS:
            raise ValueError(
                f"format must be one of {list(_export.FORMATS)}; got {format!r}."
            )

        if format == "onnx" and keras.backend.backend() != "tensorflow":
            raise ValueError(
                "format='onnx' converts the TensorFlow graph with tf2onnx, so it "
                "needs the TensorFlow backend; the Keras backend is "
                f"{keras.backend.backend()!r}."
            )
        if format == "onnx":
            try:
                import tf2onnx  # noqa: F401
            except ImportError:
                raise ImportError(
                    "format='onnx' needs tf2onnx and onnx; install them with "
                    "pip install 'sklearn-lstm-ae[onnx]'."
                ) from None
        functions = _export.ServingFunctions(
            self._entry.encoder, self.channel_mean_, self.channel_scale_,
            self.mask_value, per_sequence=self.standardize_ == "sequence",
            channels_first=self.data_format == "channels_first",
            code_centre=(self.code_mean_, self.code_scale_),
        )  # fmt: skip
        _export.export(functions, filepath, format, self.n_channels_)
        return self


def _auto_patch_size(n_timesteps):
    """``patch_size="auto"`` for a longest training sequence of ``n_timesteps``.

    At most 64 recurrent steps for up to 640 steps; 10-step patches from 640
    to 1,280 steps (64 to 128 recurrent steps); 128 recurrent steps beyond.
    """
    n_timesteps = max(1, n_timesteps)
    narrow = -(-n_timesteps // _MAX_PATCHES)
    if narrow <= _MAX_PATCH_WIDTH:
        return narrow
    return max(_MAX_PATCH_WIDTH, -(-n_timesteps // _MAX_LONG_PATCHES))


def _checked_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as float64 ``(n_samples,)``, all 1 for None."""
    if sample_weight is None:
        return np.ones(n_samples)
    accepted = (
        f"sample_weight must be None, a number, or an array-like of shape "
        f"({n_samples},) (one weight per sequence of X) of finite, non-negative "
        "numbers, not all zero"
    )
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{accepted}; got {type(sample_weight).__name__} values that are not "
            "numbers."
        ) from None
    if weights.ndim == 0:
        weights = np.full(n_samples, weights)
    if weights.shape != (n_samples,):
        raise ValueError(f"{accepted}; got shape {weights.shape}.")
    if not np.isfinite(weights).all():
        raise ValueError(f"{accepted}; got NaN or infinity.")
    if (weights < 0).any():
        raise ValueError(f"{accepted}; got {weights.min():g}.")
    if not weights.any():
        raise ValueError(f"{accepted}; got only zeros.")
    return weights


def _encoded(entry, padded):
    """The encoder's codes of standardised ``padded`` sequences (float32)."""
    _, training = keras_modules()
    rows = training.predict_batch_size(entry.arch, padded.values.shape[1])
    return training.predict_sequences(
        entry.encoder, padded.values, padded.lengths, batch_size=rows
    )


def _no_centring(n_components):
    """``code_mean_`` and ``code_scale_`` that leave the codes as they are."""
    return np.zeros(n_components, np.float32), np.float32(1.0)


# Packages that call the estimator on the user's behalf (a Pipeline, a
# search, an aeon or sktime adapter) besides this one.
_CALLING_PACKAGES = ("sklearn_lstm_ae", "sklearn", "aeon", "sktime")


def _user_stacklevel():
    """The ``stacklevel`` that makes the caller's ``warnings.warn`` name the
    user's line: the first frame outside :data:`_CALLING_PACKAGES`, or the
    outermost one (as pandas's ``find_stack_level`` does).
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None:
        if frame.f_globals.get("__name__", "").partition(".")[0] not in (
            _CALLING_PACKAGES
        ):
            break
        frame, level = frame.f_back, level + 1
    return level


@contextlib.contextmanager
def _nan_in_table_explained():
    """Say what to do instead of scikit-learn's advice on NaN in a 2-D table."""
    try:
        yield
    except ValueError as exc:
        if "contains NaN" not in str(exc):
            raise
        raise ValueError(
            "Input X contains NaN: a 2-D table holds one sequence per row and "
            "takes no missing values. Sequences of different lengths are "
            "accepted as a list of (length, n_channels) arrays, or as a 3-D "
            "array padded at the end with all-NaN steps (X[..., np.newaxis] "
            "for rows of univariate series)."
        ) from None


def _code_centre(entry, padded, weights, otherwise):
    """``code_mean_`` and ``code_scale_`` from the training sequences, or
    ``otherwise`` where their codes do not differ.

    On the quality benchmark's 13 data sets (3 seeds) the uncentred codes of
    unit size sit far from the origin and vary little around their mean (a
    variance of 0.0005 to 0.5 per unit), so ``SVC()`` at its defaults scored
    0.644 on average and predicted one class on GunPoint; centred, 0.734, and
    ``LogisticRegression()`` 0.771 -> 0.818. One scale for all units, not
    one per unit, keeps KMeans's clusters: per unit lifted the classifiers a
    point or two more but cut the mean KMeans ARI from 0.357 to 0.287.

    Codes that do not differ (one sequence, say, in a ``partial_fit`` call)
    would all be centred to 0, so they keep ``otherwise``.
    """
    codes = _encoded(entry, padded).astype(np.float64)
    mean, spread = _weighted_moments(codes, weights)
    scale = float(np.sqrt(np.mean(np.square(spread))))
    if not (np.isfinite(scale) and scale > 1e-12):
        return otherwise
    return mean.astype(np.float32), np.float32(scale)


def _weighted_moments(rows, weights):
    """The weighted mean and standard deviation of ``rows`` (float64) along
    the first axis; ``weights`` must not all be 0."""
    mean = np.average(rows, axis=0, weights=weights)
    return mean, np.sqrt(np.average((rows - mean) ** 2, axis=0, weights=weights))


def _standardized(padded, mean, scale):
    """``padded`` with its real steps standardised; padding stays 0."""
    values = padded.values - mean
    values /= scale
    if np.any(padded.lengths < values.shape[1]):
        values *= padded.mask[..., None]
    return _sequences.Padded(values.astype(np.float32, copy=False), padded.lengths)


class _LossCopy:
    """A Keras loss object as its class and full config, to pickle or copy.

    Keras pickles and deep-copies a loss through ``get_config``, which for
    ``Huber``, ``CosineSimilarity`` and ``SparseCategoricalCrossentropy``
    leaves out ``delta`` or ``axis`` (Keras 3.15): the copy would quietly use
    the defaults. The class is pickled by reference.
    """

    def __init__(self, loss):
        network, _ = keras_modules()
        self.cls, self.config = type(loss), network.loss_config(loss)

    def rebuild(self):
        return self.cls.from_config(dict(self.config))


def _output_activation(loss):
    # Binary cross-entropy compares probabilities, so those outputs go through a
    # sigmoid; the other losses compare unbounded values.
    return "sigmoid" if loss == "binary_crossentropy" else "linear"


def _snapshot(entry):
    variables = entry.model.variables + entry.model.optimizer.variables
    return [(v, v.numpy()) for v in variables]


def _restore(snapshot):
    """Assign every snapshot value, or raise.

    An assignment that raises KeyboardInterrupt (Ctrl-C landing in a backend
    call) is retried; that interrupt is returned, for the caller to raise once
    every variable is back.
    """
    interrupted = None
    for variable, value in snapshot:
        try:
            variable.assign(value)
        except KeyboardInterrupt as exc:
            interrupted = exc
            variable.assign(value)
    return interrupted
