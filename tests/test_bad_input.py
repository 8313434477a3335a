"""Every bad input, at every method: a clear ValueError/TypeError, no harm done.

Each bad call must raise ``ValueError`` or ``TypeError`` (never a TensorFlow or
Keras error) whose message says what is wrong and what is accepted, and a
fitted model must transform a reference input exactly as before the call.

Two tiny models are fitted once per module (one on 3-D sequences, one on a 2-D
table with ``n_timesteps``) and pickled; each test gets a fresh unpickled copy,
so a call that wrongly changes a model cannot leak into the next test. Copies
reuse the package's cached Keras model, so they cost milliseconds.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sparse

from sklearn_lstm_ae import LSTMAutoencoderTransformer

TINY = dict(n_components=3, max_iter=1, batch_size=16, random_state=0)
RNG = np.random.RandomState(0)
X_FIT = RNG.normal(size=(12, 5, 2)).astype(np.float32)
# Reference input for the sequence model: lengths differ from fit, one is 0.
X_REF = [RNG.normal(size=(n, 2)) for n in (5, 3, 0, 7)]
# The table model reads each row as 3 steps of 2 channels.
T_FIT = RNG.normal(size=(12, 6))
FITTED_ON = {"seq": X_REF, "table": T_FIT}


def tiny(**params):
    return LSTMAutoencoderTransformer(**{**TINY, **params})


@pytest.fixture(scope="module")
def fitted():
    """``{kind: (pickled fitted model, reference codes)}``, fitted once."""
    out = {}
    # One model alive at a time, so the second fit reuses the cached network.
    for kind, params, X in [("seq", {}, X_FIT), ("table", {"n_timesteps": 3}, T_FIT)]:
        model = tiny(**params).fit(X)
        out[kind] = (pickle.dumps(model), model.transform(FITTED_ON[kind]))
        del model
    return out


@pytest.fixture
def seq_model(fitted):
    return pickle.loads(fitted["seq"][0])


@pytest.fixture
def table_model(fitted):
    return pickle.loads(fitted["table"][0])


def assert_unchanged(model, fitted, kind="seq"):
    """The fitted model still embeds its reference input bit for bit."""
    reference = fitted[kind][1]
    np.testing.assert_array_equal(model.transform(FITTED_ON[kind]), reference)


def test_unpickled_copy_transforms_like_the_fitted_model(seq_model, fitted):
    assert_unchanged(seq_model, fitted)


# ---------------------------------------------------------------- bad data
def _with(X, index, value, dtype=None):
    X = np.array(X, dtype=dtype, copy=True)
    X[index] = value
    return X


def _masked(X, index):
    X = np.ma.masked_array(X, mask=False, copy=True)
    X[index] = np.ma.masked
    return X


def _objects():
    X = np.empty((2, 3, 2), dtype=object)
    X[...] = object()
    return X


ACCEPTED = r"accepted: a 3-D array \(n_samples, n_timesteps, n_channels\)"
NAN_INSIDE = r"NaN inside a sequence \(sample 1, step {}\).*accepted only as padding"

# (name, input, error, message) for data that every method must refuse.
BAD_DATA = [
    ("nan_in_one_channel", _with(X_FIT, (1, 2, 0), np.nan), ValueError,
     NAN_INSIDE.format(2)),
    ("nan_whole_step_inside", _with(X_FIT, (1, 2), np.nan), ValueError,
     NAN_INSIDE.format(2)),
    ("nan_in_some_channels_of_last_step", _with(X_FIT, (1, 4, 1), np.nan),
     ValueError, NAN_INSIDE.format(4)),
    ("nan_inside_ragged", [X_FIT[0], _with(X_FIT[1], (0, 0), np.nan)], ValueError,
     NAN_INSIDE.format(0)),
    ("inf", _with(X_FIT, (0, 1, 1), np.inf), ValueError,
     r"infinity \(sample 0, step 1\); all values must be finite"),
    ("minus_inf", _with(X_FIT, (0, 4, 0), -np.inf), ValueError, "must be finite"),
    ("inf_in_ragged", [_with(X_FIT[0], (4, 0), np.inf)], ValueError, "infinity"),
    ("too_large_for_float32", _with(X_FIT, (0, 0, 0), 1e300, np.float64),
     ValueError, r"too large for float32 \(sample 0, step 0\)"),
    ("strings", np.full((2, 3, 2), "a"), TypeError,
     "holds strings; only real numbers"),
    ("numeric_strings", X_FIT.astype(str), TypeError, "holds strings"),
    ("bytes", np.full((2, 3, 2), b"1"), TypeError, "holds strings"),
    ("strings_in_object_array", _with(X_FIT, (0, 0, 0), "x", object), TypeError,
     "holds strings"),
    ("strings_in_ragged", [X_FIT[0], [["a", "b"]]], TypeError,
     r"X\[1\] holds strings"),
    ("string_scalar", "abc", TypeError, "holds strings"),
    ("objects", _objects(), TypeError,
     "must hold real numbers; got values of dtype object"),
    ("none", None, TypeError, "NoneType, not an array-like of numbers. Accepted"),
    ("dict", {"a": [1.0]}, TypeError, "dict, not an array-like"),
    ("complex", X_FIT.astype(complex), ValueError,
     "complex numbers; only real numbers are accepted"),
    ("complex_in_object_array", _with(X_FIT, (0, 0, 0), 1j, object), ValueError,
     "complex numbers"),
    ("datetimes", np.full((2, 3, 1), np.datetime64("2020-01-01")), TypeError,
     r"datetime64\[D\] values \(dates or durations\); only real numbers"),
    ("object_array_of_sequences",
     np.array([X_FIT[0], X_FIT[1, :3]], dtype=object), TypeError,
     "object array of sequences is not accepted: pass .* list of 2-D arrays"),
    ("1d_array", X_FIT[0, :, 0], ValueError,
     r"1-D array of shape \(5,\); " + ACCEPTED + r".*reshape\(1, -1\)"),
    ("1d_list", list(X_FIT[0, :, 0]), ValueError,
     r"(?s)Expected 2D array, got 1D array.*reshape"),
    ("scalar", 3.0, ValueError, r"0-D array of shape \(\); " + ACCEPTED),
    ("4d_array", X_FIT[None], ValueError,
     r"4-D array of shape \(1, 12, 5, 2\); " + ACCEPTED),
    ("no_sequences_3d", X_FIT[:0], ValueError,
     "0 sequences; at least 1 is required"),
    ("no_sequences_list", [], ValueError, "0 sequences; at least 1 is required"),
    ("no_channels_3d", np.zeros((2, 3, 0)), ValueError,
     "0 channels; at least 1 channel is required"),
    ("table_without_columns", np.zeros((3, 0)), ValueError,
     r"0 feature\(s\) \(shape=\(3, 0\)\) while a minimum of 1 is required"),
    ("table_without_rows", np.zeros((0, 6)), ValueError,
     r"0 sample\(s\) \(shape=\(0, 6\)\) while a minimum of 1 is required"),
    ("ragged_mixed_channel_counts", [X_FIT[0], X_FIT[1, :, :1]], ValueError,
     r"X\[1\] has 1 channels but X\[0\] has 2; all sequences must have the same"),
    ("ragged_1d_rows", [np.ones(3), np.ones(2)], ValueError,
     r"X\[0\] is a 1-D array .*must be 2-D \(length_i, n_channels\)"),
    ("ragged_with_a_3d_item", [X_FIT[0], X_FIT[1:3]], ValueError,
     r"X\[1\] is a 3-D array .*must be 2-D"),
    ("ragged_nested_lists", [[[1.0, 2.0], [3.0]]], ValueError,
     r"X\[0\] could not be read as an array .*Accepted: a 3-D array"),
    ("sparse_csr", sp.csr_matrix(T_FIT), TypeError,
     r"Sparse data was passed.*dense data is required.*toarray"),
    ("sparse_coo_array", sp.coo_array(T_FIT), TypeError, "dense data is required"),
    ("pydata_sparse", sparse.COO.from_numpy(X_FIT), TypeError,
     r"X is a sparse array or matrix \(COO\); sequences must be dense"),
    ("pydata_sparse_table", sparse.COO.from_numpy(T_FIT), TypeError,
     r"sparse array or matrix \(COO\); sequences must be dense"),
    ("masked_step_inside", _masked(X_FIT, (1, 2)), ValueError,
     r"X masks a step inside a sequence \(sample 1, step 2\)"),
    ("masked_channel", _masked(X_FIT, (1, 4, 0)), ValueError,
     r"X masks some channels of a step \(sample 1, step 4\)"),
    ("masked_table", _masked(T_FIT, (1, 5)), ValueError,
     "X is a 2-D masked array with masked values.*3-D masked array"),
    ("table_with_nan", _with(T_FIT, (1, 2), np.nan), ValueError,
     r"Input X contains NaN: a 2-D table holds one sequence per row and takes "
     r"no missing values.*a list of \(length, n_channels\) arrays, or as a 3-D "
     r"array padded at the end with all-NaN steps"),
    ("table_with_inf", _with(T_FIT, (1, 2), np.inf), ValueError,
     r"Input (X )?contains infinity"),
    ("table_complex", T_FIT.astype(complex), ValueError,
     "Complex data not supported"),
    ("table_of_words", np.full((3, 6), "a"), TypeError,
     "X holds strings; only real numbers"),
    ("dataframe_with_a_text_column",
     pd.DataFrame({"a": T_FIT[:, 0], "b": ["x"] * len(T_FIT)}), TypeError,
     "X holds strings; only real numbers"),
    ("nested_frame_with_unequal_channels",
     pd.DataFrame([[pd.Series([1.0, 2.0]), pd.Series([1.0])]]), ValueError,
     r"row 0 holds channels of lengths \[1, 2\]"),
    ("nested_frame_with_a_number_in_a_cell",
     pd.DataFrame([[pd.Series([1.0, 2.0]), 3.0]]), ValueError,
     r"row 0, column 1 holds 3.0.*sklearn_lstm_ae.sktime.SktimeLSTMAutoencoder"),
    # Numeric strings too: the 3-D form refuses them, so the table does.
    ("table_of_numeric_strings", T_FIT.astype(str), TypeError,
     "X holds strings; only real numbers"),
]  # fmt: skip
BAD_DATA_IDS = [case[0] for case in BAD_DATA]
BAD_DATA = [case[1:] for case in BAD_DATA]
METHODS = ["transform", "score_samples", "score", "partial_fit", "fit"]


@pytest.mark.parametrize("X, error, match", BAD_DATA, ids=BAD_DATA_IDS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_unfitted_model_refuses_bad_data(method, X, error, match):
    with pytest.raises(error, match=match):
        getattr(tiny(), method)(X)


@pytest.mark.parametrize("X, error, match", BAD_DATA, ids=BAD_DATA_IDS)
@pytest.mark.parametrize("method", METHODS)
def test_fitted_model_refuses_bad_data_and_is_unchanged(
    seq_model, fitted, method, X, error, match
):
    with pytest.raises(error, match=match):
        getattr(seq_model, method)(X)
    assert_unchanged(seq_model, fitted)


FITTED_ON_2 = r"fitted on 2; sequences must keep the channel count seen in fit"
WRONG_FOR_SEQ_MODEL = [
    ("one_channel", X_FIT[:, :, :1], "X has 1 channels per step, but .*" + FITTED_ON_2),
    ("three_channels", np.ones((2, 4, 3)), "X has 3 channels per step"),
    ("ragged_three_channels", [np.ones((2, 3)), np.ones((0, 3))],
     "X has 3 channels per step"),
    ("univariate_table", T_FIT, "X has 1 channels per step, but .*" + FITTED_ON_2
     + r"\. X is a 2-D table, read as one sequence per row \(one channel\); pass "
     r"a single sequence in a list, \[seq\], or as seq\[np.newaxis\]"),
    ("one_sequence_as_a_table", X_FIT[0], "X has 1 channels per step, but .*"
     + FITTED_ON_2 + r"\. X is a 2-D table, read as one sequence per row"),
    ("channels_first_array", X_FIT.transpose(0, 2, 1),
     r"X has 5 channels per step, .*are read as \(n_samples, n_timesteps, "
     r"n_channels\), list items as \(length_i, n_channels\) "
     r"\(data_format='channels_last'\)"),
]  # fmt: skip
WRONG_FOR_TABLE_MODEL = [
    ("fewer_columns", T_FIT[:, :4],
     "X has 4 features, but LSTMAutoencoderTransformer is expecting 6 features"),
    ("more_columns", np.ones((2, 8)), "X has 8 features, but .* expecting 6"),
    ("sequences_of_one_channel", np.ones((2, 3, 1)),
     "X has 1 channels per step, but .*" + FITTED_ON_2),
]  # fmt: skip


@pytest.mark.parametrize(
    "X, match",
    [case[1:] for case in WRONG_FOR_SEQ_MODEL],
    ids=[case[0] for case in WRONG_FOR_SEQ_MODEL],
)
@pytest.mark.parametrize("method", METHODS[:4])
def test_sequence_model_refuses_another_channel_count(
    seq_model, fitted, method, X, match
):
    with pytest.raises(ValueError, match=match):
        getattr(seq_model, method)(X)
    assert_unchanged(seq_model, fitted)


def test_sequence_model_with_n_timesteps_says_how_it_read_a_table(seq_model):
    # Fitted on 2-channel sequences; 10-column rows of 5 steps are 2 channels,
    # 15-column rows are 3.
    expected = seq_model.transform(X_FIT)
    seq_model.set_params(n_timesteps=5)
    np.testing.assert_array_equal(seq_model.transform(X_FIT.reshape(12, 10)), expected)
    with pytest.raises(
        ValueError,
        match=r"X has 3 channels per step, but .*" + FITTED_ON_2 + r"\. X is a "
        r"2-D table, read as one sequence per row \(n_timesteps=5 steps\)",
    ):
        seq_model.transform(np.ones((2, 15)))


@pytest.mark.parametrize(
    "X, match",
    [case[1:] for case in WRONG_FOR_TABLE_MODEL],
    ids=[case[0] for case in WRONG_FOR_TABLE_MODEL],
)
@pytest.mark.parametrize("method", METHODS[:4])
def test_table_model_refuses_another_width(table_model, fitted, method, X, match):
    with pytest.raises(ValueError, match=match):
        getattr(table_model, method)(X)
    assert_unchanged(table_model, fitted, "table")


def test_table_model_accepts_its_rows_as_3d_sequences(table_model, fitted):
    codes = table_model.transform(T_FIT.reshape(12, 3, 2))
    np.testing.assert_array_equal(codes, fitted["table"][1])


# ------------------------------------------------------------ inverse_transform
BAD_CODES = [
    ("too_wide", np.zeros((2, 4)), ValueError,
     "X has 4 columns, but codes of this LSTMAutoencoderTransformer have "
     "n_components=3"),
    ("too_narrow", np.zeros((2, 2)), ValueError, "X has 2 columns, but .*=3"),
    ("nan", np.full((2, 3), np.nan), ValueError, r"Input (X )?contains NaN"),
    ("one_nan", _with(np.zeros((2, 3)), (1, 1), np.nan), ValueError, "NaN"),
    ("inf", np.full((2, 3), np.inf), ValueError, r"Input (X )?contains infinity"),
    ("too_large_for_float32", np.full((2, 3), 1e300), ValueError,
     r"too large for dtype\('float32'\)"),
    ("1d", np.zeros(3), ValueError, r"(?s)Expected 2D array, got 1D array.*reshape"),
    ("3d", np.zeros((2, 3, 1)), ValueError, "Found array with dim 3"),
    ("no_rows", np.zeros((0, 3)), ValueError, r"0 sample\(s\)"),
    ("no_columns", np.zeros((2, 0)), ValueError, r"0 feature\(s\)"),
    ("none", None, ValueError, "Expected 2D array, got scalar"),
    ("sparse", sp.csr_matrix(np.zeros((2, 3))), TypeError, "dense data is required"),
    ("complex", np.zeros((2, 3), dtype=complex), ValueError,
     "Complex data not supported"),
    ("strings", np.full((2, 3), "a"), ValueError,
     "could not convert string to float"),
    ("ragged", [[0.0, 0.0, 0.0], [0.0, 0.0]], ValueError, "inhomogeneous"),
    ("masked", _masked(np.zeros((2, 3)), (1, 1)), ValueError,
     "X is a masked array with masked values; inverse_transform needs"),
]  # fmt: skip


@pytest.mark.parametrize(
    "Z, error, match",
    [case[1:] for case in BAD_CODES],
    ids=[case[0] for case in BAD_CODES],
)
@pytest.mark.parametrize("kind", ["seq", "table"])
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_inverse_transform_refuses_bad_codes(fitted, kind, Z, error, match):
    model = pickle.loads(fitted[kind][0])
    with pytest.raises(error, match=match):
        model.inverse_transform(Z)
    assert_unchanged(model, fitted, kind)


# ------------------------------------------------------------------ parameters
def _param(name):
    return rf"The '{name}' parameter of LSTMAutoencoderTransformer must be"


HIDDEN = "hidden_layer_sizes must be a sequence of positive integers"
BAD_PARAMS = [
    ("n_components", 0, _param("n_components") + r" an int in the range \[1, inf\)"),
    ("n_components", -1, _param("n_components")),
    ("n_components", 2.5, _param("n_components")),
    ("n_components", "3", _param("n_components")),
    ("n_components", None, _param("n_components")),
    ("hidden_layer_sizes", (0,), HIDDEN + r"; got \(0,\)"),
    ("hidden_layer_sizes", (4, -2), HIDDEN),
    ("hidden_layer_sizes", (2.5,), HIDDEN),
    ("hidden_layer_sizes", "ab", _param("hidden_layer_sizes") + " an array-like"),
    ("hidden_layer_sizes", 4, _param("hidden_layer_sizes")),
    ("cell", "rnn", _param("cell") + r" a str among \{.*'gru'.*\}. Got 'rnn'"),
    ("cell", "LSTM", _param("cell")),
    ("cell", None, _param("cell")),
    ("bidirectional", "yes", _param("bidirectional") + " an instance of 'bool'"),
    ("bidirectional", 2, _param("bidirectional")),
    ("dropout", 1.5, _param("dropout") + r" a float in the range \[0.0, 1.0\)"),
    ("dropout", 1.0, _param("dropout")),
    ("dropout", -0.1, _param("dropout")),
    ("dropout", np.nan, _param("dropout")),
    ("dropout", "0.1", _param("dropout")),
    ("recurrent_dropout", 1.0, _param("recurrent_dropout")),
    ("recurrent_dropout", -0.5, _param("recurrent_dropout")),
    ("n_timesteps", 0, _param("n_timesteps") + r" an int in the range \[1, inf\)"),
    ("n_timesteps", 2.5, _param("n_timesteps")),
    ("mask_value", np.nan, _param("mask_value") + " a float .* or None. Got nan"),
    ("mask_value", "a", _param("mask_value")),
    ("mask_value", [0.0], _param("mask_value")),
    ("data_format", "channels", _param("data_format") + " a str among"),
    ("data_format", None, _param("data_format")),
    ("loss", "foo", _param("loss") + " a str among"),
    ("loss", "bce", _param("loss")),
    ("loss", None, _param("loss")),
    ("optimizer", 123, _param("optimizer") + " a str among .* or an object"),
    ("optimizer", "foo", _param("optimizer")),
    ("optimizer", None, _param("optimizer")),
    ("learning_rate_init", 0, _param("learning_rate_init")),
    ("learning_rate_init", -1.0, _param("learning_rate_init")),
    ("learning_rate_init", np.nan, _param("learning_rate_init")),
    ("batch_size", 0, _param("batch_size") + r" an int in the range \[1, inf\)"),
    ("batch_size", 1.5, _param("batch_size")),
    ("batch_size", -3, _param("batch_size")),
    ("max_iter", 0, _param("max_iter")),
    ("max_iter", 1.5, _param("max_iter")),
    ("shuffle", "yes", _param("shuffle")),
    ("tol", -1.0, _param("tol")),
    ("tol", np.nan, _param("tol")),
    ("early_stopping", "y", _param("early_stopping")),
    ("validation_fraction", 1.0, _param("validation_fraction") + r" .*\(0.0, 1.0\)"),
    ("validation_fraction", 0.0, _param("validation_fraction")),
    ("validation_fraction", 1.5, _param("validation_fraction")),
    ("n_iter_no_change", 0, _param("n_iter_no_change")),
    ("callbacks", "early", _param("callbacks") + " an instance of 'list' or None"),
    ("callbacks", object(), _param("callbacks")),
    ("warm_start", 2, _param("warm_start")),
    ("random_state", "x", _param("random_state")),
    ("random_state", -1, _param("random_state")),
    ("random_state", 1.5, _param("random_state")),
    ("verbose", -1, _param("verbose")),
    ("verbose", "loud", _param("verbose")),
]


def _show(value):
    simple = (type(None), bool, int, float, str, tuple, list)
    return repr(value) if isinstance(value, simple) else type(value).__name__


BAD_PARAM_IDS = [f"{name}={_show(value)}" for name, value, _ in BAD_PARAMS]
# The first bad value of each parameter, for the slower checks.
FIRST_BAD_PARAMS = list(
    {name: (name, v, m) for name, v, m in BAD_PARAMS[::-1]}.values()
)


@pytest.mark.parametrize("name, value, match", BAD_PARAMS, ids=BAD_PARAM_IDS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_unfitted_model_refuses_bad_parameter(method, name, value, match):
    with pytest.raises(ValueError, match=match):
        getattr(tiny(**{name: value}), method)(X_FIT)


@pytest.mark.parametrize("name, value, match", BAD_PARAMS, ids=BAD_PARAM_IDS)
def test_fitted_model_refuses_bad_parameter_at_refit_and_is_unchanged(
    seq_model, fitted, name, value, match
):
    with pytest.raises(ValueError, match=match):
        seq_model.set_params(**{name: value}).fit(X_FIT)
    seq_model.set_params(**{name: tiny().get_params()[name]})
    assert_unchanged(seq_model, fitted)


# partial_fit validates parameters on every call, not only the first.
@pytest.mark.parametrize(
    "name, value, match",
    FIRST_BAD_PARAMS,
    ids=[f"{name}={_show(value)}" for name, value, _ in FIRST_BAD_PARAMS],
)
def test_fitted_model_refuses_bad_parameter_at_partial_fit_and_is_unchanged(
    seq_model, fitted, name, value, match
):
    with pytest.raises(ValueError, match=match):
        seq_model.set_params(**{name: value}).partial_fit(X_FIT)
    seq_model.set_params(**{name: tiny().get_params()[name]})
    assert_unchanged(seq_model, fitted)


def _not_an_optimizer():
    import keras

    return keras.layers.Dense(2)  # it has get_config, like an optimizer


def _optimizer_class():
    import keras

    return keras.optimizers.Adam  # the class, not an instance


def _callback_class():
    import keras

    return keras.callbacks.History


# Values that pass the declared constraints but are still wrong.
LOOSE_PARAMS = [
    ("callbacks", lambda: [123], r"callbacks.*keras.callbacks.Callback"),
    ("callbacks", lambda: ["early_stopping"], r"callbacks.*Callback"),
    ("callbacks", lambda: [_callback_class()], r"callbacks.*Callback"),
    ("optimizer", _not_an_optimizer, r"optimizer.*(optimizer name|instance)"),
    ("optimizer", _optimizer_class, r"optimizer.*instance"),
]
LOOSE_IDS = ["callbacks_int", "callbacks_str", "callbacks_class", "layer", "class"]


# Checked before training: never a Keras error, never a reset model.
@pytest.mark.parametrize("name, make, match", LOOSE_PARAMS, ids=LOOSE_IDS)
def test_parameter_that_keras_would_refuse_is_refused_first(
    seq_model, fitted, name, make, match
):
    with pytest.raises((TypeError, ValueError), match=match):
        tiny(**{name: make()}).fit(X_FIT)
    with pytest.raises((TypeError, ValueError), match=match):
        seq_model.set_params(**{name: make()}).fit(X_FIT)
    seq_model.set_params(**{name: tiny().get_params()[name]})
    assert_unchanged(seq_model, fitted)


# ------------------------------------------------- failures later in fit
# A re-fit that fails after taking its network restores the weights.
def test_failed_early_stopping_refit_keeps_the_fitted_model(seq_model, fitted):
    seq_model.set_params(early_stopping=True)
    with pytest.raises(ValueError, match="needs at least 2 sequences .* X has 1"):
        seq_model.fit(X_FIT[:1])
    seq_model.set_params(early_stopping=False)
    assert_unchanged(seq_model, fitted)


# A failed re-fit keeps its network: it never goes back to the cache.
def test_failed_refit_does_not_lend_the_fitted_network_to_another_model(
    seq_model, fitted
):
    seq_model.set_params(optimizer=_not_an_optimizer())
    with pytest.raises((TypeError, ValueError)):
        seq_model.fit(X_FIT)
    seq_model.set_params(optimizer="adam")
    other = tiny().fit(X_FIT * 3.0 + 1.0)  # same architecture, other data
    assert_unchanged(seq_model, fitted)
    del other


def test_binary_crossentropy_refuses_values_outside_0_1(seq_model, fitted):
    with pytest.raises(ValueError, match=r"needs values in \[0, 1\].*Use loss='mse'"):
        tiny(loss="binary_crossentropy").fit(X_FIT)
    with pytest.raises(ValueError, match=r"needs values in \[0, 1\]"):
        seq_model.set_params(loss="binary_crossentropy").fit(X_FIT)
    seq_model.set_params(loss="auto")
    assert_unchanged(seq_model, fitted)


# A failed re-fit keeps the input facts recorded by the last fit.
@pytest.mark.parametrize(
    "params",
    [{"loss": "binary_crossentropy"}, {"hidden_layer_sizes": (0,)}],
    ids=["bce_out_of_range", "hidden_layer_sizes_0"],
)
def test_failed_refit_keeps_what_the_table_model_learned_about_its_input(
    table_model, fitted, params
):
    codes = fitted["table"][1]
    assert table_model.inverse_transform(codes).shape == (12, 6)
    with pytest.raises(ValueError):
        table_model.set_params(**params).fit(X_FIT)  # 3-D, not a table
    assert table_model.n_features_in_ == 6
    assert table_model.inverse_transform(codes).shape == (12, 6)
    table_model.set_params(**{k: tiny().get_params()[k] for k in params})
    assert_unchanged(table_model, fitted, "table")


def test_early_stopping_with_one_sequence_is_refused_before_training():
    with pytest.raises(ValueError, match="early_stopping=True needs at least 2"):
        tiny(early_stopping=True).fit(X_FIT[:1])


# ------------------------------------------------------------ sample weights
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize(
    "weights, error, match",
    [(np.ones(11), ValueError, r"shape \(12,\) .*got shape \(11,\)"),
     (np.ones((12, 1)), ValueError, r"got shape \(12, 1\)"),
     (np.r_[-1.0, np.ones(11)], ValueError, "non-negative.*got -1"),
     (np.r_[np.nan, np.ones(11)], ValueError, "finite.*got NaN or infinity"),
     (np.r_[np.inf, np.ones(11)], ValueError, "got NaN or infinity"),
     (np.zeros(12), ValueError, "not all zero; got only zeros"),
     (["a"] * 12, TypeError, "sample_weight must be .* not numbers")],
    ids=["short", "2d", "negative", "nan", "inf", "all_zero", "strings"],
)  # fmt: skip
def test_bad_sample_weight_is_refused_and_the_model_unchanged(
    seq_model, fitted, method, weights, error, match
):
    with pytest.raises(error, match=match):
        getattr(seq_model, method)(X_FIT, sample_weight=weights)
    assert_unchanged(seq_model, fitted)


class _LossLike:
    """Has the methods of a Keras loss but is not one."""

    def get_config(self):
        return {}

    def call(self, y_true, y_pred):
        return y_pred


@pytest.mark.parametrize(
    "loss, error, match",
    [(object(), ValueError, r"'loss' parameter .* must be a str among"),
     (_LossLike(), TypeError, "loss must be .* a keras.losses.Loss instance")],
    ids=["object", "loss_like"],
)  # fmt: skip
def test_a_loss_that_is_not_a_keras_loss_is_refused(
    seq_model, fitted, loss, error, match
):
    seq_model.set_params(loss=loss)
    with pytest.raises(error, match=match):
        seq_model.fit(X_FIT)
    seq_model.set_params(loss="auto")
    assert_unchanged(seq_model, fitted)
