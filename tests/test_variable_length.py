"""Variable-length sequences: every padding form is the same data."""

import numpy as np
import pytest
from conftest import tiny

from sklearn_lstm_ae._estimator import _auto_patch_size


def _nan_padded(seqs, total):
    out = np.full((len(seqs), total, seqs[0].shape[1] if len(seqs[0]) else 2), np.nan)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out


def _mask_padded(seqs, total, value):
    out = _nan_padded(seqs, total)
    out[np.isnan(out)] = value
    return out


@pytest.fixture(scope="module", params=[1, 4], ids=["step_by_step", "patches"])
def fitted(request):
    """A variable-length fit, read step by step and in patches of 4 steps."""
    rng = np.random.RandomState(1)
    seqs = [rng.normal(size=(n, 2)) for n in [0, 1, 3, 6, 4, 2, 5, 6, 1, 3] * 2]
    est = tiny(mask_value=-7.0, patch_size=request.param).fit(seqs)
    return est, seqs


def test_every_padding_form_gives_the_same_embedding(fitted):
    est, seqs = fitted
    ragged = est.transform(seqs)
    for form in (
        _nan_padded(seqs, 6),
        _nan_padded(seqs, 40),  # any amount of trailing padding
        _mask_padded(seqs, 6, -7.0),
        _mask_padded(seqs, 25, -7.0),
        np.ma.masked_invalid(_nan_padded(seqs, 9)),  # masked trailing steps
    ):
        np.testing.assert_allclose(est.transform(form), ragged, atol=1e-5)


def test_mask_value_inside_a_sequence_is_data(fitted):
    est, _ = fitted
    inner = np.array([[[1.0, 1.0], [-7.0, -7.0], [0.5, 0.2]]])
    shortened = inner[:, [0, 2]]
    assert not np.allclose(est.transform(inner), est.transform(shortened))
    # ...while trailing mask_value steps are padding.
    tail = np.concatenate([inner, np.full((1, 2, 2), -7.0)], axis=1)
    np.testing.assert_allclose(est.transform(tail), est.transform(inner), atol=1e-6)


def test_fitting_ragged_or_nan_padded_gives_the_same_model(ragged):
    a = tiny().fit(ragged)
    b = tiny().fit(_nan_padded(ragged, 11))
    np.testing.assert_array_equal(a.transform(ragged), b.transform(ragged))
    assert a.n_timesteps_ == b.n_timesteps_ == 6


def test_transform_takes_longer_and_shorter_sequences_than_fit(fitted):
    est, _ = fitted
    rng = np.random.RandomState(2)
    codes = est.transform([rng.normal(size=(30, 2)), rng.normal(size=(2, 2))])
    assert codes.shape == (2, 4) and np.isfinite(codes).all()


def test_empty_sequences_embed_to_a_finite_vector(fitted):
    est, _ = fitted
    codes = est.transform([np.zeros((0, 2)), np.zeros((0, 2))])
    assert np.isfinite(codes).all()
    np.testing.assert_array_equal(codes[0], codes[1])


def test_training_on_no_real_step_is_refused_and_leaves_the_model_as_it_was(fitted):
    est, seqs = fitted
    codes = est.transform(seqs)
    no_step = "X holds no step to learn from: every sequence given a nonzero"
    with pytest.raises(ValueError, match=no_step):
        tiny().fit([np.zeros((0, 2))] * 4)
    with pytest.raises(ValueError, match=no_step):
        est.partial_fit([np.zeros((0, 2))] * 3)
    # Real steps only in sequences of weight 0.
    with pytest.raises(ValueError, match=no_step):
        est.partial_fit([np.ones((3, 2)), np.zeros((0, 2))], sample_weight=[0, 1])
    np.testing.assert_array_equal(est.transform(seqs), codes)


def test_nan_inside_a_sequence_is_an_error_that_says_where(fitted):
    est, _ = fitted
    X = np.ones((3, 4, 2))
    X[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside a sequence \(sample 1, step 2\)"):
        est.transform(X)


def test_inverse_transform_pads_after_the_decoded_end(fitted):
    est, seqs = fitted
    decoded = est.inverse_transform(est.transform(seqs))
    assert decoded.shape == (len(seqs), est.n_timesteps_, 2)
    padding = (decoded == -7.0).all(axis=2)
    # Padding is a tail: once a step is padding, every later step is too.
    assert (np.diff(padding.astype(int), axis=1) >= 0).all()
    nan_est = tiny().fit(seqs)
    nan_decoded = nan_est.inverse_transform(nan_est.transform(seqs))
    assert (
        np.isnan(nan_decoded).all(axis=2) | ~np.isnan(nan_decoded).any(axis=2)
    ).all()


@pytest.mark.parametrize("patch_size", [1, 3])
def test_the_code_carries_the_length(patch_size):
    # Sequences that differ only in length; a small model learns to decode it,
    # also when a patch holds the end of one sequence and padding.
    rng = np.random.RandomState(0)
    lengths = rng.randint(1, 7, size=60)
    seqs = [np.full((n, 1), 0.5) for n in lengths]
    est = tiny(
        n_components=6, max_iter=150, batch_size=30, learning_rate_init=0.01,
        patch_size=patch_size,
    )  # fmt: skip
    decoded = est.fit(seqs).inverse_transform(est.transform(seqs))
    decoded_lengths = (~np.isnan(decoded[..., 0])).sum(axis=1)
    assert (decoded_lengths == lengths).mean() >= 0.95


def test_length_sorted_batches_equal_one_at_a_time_and_trace_once(ragged):
    """transform's speed-ups (length-sorted, cut batches; one trace) change nothing."""
    import keras

    from sklearn_lstm_ae import _backend, _sequences

    _, training = _backend.keras_modules()
    est = tiny().fit(ragged)
    padded = _sequences.to_padded(ragged)
    # Batches of 3 sequences: seven batches of several lengths and row counts.
    small = training.predict_sequences(
        est.encoder_, padded.values, padded.lengths, batch_size=3
    )
    whole = training.predict_sequences(est.encoder_, padded.values, padded.lengths)
    np.testing.assert_allclose(small, whole, atol=1e-6)
    one_at_a_time = np.concatenate([est.transform([s]) for s in ragged])
    np.testing.assert_allclose(est.transform(ragged), one_at_a_time, atol=1e-6)
    if keras.backend.backend() == "tensorflow":
        # Every shape above went through a single trace of the predict step.
        assert est.encoder_.predict_function.experimental_get_tracing_count() == 1


def test_a_fit_leaves_the_encoder_traced_for_transform(ragged):
    """Fit makes the encoder's predict step (its centring pass runs it), and
    transform reuses it: on TensorFlow traced once, for any shape."""
    import keras

    # A code width no other test uses: a model no transform has run on.
    est = tiny(n_components=9).fit(ragged)
    predict_function = est._entry.encoder.predict_function
    assert predict_function is not None
    tensorflow = keras.backend.backend() == "tensorflow"
    if tensorflow:
        assert predict_function.experimental_get_tracing_count() == 1
    codes = est.transform(ragged + [np.ones((40, 2))])
    assert codes.shape == (len(ragged) + 1, 9)
    assert est._entry.encoder.predict_function is predict_function
    if tensorflow:
        assert predict_function.experimental_get_tracing_count() == 1


def test_blocks_run_at_once_give_the_same_codes_in_order(ragged, monkeypatch):
    """Prediction blocks on several threads: the same results, bit for bit."""
    import keras

    from sklearn_lstm_ae import _backend, _sequences

    _, training = _backend.keras_modules()
    est = tiny().fit(ragged)
    padded = _sequences.to_padded(ragged)
    rows = [padded.values, padded.mask]
    monkeypatch.setattr(training, "_inter_op_threads", lambda: 1)
    one_thread = training.predict_sequences(
        est.encoder_, padded.values, padded.lengths, batch_size=2
    )
    whole = training.predict(est.model_, rows, batch_size=2)
    # Only TensorFlow runs blocks at once: JAX's predict step reuses (donates)
    # the model's state buffers, and another thread must not call it then.
    at_once = 3 if keras.backend.backend() == "tensorflow" else 1
    monkeypatch.setattr(training, "_inter_op_threads", lambda: at_once)
    np.testing.assert_array_equal(
        training.predict_sequences(
            est.encoder_, padded.values, padded.lengths, batch_size=2
        ),
        one_thread,
    )
    np.testing.assert_array_equal(
        training.predict(est.model_, rows, batch_size=2), whole
    )
    # Each sequence keeps its own code, as in one block of all of them.
    one_block = training.predict_sequences(
        est.encoder_, padded.values, padded.lengths, batch_size=64
    )
    np.testing.assert_allclose(one_thread, one_block, atol=1e-6)


def test_prediction_in_parts_gives_the_same_codes(ragged, monkeypatch):
    """TensorFlow: the fused LSTM's parts (one per inter-op thread) change
    no code, bit for bit: they are whole blocks of 64 rows."""
    import keras

    from sklearn_lstm_ae import _backend

    network, training = _backend.keras_modules()
    est = tiny().fit(ragged)
    X = ragged * 30  # 600 sequences: parts of several blocks of 64 rows
    monkeypatch.setattr(training, "_inter_op_threads", lambda: 1)
    parts = []
    part = network._block_lstm_call

    def spy(x, *args):
        parts.append(x)
        return part(x, *args)

    monkeypatch.setattr(network, "_block_lstm_call", spy)
    codes = {}
    for threads in (1, 3):
        monkeypatch.setattr(network, "inter_op_threads", lambda t=threads: t)
        est._entry.encoder.predict_function = None  # traced again, in parts
        codes[threads] = est.transform(X)
    if keras.backend.backend() == "tensorflow":
        assert len(parts) == 1 + 3  # traced once each time
    np.testing.assert_array_equal(codes[3], codes[1])


def test_prediction_threads_follow_the_backends_setting(monkeypatch):
    import keras

    from sklearn_lstm_ae import _backend

    _, training = _backend.keras_modules()
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "3")
    if keras.backend.backend() == "tensorflow":
        assert training._inter_op_threads() == 3
        monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "1")
        blocks = training._blocks_at_once(lambda b: b * 2, [1, 2, 3])
        assert list(blocks) == [2, 4, 6]
    else:  # other backends run one block at a time
        assert training._inter_op_threads() == 1
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "4")
    assert list(training._blocks_at_once(lambda b: -b, range(9))) == [
        -b for b in range(9)
    ]


def test_direct_calls_of_the_trace_give_keras_results(ragged):
    """transform calls its trace directly; Keras's own call gives the same."""
    from sklearn_lstm_ae import _backend, _sequences

    _, training = _backend.keras_modules()
    est = tiny().fit(ragged)
    encoder = est.encoder_
    padded = _sequences.to_padded(ragged)
    rows = [padded.values, padded.mask]
    expected = np.asarray(encoder.predict_on_batch(rows))
    np.testing.assert_allclose(training.predict(encoder, rows), expected, atol=1e-6)
    # A model whose predict function Keras replaces (as compiling it again
    # does) is traced again, not served from the old function's trace.
    encoder.predict_function = None
    np.testing.assert_allclose(training.predict(encoder, rows), expected, atol=1e-6)
    assert encoder.predict_function is not None


def test_patch_size_auto_reads_long_sequences_in_few_narrow_patches():
    rng = np.random.RandomState(0)
    short = tiny().fit(rng.normal(size=(8, 64, 1)))
    assert short.patch_size_ == 1  # the user's 10-step scenario: step by step
    long = tiny().fit([rng.normal(size=(n, 1)) for n in (10, 65, 300)])
    assert long.patch_size_ == 5  # ceil(300 / 64)
    assert long.transform([rng.normal(size=(700, 1))]).shape == (1, 4)
    assert tiny(patch_size=7).fit(rng.normal(size=(8, 10, 1))).patch_size_ == 7
    # Beyond 640 steps patches stay 10 wide up to 128 recurrent steps, then
    # widen again: ACSF1's 1,460 steps in 12-step patches, PigCVP's 2,000 in 16.
    lengths = [1, 64, 65, 640, 641, 1280, 1281, 1460, 2000, 10_000]
    assert [_auto_patch_size(n) for n in lengths] == [
        1,
        1,
        2,
        10,
        10,
        10,
        11,
        12,
        16,
        79,
    ]
    assert _auto_patch_size(0) == 1  # only empty training sequences
    longest = tiny(max_iter=1).fit([rng.normal(size=(n, 1)) for n in (5, 1460)])
    assert longest.patch_size_ == 12
