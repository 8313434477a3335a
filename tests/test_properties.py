"""Property-based tests: every padding form, any lengths, any dtype, one answer.

The pure-NumPy properties of ``to_padded`` run many examples; the properties of
the estimator share one tiny model fitted once on 2-channel data.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklearn_lstm_ae import LSTMAutoencoderTransformer
from sklearn_lstm_ae._backend import keras_modules
from sklearn_lstm_ae._sequences import fill_padding, rows_to_sequences, to_padded

TINY = dict(n_components=3, max_iter=1, batch_size=16, random_state=0)
MASK = -1000.0  # outside the drawn data range, so no data step equals it
N_CHANNELS = 2

MODEL_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
NUMPY_SETTINGS = settings(max_examples=100, deadline=None, derandomize=True)
DTYPES = ["float32", "float64", "int64"]
ANY_CHANNELS = st.integers(1, 3)


# ------------------------------------------------------------------ strategies
@st.composite
def batches(draw, channels=ANY_CHANNELS, max_n=6, max_len=8, dtypes=DTYPES):
    """``(sequences, dtype)``: a list of 2-D arrays, lengths 0..max_len."""
    n_channels = draw(channels)
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    lengths = draw(st.lists(st.integers(0, max_len), min_size=1, max_size=max_n))
    if dtype.kind == "f":
        elements = st.floats(-10, 10, width=32)
    else:
        elements = st.integers(-10, 10)
    seqs = [
        draw(hnp.arrays(dtype, (length, n_channels), elements=elements))
        for length in lengths
    ]
    return seqs, dtype


def _block(seqs, fill, dtype, extra):
    """The sequences in one 3-D array, each padded at the end with ``fill``."""
    n_steps = max(len(s) for s in seqs) + extra
    block = np.full((len(seqs), n_steps, seqs[0].shape[1]), fill, dtype=dtype)
    for i, seq in enumerate(seqs):
        block[i, : len(seq)] = seq
    return block


def forms(seqs, dtype, extra):
    """The same sequences in every accepted sequence form."""
    float_dtype = dtype if dtype.kind == "f" else np.float64  # NaN needs floats
    out = {
        "ragged_list": seqs,
        "nan_padded": _block(seqs, np.nan, float_dtype, extra),
        "mask_padded": _block(seqs, MASK, dtype, extra),
        "ragged_list_nan_tails": [
            np.vstack([s, np.full((extra, s.shape[1]), np.nan)]) for s in seqs
        ],
    }
    mixed = _block(seqs, MASK, float_dtype, extra + 1)
    mixed[:, -1] = np.nan  # a NaN step after mask_value steps: padding too
    out["mixed_padded"] = mixed
    if len({len(s) for s in seqs}) == 1 and len(seqs[0]):
        out["3d_array"] = np.stack(seqs)
    return out


def _real_length(seq, mask_value):
    """Length once trailing all-NaN / all-mask_value steps are dropped."""
    length = len(seq)
    while length and (
        np.isnan(seq[length - 1]).all() or (seq[length - 1] == mask_value).all()
    ):
        length -= 1
    return length


# ------------------------------------------------- to_padded, pure NumPy
@NUMPY_SETTINGS
@given(batches(), st.integers(0, 4))
def test_every_form_gives_identical_values_and_lengths(batch, extra):
    seqs, dtype = batch
    expected = to_padded(seqs, mask_value=MASK)
    for name, X in forms(seqs, dtype, extra).items():
        result = to_padded(X, mask_value=MASK)
        np.testing.assert_array_equal(result.values, expected.values, err_msg=name)
        np.testing.assert_array_equal(result.lengths, expected.lengths, err_msg=name)


@NUMPY_SETTINGS
@given(batches())
def test_padded_values_hold_each_sequence_then_zeros(batch):
    seqs, _ = batch
    result = to_padded(seqs)
    lengths = [len(s) for s in seqs]
    n_channels = seqs[0].shape[1]
    assert result.values.shape == (len(seqs), max(1, *lengths), n_channels)
    assert result.values.dtype == np.float32
    assert result.lengths.dtype == np.int64
    np.testing.assert_array_equal(result.lengths, lengths)
    for i, seq in enumerate(seqs):
        np.testing.assert_array_equal(result.values[i, : len(seq)], seq)
        assert not result.values[i, len(seq) :].any()
    np.testing.assert_array_equal(result.mask.sum(axis=1), lengths)


@NUMPY_SETTINGS
@given(batches(), st.integers(1, 6), st.sampled_from([np.nan, MASK]))
def test_extra_trailing_padding_never_changes_the_result(batch, extra, fill):
    seqs, dtype = batch
    float_dtype = dtype if dtype.kind == "f" else np.float64
    base = to_padded(_block(seqs, fill, float_dtype, 0), mask_value=MASK)
    longer = to_padded(_block(seqs, fill, float_dtype, extra), mask_value=MASK)
    np.testing.assert_array_equal(longer.values, base.values)
    np.testing.assert_array_equal(longer.lengths, base.lengths)


@NUMPY_SETTINGS
@given(batches(dtypes=["float64"], max_len=6), st.data())
def test_only_trailing_whole_padding_steps_are_padding(batch, data):
    seqs, _ = batch
    # Turn random steps into all-mask_value or partly mask_value steps, and a
    # random tail into NaN steps; only trailing whole ones are padding.
    marked = []
    for seq in seqs:
        seq = seq.copy()
        for t in range(len(seq)):
            kind = data.draw(st.sampled_from(["data", "mask", "part"]))
            if kind == "mask":
                seq[t] = MASK
            elif kind == "part":
                seq[t, 0] = MASK
        n_nan = data.draw(st.integers(0, len(seq)))
        seq[len(seq) - n_nan :] = np.nan
        marked.append(seq)
    result = to_padded(marked, mask_value=MASK)
    expected = [_real_length(seq, MASK) for seq in marked]
    np.testing.assert_array_equal(result.lengths, expected)
    for i, seq in enumerate(marked):
        np.testing.assert_array_equal(
            result.values[i, : expected[i]], seq[: expected[i]]
        )


@NUMPY_SETTINGS
@given(batches(dtypes=["float64"], max_len=6), st.data())
def test_nan_followed_by_data_is_rejected(batch, data):
    seqs, _ = batch
    candidates = [i for i, s in enumerate(seqs) if len(s) >= 2]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    t = data.draw(st.integers(0, len(seqs[i]) - 2))
    channel = data.draw(st.integers(0, seqs[i].shape[1] - 1))
    seqs = [s.copy() for s in seqs]
    seqs[i][t, channel] = np.nan
    with pytest.raises(ValueError, match=rf"NaN inside a sequence \(sample {i}, "):
        to_padded(seqs)
    with pytest.raises(ValueError, match=r"NaN inside a sequence"):
        to_padded(_block(seqs, np.nan, np.float64, 1))


@NUMPY_SETTINGS
@given(batches())
def test_fill_padding_restores_the_nan_padded_form(batch):
    seqs, _ = batch
    padded = to_padded(seqs)
    restored = fill_padding(padded.values, padded.lengths, np.nan)
    expected = _block(seqs, np.nan, np.float32, 0)
    if expected.shape[1] == 0:  # all empty: one padding step is kept
        expected = np.full((len(seqs), 1, seqs[0].shape[1]), np.nan, np.float32)
    np.testing.assert_array_equal(restored, expected)


@NUMPY_SETTINGS
@given(
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 2**16),
)
def test_rows_hold_steps_one_after_another(n, n_timesteps, n_channels, seed):
    X = np.random.RandomState(seed).normal(size=(n, n_timesteps * n_channels))
    seqs = rows_to_sequences(X, n_timesteps)
    assert seqs.shape == (n, n_timesteps, n_channels)
    for t in range(n_timesteps):
        for c in range(n_channels):
            np.testing.assert_array_equal(seqs[:, t, c], X[:, t * n_channels + c])
    np.testing.assert_array_equal(rows_to_sequences(X, None)[:, :, 0], X)


# ------------------------------------------------------ the estimator
def _fit_data():
    return np.random.RandomState(0).normal(size=(16, 5, N_CHANNELS))


@pytest.fixture(scope="module")
def keras_loaded():
    # Keras raises the recursion limit on import; import it before Hypothesis
    # runs, which warns when the limit changes under it.
    keras_modules()


@settings(max_examples=3, deadline=None, derandomize=True)
@given(batches(channels=st.just(N_CHANNELS), dtypes=["float64"], max_n=8, max_len=5))
def test_same_random_state_same_data_gives_bit_identical_embeddings(
    keras_loaded, batch
):
    # Placed before the tests that share a fitted model: while no other model
    # is alive, each fit reuses the one cached network.
    seqs, _ = batch
    seqs = seqs + list(_fit_data()[:4])  # never all-binary: keep loss="mse"
    codes = []
    for _ in range(2):
        est = LSTMAutoencoderTransformer(**TINY, mask_value=MASK).fit(seqs)
        codes.append(est.transform(seqs))
        del est
    np.testing.assert_array_equal(codes[0], codes[1])


@pytest.fixture(scope="module")
def model(keras_loaded):
    return LSTMAutoencoderTransformer(**TINY, mask_value=MASK).fit(_fit_data())


@MODEL_SETTINGS
@given(batch=batches(channels=st.just(N_CHANNELS)), extra=st.integers(0, 4))
def test_embedding_is_the_same_in_every_padding_form(model, batch, extra):
    seqs, dtype = batch
    expected = model.transform(seqs)
    assert expected.shape == (len(seqs), TINY["n_components"])
    assert expected.dtype == np.float32
    assert np.isfinite(expected).all()
    for name, X in forms(seqs, dtype, extra).items():
        codes = model.transform(X)
        assert codes.shape == expected.shape and codes.dtype == np.float32, name
        np.testing.assert_allclose(codes, expected, atol=1e-5, err_msg=name)


@MODEL_SETTINGS
@given(batch=batches(channels=st.just(N_CHANNELS)), extra=st.integers(1, 6))
def test_trailing_padding_never_changes_the_embedding(model, batch, extra):
    seqs, dtype = batch
    float_dtype = dtype if dtype.kind == "f" else np.float64
    for fill in (np.nan, MASK):
        base = model.transform(_block(seqs, fill, float_dtype, 0))
        longer = model.transform(_block(seqs, fill, float_dtype, extra))
        np.testing.assert_allclose(longer, base, atol=1e-5)


@MODEL_SETTINGS
@given(batch=batches(channels=st.just(N_CHANNELS), max_n=4))
def test_embedding_of_a_sequence_ignores_its_batch_mates(model, batch):
    seqs, _ = batch
    together = model.transform(seqs)
    for i, seq in enumerate(seqs):
        alone = model.transform([seq])
        np.testing.assert_allclose(alone[0], together[i], atol=1e-5)


@MODEL_SETTINGS
@given(batch=batches(channels=st.just(N_CHANNELS), dtypes=["float64"]))
def test_integer_valued_data_embeds_like_its_float_copy(model, batch):
    seqs, _ = batch
    as_int = [np.round(s).astype(np.int64) for s in seqs]
    as_float = [s.astype(np.float32) for s in as_int]
    np.testing.assert_allclose(
        model.transform(as_int), model.transform(as_float), atol=1e-5
    )


@MODEL_SETTINGS
@given(batch=batches(channels=st.just(N_CHANNELS)), data=st.data())
def test_score_samples_is_finite_and_the_same_in_every_form(model, batch, data):
    seqs, dtype = batch
    expected = model.score_samples(seqs)
    assert expected.shape == (len(seqs),)
    assert np.isfinite(expected).all() and (expected <= 0).all()
    extra = data.draw(st.integers(0, 3))
    for name, X in forms(seqs, dtype, extra).items():
        np.testing.assert_allclose(
            model.score_samples(X), expected, atol=1e-5, err_msg=name
        )


@MODEL_SETTINGS
@given(batch=batches(channels=st.sampled_from([1, 3, 4])))
def test_another_channel_count_is_refused(model, batch):
    seqs, _ = batch
    with pytest.raises(ValueError, match="channels per step, but .* fitted on 2"):
        model.transform(seqs)
