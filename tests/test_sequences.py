"""Input forms to ``(values, lengths)`` and back: the pure-NumPy ``_sequences``."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sparse

from sklearn_lstm_ae._sequences import (
    Padded,
    fill_padding,
    is_nested_frame,
    is_table,
    nested_to_sequences,
    one_step_warning,
    rows_to_sequences,
    sequences_to_rows,
    sizes_spread,
    standardize_each,
    to_padded,
    training_rows,
)

RNG = np.random.RandomState(0)
# Three sequences of 2 channels, lengths 3, 1 and 0.
SEQS = [RNG.normal(size=(3, 2)), RNG.normal(size=(1, 2)), np.zeros((0, 2))]
LENGTHS = np.array([3, 1, 0])


def _expected_values():
    values = np.zeros((3, 3, 2), dtype=np.float32)
    values[0] = SEQS[0]
    values[1, :1] = SEQS[1]
    return values


def _padded_with(fill, extra=0):
    """SEQS as one 3-D array, padded at the end with ``fill`` steps."""
    block = np.full((3, 3 + extra, 2), fill, dtype=np.float64)
    for i, seq in enumerate(SEQS):
        block[i, : len(seq)] = seq
    return block


def _assert_padded_equal(result, values, lengths):
    assert isinstance(result, Padded)
    np.testing.assert_array_equal(result.values, values)
    np.testing.assert_array_equal(result.lengths, lengths)


# ------------------------------------------------------------------ 3-D arrays
def test_3d_array_gives_its_values_and_full_lengths():
    X = RNG.normal(size=(4, 5, 3))
    result = to_padded(X)
    _assert_padded_equal(result, X.astype(np.float32), [5, 5, 5, 5])


def test_values_are_float32_and_lengths_int64():
    result = to_padded(np.ones((2, 3, 1), dtype=np.float64))
    assert result.values.dtype == np.float32
    assert result.lengths.dtype == np.int64


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, bool, np.float16])
def test_integer_and_bool_arrays_are_read_as_floats(dtype):
    X = np.array([[[1, 0], [0, 1]]], dtype=dtype)
    result = to_padded(X)
    _assert_padded_equal(result, X.astype(np.float32), [2])


def test_zero_valued_steps_are_data_without_mask_value():
    X = np.zeros((2, 4, 1))
    _assert_padded_equal(to_padded(X), np.zeros((2, 4, 1)), [4, 4])


def test_3d_array_with_zero_timesteps_gives_empty_sequences():
    result = to_padded(np.zeros((2, 0, 3)))
    _assert_padded_equal(result, np.zeros((2, 1, 3)), [0, 0])


def test_mask_marks_real_steps():
    result = to_padded(SEQS)
    expected = np.array([[1, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(result.mask, expected)


# ---------------------------------------------------------------- ragged lists
def test_ragged_list_is_zero_padded_to_the_longest_sequence():
    _assert_padded_equal(to_padded(SEQS), _expected_values(), LENGTHS)


def test_tuple_of_sequences_reads_like_a_list():
    _assert_padded_equal(to_padded(tuple(SEQS)), _expected_values(), LENGTHS)


def test_ragged_list_of_nested_python_lists_is_accepted():
    X = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]]
    expected = np.array([[[1, 2], [3, 4]], [[5, 6], [0, 0]]], dtype=np.float32)
    _assert_padded_equal(to_padded(X), expected, [2, 1])


@pytest.mark.parametrize(
    "empty", [np.zeros((0, 2)), np.array([]), [], np.zeros((0, 0))]
)
def test_empty_sequence_in_a_list_has_length_zero(empty):
    result = to_padded([np.ones((2, 2)), empty])
    _assert_padded_equal(result, [[[1, 1], [1, 1]], [[0, 0], [0, 0]]], [2, 0])


def test_list_of_only_empty_sequences_gives_one_zero_step():
    result = to_padded([np.zeros((0, 2)), np.zeros((0, 2))])
    _assert_padded_equal(result, np.zeros((2, 1, 2)), [0, 0])


def test_list_of_equal_length_sequences_matches_3d_array():
    X = RNG.normal(size=(3, 4, 2))
    _assert_padded_equal(to_padded(list(X)), X.astype(np.float32), [4, 4, 4])


# ------------------------------------------------------------ NaN tail padding
def test_trailing_nan_steps_are_padding():
    _assert_padded_equal(to_padded(_padded_with(np.nan)), _expected_values(), LENGTHS)


def test_all_nan_sequence_has_length_zero():
    result = to_padded(np.full((1, 4, 2), np.nan))
    _assert_padded_equal(result, np.zeros((1, 1, 2)), [0])


def test_nan_padding_is_trimmed_to_the_longest_real_sequence():
    X = np.full((2, 6, 1), np.nan)
    X[0, :2] = 1.0
    X[1, :1] = 2.0
    result = to_padded(X)
    assert result.values.shape == (2, 2, 1)
    np.testing.assert_array_equal(result.lengths, [2, 1])


def test_nan_step_inside_a_sequence_is_rejected():
    X = np.ones((2, 4, 2))
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside a sequence \(sample 1, step 1\)"):
        to_padded(X)


def test_nan_in_some_channels_of_a_trailing_step_is_rejected():
    X = np.ones((1, 3, 2))
    X[0, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*whole steps, every channel NaN"):
        to_padded(X)


def test_nan_inside_a_ragged_sequence_is_rejected():
    seq = np.ones((3, 2))
    seq[0, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside a sequence \(sample 1, step 0\)"):
        to_padded([np.ones((2, 2)), seq])


# ----------------------------------------------------- mask_value tail padding
def test_trailing_mask_value_steps_are_padding():
    result = to_padded(_padded_with(-9.0), mask_value=-9.0)
    _assert_padded_equal(result, _expected_values(), LENGTHS)


def test_keras_zero_padding_with_mask_value_zero():
    X = np.array([[[1.0], [2.0], [0.0], [0.0]], [[3.0], [0.0], [0.0], [0.0]]])
    result = to_padded(X, mask_value=0.0)
    _assert_padded_equal(result, [[[1], [2]], [[3], [0]]], [2, 1])


def test_mask_value_steps_inside_a_sequence_are_data():
    X = np.array([[[0.0], [1.0], [0.0], [2.0], [0.0]]])
    result = to_padded(X, mask_value=0.0)
    _assert_padded_equal(result, [[[0], [1], [0], [2]]], [4])


def test_step_with_some_channels_equal_to_mask_value_is_data():
    X = np.array([[[1.0, 1.0], [0.0, 5.0], [5.0, 0.0]]])
    result = to_padded(X, mask_value=0.0)
    _assert_padded_equal(result, X, [3])


def test_mask_value_in_a_ragged_list_is_padding_too():
    seq = np.array([[1.0], [-1.0], [-1.0]])
    _assert_padded_equal(to_padded([seq], mask_value=-1.0), [[[1.0]]], [1])


def test_mask_value_and_nan_padding_may_be_mixed():
    X = np.array([[[1.0], [0.0], [np.nan], [0.0]]])
    _assert_padded_equal(to_padded(X, mask_value=0.0), [[[1.0]]], [1])


def test_integer_mask_value_matches_integer_data():
    X = np.array([[[3], [-1], [-1]]], dtype=np.int64)
    _assert_padded_equal(to_padded(X, mask_value=-1), [[[3]]], [1])


def test_infinite_mask_value_steps_are_padding_not_infinite_data():
    X = np.array([[[1.0], [np.inf]]])
    _assert_padded_equal(to_padded(X, mask_value=np.inf), [[[1.0]]], [1])


# ------------------------------------------------------------------ every form
FORMS = {
    "ragged_list": lambda: SEQS,
    "nan_padded": lambda: _padded_with(np.nan),
    "nan_padded_extra": lambda: _padded_with(np.nan, extra=4),
    "mask_padded": lambda: _padded_with(-9.0),
    "mask_padded_extra": lambda: _padded_with(-9.0, extra=4),
    "ragged_list_with_nan_tails": lambda: [
        np.vstack([seq, np.full((2, 2), np.nan)]) for seq in SEQS
    ],
    # Masked steps are padding whatever the data under the mask.
    "masked": lambda: np.ma.masked_array(
        _padded_with(np.inf), mask=np.isnan(_padded_with(np.nan))
    ),
    "ragged_list_with_masked_tails": lambda: [
        np.ma.masked_array(
            np.vstack([seq, np.full((2, 2), 5.0)]),
            mask=np.arange(len(seq) + 2)[:, None] >= [len(seq), len(seq)],
        )
        for seq in SEQS
    ],
}


@pytest.mark.parametrize("form", FORMS)
def test_every_form_gives_the_same_values_and_lengths(form):
    result = to_padded(FORMS[form](), mask_value=-9.0)
    _assert_padded_equal(result, _expected_values(), LENGTHS)


@pytest.mark.parametrize("extra", [1, 2, 7])
@pytest.mark.parametrize("fill", [np.nan, 0.0])
def test_extra_trailing_padding_does_not_change_the_result(extra, fill):
    X = RNG.normal(size=(3, 4, 2))
    X[1, 2:] = fill
    base = to_padded(X, mask_value=0.0)
    longer = np.concatenate([X, np.full((3, extra, 2), fill)], axis=1)
    result = to_padded(longer, mask_value=0.0)
    _assert_padded_equal(result, base.values, base.lengths)
    np.testing.assert_array_equal(result.lengths, [4, 2, 4])


def test_to_padded_does_not_modify_its_input():
    X = _padded_with(np.nan)
    before = X.copy()
    to_padded(X)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize(
    "X",
    [
        RNG.normal(size=(3, 4, 2)),
        RNG.normal(size=(3, 4, 2)).astype(np.float32),
        RNG.randint(-5, 5, size=(3, 4, 2)),
        RNG.random_sample((3, 4, 2)) > 0.5,
        np.array([[[-0.0, 1.0]], [[0.0, -2.0]]]),
    ],
    ids=["float64", "float32", "int", "bool", "signed_zeros"],
)
def test_whole_sequences_read_as_their_values(X):
    # Finite arrays without padding take a short path; it must give what the
    # full check gives: every step real, the values as float32, the array's
    # sign of zero kept.
    result = to_padded(X)
    np.testing.assert_array_equal(result.lengths, [X.shape[1]] * len(X))
    assert result.values.dtype == np.float32
    np.testing.assert_array_equal(result.values, X.astype(np.float32))
    np.testing.assert_array_equal(np.signbit(result.values), np.signbit(X))
    assert not np.shares_memory(result.values, X)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e39])
@pytest.mark.parametrize("where", [(0, 0, 0), (1, 2, 1)])
def test_one_bad_value_in_whole_sequences_is_found(bad, where):
    X = RNG.normal(size=(2, 3, 2))
    X[where] = bad
    if np.isnan(bad) and where == (1, 2, 1):
        # A NaN in one channel of a last step is data, not padding.
        match = r"NaN inside a sequence \(sample 1, step 2\)"
    elif np.isnan(bad):
        match = r"NaN inside a sequence \(sample 0, step 0\)"
    elif np.isinf(bad):
        match = rf"infinity \(sample {where[0]}, step {where[1]}\)"
    else:
        match = rf"too large for float32 \(sample {where[0]}, step {where[1]}\)"
    with pytest.raises(ValueError, match=match):
        to_padded(X)


# ---------------------------------------------------------------- bad inputs
def _masked(shape, index):
    X = np.ma.masked_array(np.ones(shape), mask=False)
    X[index] = np.ma.masked
    return X


BAD_IDS = [
    "no_sequences_3d",
    "no_sequences_list",
    "no_channels_3d",
    "no_channels_list",
    "1d_array",
    "2d_array",
    "4d_array",
    "scalar",
    "none",
    "generator",
    "inf",
    "minus_inf",
    "too_large_for_float32",
    "complex",
    "complex_objects",
    "numeric_strings",
    "bytes",
    "strings_in_objects",
    "objects",
    "datetimes",
    "timedeltas",
    "object_array_of_sequences",
    "sparse",
    "pydata_sparse",
    "masked_step_inside",
    "masked_part_of_a_step",
    "masked_step_inside_a_listed_sequence",
    "mixed_channel_counts",
    "mixed_channel_counts_after_empty",
    "1d_item",
    "3d_item",
    "scalar_item",
    "ragged_item",
    "string_item",
]


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros((0, 3, 2)), ValueError, "0 sequences; at least 1 is required"),
        ([], ValueError, "0 sequences; at least 1 is required"),
        (np.zeros((2, 3, 0)), ValueError, "0 channels; at least 1 channel"),
        ([np.zeros((0, 0))], ValueError, "0 channels; at least 1 channel"),
        (np.zeros(5), ValueError, r"1-D array of shape \(5,\).*X.reshape\(1, -1\)"),
        (np.zeros((2, 5)), ValueError, r"2-D array of shape \(2, 5\); accepted: a 3-D"),
        (np.zeros((1, 2, 3, 4)), ValueError, r"4-D array .*accepted: a 3-D array"),
        (3.0, ValueError, r"0-D array of shape \(\); accepted"),
        (None, TypeError, "X is a NoneType, not an array-like of numbers. Accepted"),
        ((i for i in range(3)), TypeError, "generator, not an array-like"),
        (np.full((1, 2, 1), np.inf), ValueError, r"infinity \(sample 0, step 0\)"),
        (np.full((1, 2, 1), -np.inf), ValueError, "all values must be finite"),
        (np.full((1, 1, 1), 1e300), ValueError, "too large for float32"),
        (np.zeros((1, 2, 1), dtype=complex), ValueError, "complex numbers; only real"),
        (np.array([[[1 + 2j]]], dtype=object), ValueError, "complex numbers"),
        (np.array([[["1.5"]]]), TypeError, "holds strings; only real numbers"),
        (np.array([[[b"1"]]]), TypeError, "holds strings; only real numbers"),
        (np.array([[[1.0, "a"]]], dtype=object), TypeError, "holds strings"),
        (np.array([[[object()]]]), TypeError, "must hold real numbers; got .*object"),
        (
            np.array([[["2020-01-01"]]], dtype="datetime64[D]"),
            TypeError,
            r"datetime64\[D\] values \(dates or durations\); only real numbers",
        ),
        (
            np.array([[[1]]], dtype="timedelta64[s]"),
            TypeError,
            "dates or durations",
        ),
        (
            np.array([np.zeros((2, 1)), np.zeros((3, 1))], dtype=object),
            TypeError,
            "object array of sequences is not accepted: pass .* list of 2-D arrays",
        ),
        (
            sp.csr_matrix(np.ones((2, 2))),
            TypeError,
            r"sparse array or matrix \(csr_matrix\); .* must be dense",
        ),
        (
            sparse.COO.from_numpy(np.ones((2, 3, 1))),
            TypeError,
            r"X is a sparse array or matrix \(COO\); sequences must be dense",
        ),
        (
            _masked((2, 4, 2), (1, 1)),
            ValueError,
            r"X masks a step inside a sequence \(sample 1, step 1\).*only as padding",
        ),
        (
            _masked((2, 4, 2), (0, 3, 0)),
            ValueError,
            r"X masks some channels of a step \(sample 0, step 3\)",
        ),
        (
            [np.zeros((3, 2)), _masked((3, 2), 0)],
            ValueError,
            r"X\[1\] masks a step inside a sequence \(step 0\)",
        ),
        (
            [np.zeros((3, 2)), np.zeros((3, 1))],
            ValueError,
            r"X\[1\] has 1 channels but X\[0\] has 2; all sequences must have",
        ),
        (
            [np.zeros((0, 0)), np.zeros((3, 2)), np.zeros((0, 3))],
            ValueError,
            r"X\[2\] has 3 channels but X\[1\] has 2",
        ),
        (
            [np.zeros((3, 2)), np.zeros(3)],
            ValueError,
            r"X\[1\] is a 1-D array .*must be 2-D \(length_i, n_channels\).*"
            r"reshape\(-1, 1\)",
        ),
        (
            [np.zeros((3, 2)), np.zeros((1, 3, 2))],
            ValueError,
            r"X\[1\] is a 3-D array .*must be 2-D",
        ),
        ([np.zeros((3, 2)), 5.0], ValueError, r"X\[1\] is a 0-D array"),
        (
            [[[1.0, 2.0], [3.0]]],
            ValueError,
            r"X\[0\] could not be read as an array .*Accepted: a 3-D array",
        ),
        ([np.zeros((1, 2)), "ab"], TypeError, r"X\[1\] holds strings"),
    ],
    ids=BAD_IDS,
)
def test_bad_input_gives_a_message_saying_what_is_wrong(X, error, match):
    with pytest.raises(error, match=match):
        to_padded(X)


def test_error_messages_use_the_given_name():
    with pytest.raises(ValueError, match=r"^codes\[1\] has 1 channels"):
        to_padded([np.zeros((2, 2)), np.zeros((2, 1))], what="codes")
    with pytest.raises(ValueError, match=r"^Z contains infinity"):
        to_padded(np.full((1, 1, 1), np.inf), what="Z")


def test_nan_inside_is_reported_even_after_mask_value_steps():
    X = np.array([[[1.0], [0.0], [np.nan], [2.0]]])
    with pytest.raises(ValueError, match=r"NaN inside a sequence \(sample 0, step 2\)"):
        to_padded(X, mask_value=0.0)


# ------------------------------------------------------------ rows_to_sequences
def test_rows_without_n_timesteps_are_univariate_sequences():
    X = np.arange(6.0).reshape(2, 3)
    result = rows_to_sequences(X, None)
    assert result.shape == (2, 3, 1)
    np.testing.assert_array_equal(result[:, :, 0], X)


def test_rows_with_n_timesteps_hold_steps_one_after_another():
    # One row: step 0 = (a0, b0), step 1 = (a1, b1), step 2 = (a2, b2).
    X = np.array([[10.0, 20.0, 11.0, 21.0, 12.0, 22.0]])
    result = rows_to_sequences(X, 3)
    assert result.shape == (1, 3, 2)
    np.testing.assert_array_equal(result[0], [[10, 20], [11, 21], [12, 22]])


def test_n_timesteps_equal_to_n_features_gives_one_channel():
    X = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(rows_to_sequences(X, 4), X[:, :, None])


def test_n_timesteps_one_gives_a_single_step_of_all_features():
    X = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(rows_to_sequences(X, 1), X[:, None, :])


@pytest.mark.parametrize("n_timesteps", [3, 5])
def test_n_timesteps_that_does_not_divide_n_features_is_rejected(n_timesteps):
    msg = (
        rf"n_timesteps={n_timesteps} does not divide the 4 columns of X; .*"
        "n_features must be a multiple of n_timesteps"
    )
    with pytest.raises(ValueError, match=msg):
        rows_to_sequences(np.zeros((2, 4)), n_timesteps)


def test_rows_then_to_padded_equals_the_3d_form():
    X3 = RNG.normal(size=(3, 4, 2))
    rows = X3.reshape(3, 8)
    result = to_padded(rows_to_sequences(rows, 4))
    _assert_padded_equal(result, X3.astype(np.float32), [4, 4, 4])


# ----------------------------------------------------------------- fill_padding
def test_fill_padding_sets_steps_at_and_after_each_length():
    values = np.ones((2, 3, 2), dtype=np.float32)
    result = fill_padding(values, np.array([1, 3]), np.nan)
    assert np.isnan(result[0, 1:]).all()
    np.testing.assert_array_equal(result[0, 0], [1, 1])
    np.testing.assert_array_equal(result[1], np.ones((3, 2)))


def test_fill_padding_with_a_mask_value():
    values = np.arange(6, dtype=np.float32).reshape(1, 3, 2)
    result = fill_padding(values, np.array([2]), -1.0)
    np.testing.assert_array_equal(result, [[[0, 1], [2, 3], [-1, -1]]])


def test_fill_padding_of_length_zero_fills_everything():
    result = fill_padding(np.ones((1, 2, 1)), np.array([0]), 7.0)
    np.testing.assert_array_equal(result, np.full((1, 2, 1), 7.0))


def test_fill_padding_returns_a_float32_copy():
    values = np.ones((1, 3, 1), dtype=np.float64)
    result = fill_padding(values, np.array([1]), 0.0)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(values, np.ones((1, 3, 1)))


def test_fill_padding_undoes_to_padded_nan_form():
    X = _padded_with(np.nan)
    padded = to_padded(X)
    filled = fill_padding(padded.values, padded.lengths, np.nan)
    np.testing.assert_array_equal(filled, X.astype(np.float32))


# --------------------------------------------------------------------- is_table
@pytest.mark.parametrize(
    "X, expected",
    [
        (np.zeros((3, 4)), True),
        (np.zeros((3, 4, 2)), False),
        (np.zeros(4), False),
        (pd.DataFrame(np.zeros((3, 4))), True),
        (pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), True),
        ([[1.0, 2.0], [3.0, 4.0]], True),
        (([1.0, 2.0], [3.0, 4.0]), True),
        ([np.zeros(3), np.zeros(3)], True),
        ([np.zeros((3, 2)), np.zeros((5, 2))], False),
        ([np.zeros((3, 2))], False),
        ([[1.0, 2.0], [3.0]], False),
        ([[[1.0, 2.0], [3.0]]], False),
        ([], False),
        (sp.csr_matrix(np.ones((2, 2))), True),
        (sp.coo_array(np.ones((2, 2))), True),
    ],
    ids=[
        "ndarray_2d",
        "ndarray_3d",
        "ndarray_1d",
        "dataframe",
        "dataframe_mixed",
        "list_of_rows",
        "tuple_of_rows",
        "list_of_1d_arrays",
        "list_of_2d_arrays",
        "list_of_one_2d_array",
        "unequal_rows",
        "ragged_nested",
        "empty_list",
        "csr_matrix",
        "coo_array",
    ],  # fmt: skip
)
def test_is_table(X, expected):
    assert is_table(X) is expected


def test_float32_ragged_lists_read_like_float64_ones():
    """The float32 fast path and the general path agree, padding rules included."""
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(n, 3)) for n in (4, 0, 1, 6)]
    seqs[1] = seqs[1].reshape(0, 3)
    with_nan_tail = [s.copy() for s in seqs]
    with_nan_tail[0] = np.vstack([seqs[0], np.full((2, 3), np.nan)])  # padding
    for form in (seqs, with_nan_tail):
        fast = to_padded([s.astype(np.float32) for s in form])
        general = to_padded([s.astype(np.float64) for s in form])
        np.testing.assert_array_equal(fast.lengths, [4, 0, 1, 6])
        np.testing.assert_array_equal(fast.lengths, general.lengths)
        np.testing.assert_array_equal(fast.values, general.values)
    inside = [s.astype(np.float32) for s in seqs]
    inside[3][2, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside a sequence \(sample 3, step 2\)"):
        to_padded(inside)


def test_standardize_each_uses_only_each_sequences_real_steps():
    seqs = [np.array([[1.0, 5.0], [3.0, 5.0]]), np.zeros((0, 2)), np.ones((1, 2))]
    padded = standardize_each(to_padded(seqs))
    np.testing.assert_allclose(padded.values[0], [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(padded.values[1], 0.0)  # empty: padding only
    np.testing.assert_array_equal(padded.values[2], [[0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(padded.lengths, [2, 0, 1])


def test_sizes_spread_needs_orders_of_magnitude_in_every_channel():
    rng = np.random.RandomState(0)
    shapes = rng.normal(size=(50, 30, 2))
    sizes = np.logspace(-0.9, 0.9, 50)[:, None, None]  # 10th to 90th: about 27x
    assert not sizes_spread(to_padded(shapes))  # equal sizes
    assert not sizes_spread(to_padded(shapes * sizes))
    wide = np.logspace(-3, 3, 50)[:, None, None]  # 10th to 90th: about 6e4x
    assert sizes_spread(to_padded(shapes * wide))
    assert sizes_spread(to_padded(shapes * wide + 1e3))  # levels do not matter
    # One channel spread, the other not: standardised together still.
    assert not sizes_spread(to_padded(shapes * np.concatenate([wide, 1 + 0 * wide], 2)))
    # A channel constant within most sequences has no size to even out.
    static = shapes * wide
    static[:40, :, 1] = 5.0
    assert not sizes_spread(to_padded(static))
    # Sequences of one step (no size) and padding are left out.
    ragged = [x[: 1 + i % 30] for i, x in enumerate(shapes * wide)]
    ragged += [np.zeros((1, 2))] * 20
    assert sizes_spread(to_padded(ragged))
    assert not sizes_spread(to_padded([np.ones((1, 2))] * 5))


# ------------------------------------------------------------ channels first
def test_channels_first_3d_array_is_read_as_its_transpose():
    X = _padded_with(np.nan, extra=2)
    result = to_padded(X.transpose(0, 2, 1), channels_first=True)
    _assert_padded_equal(result, _expected_values(), LENGTHS)


def test_channels_first_list_items_are_channels_by_steps():
    seqs = [seq.T for seq in SEQS]  # (2, 3), (2, 1), (2, 0)
    seqs[0] = np.hstack([seqs[0], np.full((2, 2), 7.0)])  # mask_value padding
    result = to_padded(seqs, mask_value=7.0, channels_first=True)
    _assert_padded_equal(result, _expected_values(), LENGTHS)


def test_channels_first_list_errors_describe_that_layout():
    with pytest.raises(ValueError, match=r"2-D \(n_channels, length_i\).*reshape"):
        to_padded([np.zeros((2, 3)), np.zeros(3)], channels_first=True)
    with pytest.raises(ValueError, match=r"X\[1\] has 3 channels but X\[0\] has 2"):
        to_padded([np.zeros((2, 5)), np.zeros((3, 5))], channels_first=True)


def test_channel_mismatch_of_aeon_shaped_arrays_suggests_channels_first():
    # aeon's (n_channels, length_i) arrays read as channels-last: the "channel"
    # counts are lengths, and the error says how to read them instead.
    aeon_style = [np.zeros((6, 100)), np.zeros((6, 26))]
    with pytest.raises(
        ValueError, match="X\\[1\\] has 26 channels.*data_format='channels_first'"
    ):
        to_padded(aeon_style)
    # Sequences that really differ in width get no such hint.
    with pytest.raises(ValueError, match="same number of channels.$"):
        to_padded([np.zeros((4, 2)), np.zeros((3, 1))])


@pytest.mark.parametrize("channels_first", [False, True])
def test_rows_and_sequences_round_trip_in_either_layout(channels_first):
    seqs = np.arange(2 * 3 * 2).reshape(2, 3, 2)  # 2 sequences, 3 steps, 2 channels
    layout = seqs.transpose(0, 2, 1) if channels_first else seqs
    rows = layout.reshape(2, -1)
    read = rows_to_sequences(rows, 3, channels_first=channels_first)
    np.testing.assert_array_equal(read, seqs)
    back = sequences_to_rows(read, channels_first=channels_first)
    np.testing.assert_array_equal(back, rows)


def test_channels_first_rows_hold_one_channel_after_another():
    rows = np.array([[1, 2, 3, 10, 20, 30]])  # channel 0, then channel 1
    read = rows_to_sequences(rows, 3, channels_first=True)
    np.testing.assert_array_equal(read[0], [[1, 10], [2, 20], [3, 30]])


@pytest.mark.parametrize(
    "shape, channels_first, fires",
    [
        ((50, 1, 150), False, True),  # aeon's univariate GunPoint as channels-last
        ((50, 150, 1), True, True),  # a channels-last univariate set as channels-first
        ((50, 1, 150), True, False),
        ((50, 150, 1), False, False),
        ((40, 6, 100), False, False),  # the broad rule's case: not warned
        ((5, 1, 1), False, False),  # one step of one channel: nothing to swap
    ],
)
def test_one_step_warning_fires_only_for_one_step_of_several_channels(
    shape, channels_first, fires
):
    message = one_step_warning(np.zeros(shape), channels_first=channels_first)
    assert bool(message) is fires
    if fires:
        other = "channels_last" if channels_first else "channels_first"
        assert "1 step with 150 channels" in message
        assert f"pass data_format='{other}'" in message


def test_one_step_warning_ignores_lists():
    assert one_step_warning([np.zeros((1, 5))]) is None


# ------------------------------------------------------------- nested frames
def _nested(rows):
    """A DataFrame with one Series per cell, as sktime's nested_univ holds them."""
    return pd.DataFrame(
        [[pd.Series(channel) for channel in row] for row in rows],
        columns=["dim_0", "dim_1"],
    )


def test_nested_frame_is_read_as_one_sequence_per_row():
    frame = _nested([seq.T for seq in SEQS])
    assert is_nested_frame(frame) and not is_nested_frame(pd.DataFrame(np.ones((2, 2))))
    seqs = nested_to_sequences(frame)
    for got, expected in zip(seqs, SEQS, strict=True):
        np.testing.assert_array_equal(got, expected)
    _assert_padded_equal(to_padded(seqs), _expected_values(), LENGTHS)


def test_nested_frame_refuses_channels_of_different_lengths():
    frame = _nested([[np.ones(3), np.ones(2)]])
    with pytest.raises(ValueError, match=r"row 0 holds channels of lengths \[2, 3\]"):
        nested_to_sequences(frame)


def test_nested_frame_refuses_a_cell_that_is_no_sequence():
    frame = _nested([[np.ones(3), np.ones(3)], [np.ones(2), np.ones(2)]])
    frame.iloc[1, 1] = 2.5
    with pytest.raises(
        ValueError, match="row 1, column 'dim_1' holds 2.5.*SktimeLSTMAutoencoder"
    ):
        nested_to_sequences(frame)


def test_masked_arrays_in_the_channels_first_layout_read_like_their_transpose():
    seq = np.ma.masked_array(
        np.arange(8.0).reshape(4, 2), mask=[[0, 0], [0, 0], [1, 1], [1, 1]]
    )
    block = np.ma.stack([seq, seq])
    for last, first in [
        ([seq], [seq.T]),
        (block, block.transpose(0, 2, 1)),
    ]:
        expected = to_padded(last)
        got = to_padded(first, channels_first=True)
        np.testing.assert_array_equal(got.lengths, [2] * len(got.lengths))
        _assert_padded_equal(got, expected.values, expected.lengths)


def _same_rows(one, other):
    for a, b in zip(one, other, strict=True):
        np.testing.assert_array_equal(a.values, b.values)
        np.testing.assert_array_equal(a.lengths, b.lengths)


def test_training_rows_turn_whole_weights_into_copies_in_an_order_of_their_own():
    seqs = [RNG.normal(size=(n, 2)) for n in (4, 2, 3, 0)]
    # A sequence with a trailing zero step is not the shorter one.
    seqs.append(np.r_[seqs[1], np.zeros((1, 2))])
    weights = np.array([2.0, 1.0, 0.0, 3.0, 1.0])
    padded, out_weights, rows = training_rows(to_padded(seqs), weights)
    # Each sequence as often as its weight says, each copy of weight 1.
    np.testing.assert_array_equal(np.bincount(rows, minlength=5), [2, 1, 0, 3, 1])
    np.testing.assert_array_equal(out_weights, np.ones(7))
    for values, length, row in zip(padded.values, padded.lengths, rows, strict=True):
        assert length == len(seqs[row])
        np.testing.assert_array_equal(values[:length], seqs[row].astype(np.float32))
    # Copies, proportional weights and another order give the same rows.
    copies = [
        seq for seq, k in zip(seqs, weights.astype(int), strict=True) for _ in range(k)
    ]
    order = RNG.permutation(len(copies))
    others = [
        training_rows(to_padded([copies[i] for i in order]), np.ones(len(copies))),
        training_rows(to_padded(seqs), weights / 4),
        training_rows(to_padded(seqs), weights * 0.3),
    ]
    _same_rows([padded] * 3, [other[0] for other in others])
    for _, other_weights, _ in others:
        np.testing.assert_array_equal(other_weights, out_weights)
    # keep_order: the data's order, copies together.
    _, _, kept = training_rows(to_padded(seqs), weights, keep_order=True)
    np.testing.assert_array_equal(kept, [0, 0, 1, 3, 3, 3, 4])


def test_training_rows_keep_weights_that_are_not_whole_or_copy_too_much():
    seqs = [RNG.normal(size=(3, 1)) for _ in range(4)]
    for weights in ([0.31, 0.0, 1.0, 0.7], [1.0, 0.0, 1e6, 2.0]):
        weights = np.array(weights)
        padded, out_weights, rows = training_rows(to_padded(seqs), weights)
        np.testing.assert_array_equal(np.sort(rows), [0, 2, 3])  # each once
        np.testing.assert_array_equal(out_weights, weights[rows])
        # Equal sequences of other weights go by weight: the order of X does
        # not count.
        both, both_weights = seqs + seqs, np.r_[weights, weights / 2 + 0.1]
        order = RNG.permutation(len(both))
        twice = training_rows(to_padded(both), both_weights)
        again = training_rows(to_padded([both[i] for i in order]), both_weights[order])
        _same_rows([twice[0]], [again[0]])
        np.testing.assert_array_equal(twice[1], again[1])


def test_training_rows_leave_whole_weights_in_order_untouched():
    padded = to_padded(SEQS)
    same, weights, rows = training_rows(padded, np.full(3, 2.5), keep_order=True)
    assert same is padded
    np.testing.assert_array_equal(weights, np.ones(3))
    np.testing.assert_array_equal(rows, [0, 1, 2])
