"""The estimator inside scikit-learn: pipelines, search, pickling, outputs."""

import gc
import os
import pickle
import random
import subprocess
import sys
import textwrap
import warnings
import weakref
from pathlib import Path

import joblib
import keras
import numpy as np
import pytest
from conftest import tiny, user_env
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC

from sklearn_lstm_ae import LSTMAutoencoderTransformer, _training
from sklearn_lstm_ae._estimator import DOCS_URL


def test_import_loads_neither_tensorflow_nor_keras():
    code = (
        "import sys; from sklearn_lstm_ae import LSTMAutoencoderTransformer; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def _fit_in_subprocess(env_update, backend="tensorflow", path=(), **params):
    code = textwrap.dedent(
        """
        import os, tempfile, warnings
        import numpy as np
        from sklearn.exceptions import ConvergenceWarning
        from sklearn_lstm_ae import LSTMAutoencoderTransformer
        X = np.random.RandomState(0).normal(size=(8, 3, 1))
        # One epoch never converges; only TensorFlow's own output is at stake.
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = LSTMAutoencoderTransformer(n_components=2, max_iter=1, random_state=0)
        est.set_params(**PARAMS).fit(X)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            est.save(path)
            loaded = LSTMAutoencoderTransformer.load(path)
        np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
        print("done")
        """
    )
    code = code.replace("**PARAMS", ", ".join(f"{k}={v!r}" for k, v in params.items()))
    # TensorFlow's own log lines are at stake, whatever backend the suite runs.
    env = user_env(**env_update, KERAS_BACKEND=backend)
    if path:
        env["PYTHONPATH"] = os.pathsep.join([*path, env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )


# On JAX, Keras's saving imports TensorFlow (installed with this package) to
# recognise its shapes: its banner would reach the user at the first save, or
# at the first fit of a bidirectional network (Keras's Bidirectional
# serialises its layers).
@pytest.mark.parametrize(
    "backend, params",
    [("tensorflow", {}), ("jax", {}), ("jax", {"bidirectional": True})],
    ids=["tensorflow", "jax", "jax-bidirectional"],
)
def test_fit_and_save_print_no_tensorflow_log_noise(backend, params):
    result = _fit_in_subprocess({}, backend, **params)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert result.stderr == ""


def test_save_on_jax_works_where_tensorflow_cannot_be_imported(tmp_path):
    # Keras saves without TensorFlow where importing it fails; so must save.
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text(
        "raise ImportError('this TensorFlow cannot be imported')\n"
    )
    result = _fit_in_subprocess({}, "jax", path=[str(tmp_path)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_user_tf_log_level_is_respected(backend):
    result = _fit_in_subprocess({"TF_CPP_MIN_LOG_LEVEL": "0"}, backend)
    assert result.returncode == 0, result.stderr
    # Level 0 asks for TensorFlow's informational messages; we do not hide them.
    assert "I0000" in result.stderr or "tensorflow" in result.stderr.lower()


def test_transform_shape_dtype_and_fit_transform_agree(X3):
    est = tiny().fit(X3)
    codes = est.transform(X3)
    assert codes.shape == (30, 4) and codes.dtype == np.float32
    np.testing.assert_array_equal(tiny().fit_transform(X3), codes)


@pytest.mark.parametrize(
    "params", [{}, {"cell": "gru"}, {"bidirectional": True, "n_components": 5},
               {"hidden_layer_sizes": (6, 3)},
               {"pooling": "last_mean_max", "n_components": 5}],
)  # fmt: skip
def test_code_is_n_components_wide_for_every_encoder(X3, params):
    est = tiny(**params).fit(X3)
    assert est.transform(X3).shape == (30, est.n_components)
    assert est.encoder_.output.shape[-1] == est.n_components


@pytest.mark.parametrize("pooling, units", [("mean_max", 3), ("last_mean_max", 2)])
def test_a_pooled_code_ignores_padding(ragged, pooling, units):
    est = tiny(n_components=6, pooling=pooling).fit(ragged)
    assert est.encoder_.get_layer("encoder_0").units == units  # a part each
    padded = np.full((len(ragged), 9, 2), np.nan)
    for row, seq in zip(padded, ragged, strict=True):
        row[: len(seq)] = seq
    codes = est.transform(ragged)
    np.testing.assert_allclose(est.transform(padded), codes, atol=1e-6)
    # The network's own codes, before transform centres them: an empty
    # sequence's is zero.
    network = codes * est.code_scale_ + est.code_mean_
    assert (np.abs(network[[len(s) > 0 for s in ragged]]).max(axis=1) > 0).all()
    np.testing.assert_allclose(network[[len(s) == 0 for s in ragged]], 0.0, atol=1e-6)


def test_code_scaling_decides_the_size_of_each_code(X3):
    # Sequences at three amplitudes, so the codes' own sizes differ.
    X = X3 * np.repeat([0.1, 1.0, 10.0], 10)[:, None, None].astype(np.float32)
    codes, rms = {}, {}
    for scaling in ("sample", "batch", None):
        est = tiny(n_components=6, code_scaling=scaling, standardize=False).fit(X)
        # The network's codes, which transform returns centred.
        codes[scaling] = est.transform(X) * est.code_scale_ + est.code_mean_
        rms[scaling] = np.sqrt((codes[scaling] ** 2).mean(axis=1))
        assert est.inverse_transform(est.transform(X)).shape == X.shape
        if scaling == "sample":
            learned_scale = np.asarray(est.encoder_.get_layer("code").weights[0])
    # Per sample: every code at unit root-mean-square, up to the learned
    # per-unit scale (which starts at 1 and moves a little in training) and,
    # for the smallest sequences, whose recurrent outputs are tiny, the
    # normalisation's epsilon.
    assert np.abs(learned_scale - 1.0).max() < 0.1
    unscaled = np.sqrt(((codes["sample"] / learned_scale) ** 2).mean(axis=1))
    np.testing.assert_allclose(unscaled[10:], 1.0, atol=1e-3)
    assert (unscaled[:10] > 0.9).all() and (unscaled[:10] < 1.0 + 1e-3).all()
    # One number for all: codes keep their different sizes, at about unit
    # root-mean-square over the training set.
    assert rms["batch"].std() > 0.1
    assert np.sqrt((rms["batch"] ** 2).mean()) == pytest.approx(1.0, abs=0.25)
    # No scaling: the pooled recurrent outputs themselves, all inside (-1, 1).
    assert np.abs(codes[None]).max() < 1.0 < np.abs(codes["sample"]).max()
    assert rms[None].std() > 0.01


def test_transform_centres_the_network_codes_on_the_training_set(X3):
    weights = np.repeat([0.0, 1.0, 3.0], 10)
    est = tiny(n_components=6).fit(X3, sample_weight=weights)
    codes = est.transform(X3)
    # Over the training sequences, as they weigh: mean 0, and each unit
    # varies by 1 on average.
    np.testing.assert_allclose(np.average(codes, axis=0, weights=weights), 0, atol=1e-5)
    mean_square = np.average(np.square(codes), axis=0, weights=weights).mean()
    assert mean_square == pytest.approx(1.0, rel=1e-4)
    assert np.abs(codes[:10]).max() > 0  # unweighted sequences still get codes
    # The network's codes, moved and scaled by one number for all units.
    values = (X3 - est.channel_mean_) / est.channel_scale_
    network = est.encoder_.predict([values, np.ones(X3.shape[:2], bool)], verbose=0)
    assert est.code_scale_ != 1.0 and np.abs(est.code_mean_).max() > 0.1
    np.testing.assert_allclose(
        codes, (network - est.code_mean_) / est.code_scale_, atol=1e-5
    )
    # inverse_transform decodes what the encoder made.
    decoded = est.decoder_.predict(network, verbose=0)[..., :-1]
    np.testing.assert_allclose(
        est.inverse_transform(codes),
        decoded * est.channel_scale_ + est.channel_mean_,
        atol=1e-5,
    )


def test_codes_that_do_not_differ_leave_the_centring_as_it_was(X3):
    est = tiny(n_components=6)
    est.partial_fit(X3[:1])  # one sequence: nothing to centre on
    np.testing.assert_array_equal(est.code_mean_, 0.0)
    assert est.code_scale_ == 1.0
    est.partial_fit(X3)
    centre = est.code_mean_.copy(), est.code_scale_
    assert np.abs(centre[0]).max() > 0 and centre[1] != 1.0
    est.partial_fit(X3[:1])
    np.testing.assert_array_equal(est.code_mean_, centre[0])
    assert est.code_scale_ == centre[1]
    assert np.abs(est.transform(X3[:1])).max() > 0  # not mapped to 0


def test_a_default_svc_reads_the_centred_codes_better():
    # Two classes of noisy sines that differ in frequency. Codes of unit size
    # sit far from the origin and differ little around their mean, and an RBF
    # SVC at its defaults sets gamma="scale" from the variance around the
    # origin: on the network's codes it mostly sees one point (on the quality
    # benchmark's GunPoint it predicted one class), on the centred ones not.
    # Seeds 0 to 4 here: 0.925 to 0.975 centred, 0.6 to 0.975 not (TensorFlow);
    # with JAX seed 0 gives 0.9 centred and 0.6 not.
    rng = np.random.RandomState(0)
    t = np.arange(24)
    y = np.tile([0, 1], 40)
    X = np.sin(t * np.where(y, 0.6, 0.3)[:, None] + rng.uniform(0, 6, (80, 1)))
    X = (X + 0.3 * rng.normal(size=X.shape))[..., None].astype(np.float32)
    est = tiny(n_components=16, max_iter=20).fit(X[:40])
    train, test = est.transform(X[:40]), est.transform(X[40:])
    centred = SVC().fit(train, y[:40]).score(test, y[40:])
    network = [codes * est.code_scale_ + est.code_mean_ for codes in (train, test)]
    uncentred = SVC().fit(network[0], y[:40]).score(network[1], y[40:])
    assert centred >= 0.9 and uncentred < centred - 0.1


def test_submodels_share_weights_with_the_autoencoder(X3):
    est = tiny(hidden_layer_sizes=(3,)).fit(X3)
    for name in ("encoder_0", "encoder_1"):
        assert est.encoder_.get_layer(name) is est.model_.get_layer(name)
    for name in ("decoder_0", "decoder_1", "decoder_values", "decoder_exists"):
        assert est.decoder_.get_layer(name) is est.model_.get_layer(name)


def test_same_random_state_is_bit_identical_and_leaves_global_state(X3):
    import keras  # noqa: F401 (the state checked below exists once keras is in)

    np_state, py_state = np.random.get_state(), random.getstate()
    first = tiny(dropout=0.2, recurrent_dropout=0.2).fit_transform(X3)
    second = tiny(dropout=0.2, recurrent_dropout=0.2).fit_transform(X3)
    np.testing.assert_array_equal(first, second)
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1])
    assert random.getstate() == py_state
    from keras.src.backend.common import global_state

    assert global_state.get_global_attribute("global_random_seed") is None


def test_different_random_states_give_different_embeddings(X3):
    assert not np.allclose(
        tiny(random_state=0).fit_transform(X3), tiny(random_state=1).fit_transform(X3)
    )


def test_a_reused_cached_model_gives_the_same_result_as_a_new_one(X3):
    fresh = tiny(n_components=7).fit_transform(X3)  # a new model for this shape
    est = tiny(n_components=7)
    est.fit(X3)
    est.fit(X3[::-1])  # the same cached model, re-initialised in between
    np.testing.assert_array_equal(est.fit(X3).transform(X3), fresh)


def _codes(encoder, X):
    return encoder.predict_on_batch([X, np.ones(X.shape[:2], bool)])


def _outputs(model, X):
    """What a kept Keras model gives: sequences in, or codes in (the decoder)."""
    if len(model.inputs) == 1:
        return model.predict_on_batch(np.linspace(-1, 1, 5 * 3).reshape(3, 5))
    return _codes(model, X)


@pytest.mark.parametrize("held", ["model_", "encoder_", "decoder_"])
def test_a_model_the_user_holds_is_never_reinitialised(X3, held):
    est = tiny(n_components=5).fit(X3)
    kept = getattr(est, held)
    outputs = _outputs(kept, X3)
    del est
    gc.collect()
    # Another estimator of the same architecture, then a refit of it.
    other = tiny(n_components=5, random_state=1).fit(X3)
    other.fit(X3[::-1])
    np.testing.assert_array_equal(_outputs(kept, X3), outputs)
    assert kept not in (other._entry.model, other._entry.encoder)


class _KeepTheModel(keras.callbacks.Callback):
    kept = []

    def on_train_end(self, logs=None):
        _KeepTheModel.kept.append(self.model)


def test_a_model_shown_to_callbacks_is_never_reinitialised(X3):
    _KeepTheModel.kept = []
    est = tiny(n_components=5, callbacks=[_KeepTheModel()]).fit(X3)
    (model,) = _KeepTheModel.kept
    outputs = _outputs(model, X3)
    del est
    gc.collect()
    tiny(n_components=5, random_state=1).fit(X3)
    np.testing.assert_array_equal(_outputs(model, X3), outputs)
    _KeepTheModel.kept = []


def test_a_refit_leaves_the_encoder_the_user_kept(X3):
    est = tiny(n_components=5).fit(X3)
    encoder = est.encoder_
    codes = _codes(encoder, X3)
    est.fit(X3[::-1])  # same architecture: would reuse its own model
    np.testing.assert_array_equal(_codes(encoder, X3), codes)
    assert est.encoder_ is not encoder
    assert not np.array_equal(est.transform(X3), codes)


def test_models_no_user_code_has_seen_are_still_reused(X3):
    est = tiny(n_components=5).fit(X3)
    model = est._entry.model  # private: reading model_ would keep it out
    codes = est.transform(X3)
    del est
    gc.collect()
    other = tiny(n_components=5).fit(X3)
    assert other._entry.model is model
    np.testing.assert_array_equal(other.transform(X3), codes)


class _Owner:  # an estimator, to the cache
    pass


class _Entry:  # a model no user code has seen
    exposed = False


def test_the_cache_keeps_the_models_returned_last_and_frees_the_others():
    cache = _training.ModelCache(max_free=2)

    owners, entries = [_Owner() for _ in range(3)], []
    for key, owner in zip("abc", owners, strict=True):
        entry, _ = cache.lend(owner, key, _Entry)
        entries.append(weakref.ref(entry))
    del entry, owner
    owners.pop(0)  # "a" goes back first, then the other two: "a" makes room
    owners.clear()
    gc.collect()
    assert [cache.n_free(key) for key in "abc"] == [0, 1, 1]
    assert entries[0]() is None and entries[2]() is not None
    # Lending "b" again takes the model waiting for it.
    holder = _Owner()
    reused, _ = cache.lend(holder, "b", lambda: None)
    assert reused is entries[1]() and cache.n_free("b") == 0
    assert _training.MODELS._max_free == _training.MAX_FREE_MODELS


def test_a_lease_run_while_the_cache_is_locked_does_not_wait_for_the_lock():
    # The garbage collector can run an estimator's lease in the middle of
    # the cache's own work, in the thread that holds its lock.
    import threading

    cache = _training.ModelCache(max_free=1)

    owners = [_Owner(), _Owner()]
    for key, owner in zip("ab", owners, strict=True):
        cache.lend(owner, key, _Entry)
    del owner
    done = threading.Event()

    def return_both_inside_the_lock():
        with cache._lock:
            owners.clear()
            done.set()

    thread = threading.Thread(target=return_both_inside_the_lock, daemon=True)
    thread.start()
    thread.join(10)
    assert done.is_set()
    assert cache.n_free("a") + cache.n_free("b") == 1


def test_a_model_pushed_out_of_the_cache_is_freed(X3, monkeypatch):
    monkeypatch.setattr(_training.MODELS, "_max_free", 1)
    first = tiny(n_components=3).fit(X3)
    model = weakref.ref(first._entry.model)
    del first
    tiny(n_components=4).fit(X3)  # its estimator dies at once: it pushes out the first
    gc.collect()
    assert model() is None


def test_two_d_rows_with_n_timesteps_equal_three_d(X3):
    rows = X3.reshape(30, -1)
    est2 = tiny(n_timesteps=6).fit(rows)
    assert est2.n_features_in_ == 12 and est2.n_channels_ == 2
    est3 = tiny().fit(X3)
    assert est3.n_features_in_ == 2
    np.testing.assert_array_equal(est2.transform(rows), est3.transform(X3))
    # A model fitted on rows also takes the same sequences in 3-D form.
    np.testing.assert_array_equal(est2.transform(X3), est2.transform(rows))
    assert est2.inverse_transform(est2.transform(rows)).shape == (30, 12)
    assert est3.inverse_transform(est3.transform(X3)).shape == (30, 6, 2)


def test_two_d_rows_without_n_timesteps_are_univariate():
    X = np.random.RandomState(0).normal(size=(20, 5))
    est = tiny().fit(X)
    assert (est.n_timesteps_, est.n_channels_, est.n_features_in_) == (5, 1, 5)
    np.testing.assert_array_equal(est.transform(X), est.transform(X[:, :, None]))


def test_channels_first_reads_the_same_sequences_as_channels_last(X3, ragged):
    channels_first = tiny(data_format="channels_first")
    aeon_style = X3.transpose(0, 2, 1)  # (30, 2, 6): channels before steps
    est_first, est_last = clone(channels_first).fit(aeon_style), tiny().fit(X3)
    assert (est_first.n_timesteps_, est_first.n_channels_) == (6, 2)
    codes = est_last.transform(X3)
    np.testing.assert_array_equal(est_first.transform(aeon_style), codes)
    assert est_first.score(aeon_style) == est_last.score(X3)
    decoded = est_first.inverse_transform(codes)
    np.testing.assert_array_equal(
        decoded, est_last.inverse_transform(codes).transpose(0, 2, 1)
    )
    # Lists of (n_channels, length_i) arrays, and rows of one channel after
    # another, are the same data again.
    ragged_first = [seq.T for seq in ragged]
    np.testing.assert_array_equal(
        clone(channels_first).fit(ragged_first).transform(ragged_first),
        tiny().fit(ragged).transform(ragged),
    )
    rows = aeon_style.reshape(30, -1)
    est_rows = clone(channels_first).set_params(n_timesteps=6).fit(rows)
    np.testing.assert_array_equal(est_rows.transform(rows), codes)
    np.testing.assert_array_equal(
        est_rows.inverse_transform(codes), decoded.reshape(30, -1)
    )


def test_one_step_input_warns_and_names_the_other_layout():
    gunpoint_like = np.random.RandomState(0).normal(size=(12, 1, 9))
    with pytest.warns(UserWarning, match="1 step with 9 channels.*'channels_first'"):
        tiny().fit(gunpoint_like)
    with warnings.catch_warnings():
        # Only the layout warning is at stake: 2 epochs do not converge.
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = tiny(data_format="channels_first").fit(gunpoint_like)
        est.transform(gunpoint_like)
    assert (est.n_timesteps_, est.n_channels_) == (9, 1)


def test_one_univariate_sequence_as_a_column_warns_and_says_how_to_pass_it():
    X = np.random.RandomState(0).normal(size=(6, 9, 1))
    est = tiny().fit(X)
    column = X[0]  # (9, 1): a 2-D table, one 1-step sequence per row
    match = (
        r"X is a 2-D array of shape \(9, 1\), read as 9 sequences of 1 step "
        r"\(one per row\), but LSTMAutoencoderTransformer was fitted on sequences "
        r"of up to 9 steps\. To give one sequence .*\[seq\], or as seq\[np.newaxis\]"
    )
    for method in ("transform", "score_samples"):
        with pytest.warns(UserWarning, match=match) as record:
            out = getattr(est, method)(column)
        assert record[0].filename == __file__  # points at the caller
        np.testing.assert_array_equal(out, getattr(est, method)(column[:, None, :]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # wider rows, or the sequence itself: silent
        est.transform(X[:, :, 0])
        est.transform([column])


def test_nested_dataframe_embeds_like_the_list_of_sequences(ragged):
    pd = pytest.importorskip("pandas")
    nested = pd.DataFrame(
        [[pd.Series(seq[:, c]) for c in range(2)] for seq in ragged],
        columns=["dim_0", "dim_1"],
    )
    est = tiny().fit(nested)
    assert est.n_features_in_ == 2 and not hasattr(est, "feature_names_in_")
    np.testing.assert_array_equal(est.transform(nested), est.transform(ragged))
    # Its columns are channels in either data_format.
    np.testing.assert_array_equal(
        tiny(data_format="channels_first").fit(nested).transform(nested),
        est.transform(ragged),
    )


def test_n_timesteps_must_divide_the_columns():
    with pytest.raises(ValueError, match="n_timesteps=4 does not divide the 6"):
        tiny(n_timesteps=4).fit(np.zeros((5, 6)))


def test_score_and_score_samples_are_negative_mse_at_real_steps(X3):
    est = tiny(loss="mae").fit(X3)  # scored by squared error whatever the loss
    decoded = est.inverse_transform(est.transform(X3))
    per_sequence = ((decoded - X3) ** 2).mean(axis=(1, 2))
    np.testing.assert_allclose(est.score_samples(X3), -per_sequence, rtol=1e-5)
    np.testing.assert_allclose(est.score(X3), -per_sequence.mean(), rtol=1e-5)
    assert est.score(X3) < 0


def test_an_empty_sequence_scores_zero_not_minus_zero(X3):
    est = tiny().fit(X3)
    empty = np.zeros((0, X3.shape[2]))
    scores = est.score_samples([empty, X3[0]])
    assert scores[0] == 0 and not np.signbit(scores[0]) and scores[1] < 0
    score = est.score([empty])
    assert score == 0 and not np.signbit(score) and str(score) == "0.0"


def test_loss_auto_picks_binary_crossentropy_for_zero_one_data(X3):
    binary = (X3 > 0).astype(np.float32)
    est = tiny().fit(binary)
    assert est.loss_ == "binary_crossentropy"
    decoded = est.inverse_transform(est.transform(binary))
    assert decoded.min() >= 0 and decoded.max() <= 1
    assert tiny().fit(X3).loss_ == "mse"


def test_binary_crossentropy_refuses_data_outside_zero_one(X3):
    with pytest.raises(ValueError, match=r"needs values in \[0, 1\]"):
        tiny(loss="binary_crossentropy").fit(X3)


def test_feature_names_and_pandas_output(X3):
    pd = pytest.importorskip("pandas")
    est = tiny().set_output(transform="pandas").fit(X3)
    out = est.transform(X3)
    assert isinstance(out, pd.DataFrame)
    expected = [f"lstmautoencodertransformer{i}" for i in range(4)]
    assert list(out.columns) == expected
    assert list(est.get_feature_names_out()) == expected


def test_dataframe_rows_record_feature_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        np.random.RandomState(0).normal(size=(12, 4)), columns=list("abcd")
    )
    est = tiny().fit(df)
    assert list(est.feature_names_in_) == list("abcd")
    # Refitting on sequences forgets the column names.
    assert not hasattr(tiny().fit(df).fit(np.zeros((3, 2, 1))), "feature_names_in_")


def test_pipeline_with_kmeans(X3):
    pipe = Pipeline(
        [("embed", tiny()), ("cluster", KMeans(2, n_init=2, random_state=0))]
    )
    labels = pipe.fit_predict(X3)
    assert labels.shape == (30,) and set(labels) <= {0, 1}


def test_grid_search_over_a_pipeline_in_two_processes():
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(0, 1, (20, 5, 1)), rng.normal(3, 1, (20, 5, 1))])
    y = np.repeat([0, 1], 20)
    pipe = Pipeline([("embed", tiny()), ("clf", LogisticRegression())])
    search = GridSearchCV(pipe, {"embed__n_components": [2, 3]}, cv=2, n_jobs=2)
    search.fit(X, y)
    assert search.best_params_["embed__n_components"] in (2, 3)
    assert search.best_score_ > 0.8
    assert search.predict(X).shape == (40,)


def test_grid_search_on_the_transformer_alone_uses_its_score(X3):
    search = GridSearchCV(tiny(), {"n_components": [2, 4]}, cv=2)
    search.fit(X3)
    assert set(search.cv_results_["mean_test_score"] < 0) == {True}
    assert search.best_estimator_.n_components in (2, 4)


def test_clone_of_a_fitted_estimator_is_unfitted_with_equal_params(X3):
    est = tiny().fit(X3)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "model_")


@pytest.mark.parametrize(
    "fitted, params",
    [(False, {}), (True, {}), (True, {"code_scaling": "batch"})],
)
def test_pickle_and_joblib_round_trips(X3, tmp_path, fitted, params):
    est = tiny(**params)
    if fitted:
        est.fit(X3)
    for restored in (
        pickle.loads(pickle.dumps(est)),
        joblib.load(joblib.dump(est, tmp_path / "est.joblib")[0]),
    ):
        assert restored.get_params() == est.get_params()
        if fitted:
            np.testing.assert_array_equal(restored.transform(X3), est.transform(X3))
            # The restored sub-models share weights again.
            assert restored.encoder_.get_layer(
                "encoder_0"
            ) is restored.model_.get_layer("encoder_0")


def test_unpickling_in_a_fresh_process_transforms_identically(X3, tmp_path):
    est = tiny().fit(X3)
    np.save(tmp_path / "X.npy", X3)
    np.save(tmp_path / "expected.npy", est.transform(X3))
    (tmp_path / "est.pkl").write_bytes(pickle.dumps(est))
    code = textwrap.dedent(
        f"""
        import pickle, numpy as np
        est = pickle.loads(open({str(tmp_path / "est.pkl")!r}, "rb").read())
        X = np.load({str(tmp_path / "X.npy")!r})
        expected = np.load({str(tmp_path / "expected.npy")!r})
        print(np.array_equal(est.transform(X), expected))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


def test_pickle_holds_weights_not_three_copies_of_the_model(X3):
    est = tiny(n_components=32).fit(X3)
    n_weights = sum(v.numpy().nbytes for v in est.model_.variables)
    assert len(pickle.dumps(est)) < 1.5 * n_weights + 20_000


def test_function_transformer_in_front_of_the_embedding(X3):
    pipe = Pipeline(
        [("scale", FunctionTransformer(lambda X: X * 2.0)), ("embed", tiny())]
    )
    assert pipe.fit_transform(X3).shape == (30, 4)


def test_estimator_is_documented():
    assert "Examples" in LSTMAutoencoderTransformer.__doc__


def test_html_repr_question_mark_links_to_our_api_page():
    est = LSTMAutoencoderTransformer()
    link = est._get_doc_link()
    page = "gen_modules/sklearn_lstm_ae.LSTMAutoencoderTransformer.html"
    assert link.startswith(DOCS_URL.split("{")[0]) and link.endswith(page)
    assert f'href="{link}"' in est._repr_html_()
    # The page is one that docs/api.rst has autosummary write.
    api = (Path(__file__).parents[1] / "docs" / "api.rst").read_text()
    assert ":toctree: gen_modules/" in api
    assert "currentmodule:: sklearn_lstm_ae\n" in api
    assert "\n   LSTMAutoencoderTransformer\n" in api


def test_channels_are_standardised_on_real_steps_and_restored(ragged):
    scaled = [s * [10.0, 0.1] + [5.0, -3.0] for s in ragged]
    est = tiny().fit(scaled)
    real = np.concatenate([s for s in scaled if len(s)])
    np.testing.assert_allclose(est.channel_mean_, real.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(est.channel_scale_, real.std(axis=0), rtol=1e-5)
    # Decoded values come back in the data's units.
    fixed = tiny().fit(X := np.stack([s for s in scaled if len(s) == 6]))
    codes = fixed.transform(X)
    network = codes * fixed.code_scale_ + fixed.code_mean_  # the decoder reads
    raw = fixed.decoder_.predict_on_batch(network)[..., :2]
    np.testing.assert_allclose(
        fixed.inverse_transform(codes),
        raw * fixed.channel_scale_ + fixed.channel_mean_,
        rtol=1e-5,
    )
    # Padding does not count: trailing NaN steps leave the statistics alone.
    padded = np.full((len(scaled), 20, 2), np.nan)
    for i, s in enumerate(scaled):
        padded[i, : len(s)] = s
    np.testing.assert_allclose(tiny().fit(padded).channel_mean_, est.channel_mean_)


def test_standardize_auto_leaves_binary_data_alone(X3):
    est = tiny().fit((X3 > 0).astype(np.float32))
    np.testing.assert_array_equal(est.channel_mean_, 0.0)
    np.testing.assert_array_equal(est.channel_scale_, 1.0)
    off = tiny(standardize=False).fit(X3)
    np.testing.assert_array_equal(off.channel_scale_, 1.0)
    with pytest.raises(ValueError, match="standardize=True cannot be combined"):
        tiny(standardize=True, loss="binary_crossentropy").fit(X3 > 0)


def test_standardize_auto_reads_each_sequence_alone_where_sizes_spread_widely():
    rng = np.random.RandomState(0)
    shapes = rng.normal(size=(24, 9, 2)).astype(np.float32)
    spread = shapes * np.logspace(-2, 2, 24, dtype=np.float32)[:, None, None]
    auto = tiny().fit(spread)
    assert auto.standardize_ == "sequence"
    by_sequence = tiny(standardize="sequence").fit(spread)
    np.testing.assert_array_equal(auto.transform(spread), by_sequence.transform(spread))
    assert auto.score(spread) == by_sequence.score(spread)
    # Sizes within a factor of 100: each channel as a whole, as with True.
    near = shapes * np.linspace(1, 20, 24, dtype=np.float32)[:, None, None]
    auto = tiny().fit(near)
    assert auto.standardize_ is True
    np.testing.assert_array_equal(
        auto.transform(near), tiny(standardize=True).fit(near).transform(near)
    )
    assert tiny(standardize=False).fit(spread).standardize_ is False
    assert tiny().fit((shapes > 0).astype(np.float32)).standardize_ is False
    # A warm start keeps the fit's choice, whatever the new data.
    warm = tiny(warm_start=True).fit(spread)
    assert warm.fit(near).standardize_ == "sequence"


# Each parameter as a NumPy scalar (or array), with values a float32 holds exactly
# (recurrent_dropout at 0, bidirectional off: their slower networks would add
# seconds and test nothing more).
NUMPY_PARAMS = dict(
    n_components=np.int64(4), hidden_layer_sizes=np.array([3]),
    bidirectional=np.bool_(False), dropout=np.float32(0.25),
    recurrent_dropout=np.float32(0.0), n_timesteps=np.int32(3),
    mask_value=np.float32(-1.0), standardize=np.bool_(True),
    learning_rate_init=np.float32(2**-9), batch_size=np.int64(8),
    max_iter=np.int64(3), shuffle=np.bool_(False), tol=np.float32(0.0),
    early_stopping=np.bool_(True), validation_fraction=np.float32(0.25),
    n_iter_no_change=np.int64(2), warm_start=np.bool_(False),
    random_state=np.int64(0), verbose=np.int64(0),
)  # fmt: skip


def test_every_parameter_accepts_numpy_scalars_as_python_numbers():
    table = np.random.RandomState(0).normal(size=(20, 6))
    as_numpy = LSTMAutoencoderTransformer(**NUMPY_PARAMS).fit(table)
    codes, n_iter = as_numpy.transform(table), as_numpy.n_iter_
    key = as_numpy._entry.key
    assert type(as_numpy._entry.arch.n_components) is int
    del as_numpy  # its network goes back to the cache, for the next fit to reuse
    python = {name: value.tolist() for name, value in NUMPY_PARAMS.items()}
    as_python = LSTMAutoencoderTransformer(**python).fit(table)
    np.testing.assert_array_equal(as_python.transform(table), codes)
    assert as_python.n_iter_ == n_iter
    # One cache key for both, so a grid's result never depends on history.
    assert as_python._entry.key == key


def test_standardize_as_a_numpy_bool_still_refuses_binary_crossentropy(X3):
    with pytest.raises(ValueError, match="standardize=True cannot be combined"):
        tiny(standardize=np.bool_(True), loss="binary_crossentropy").fit(X3 > 0)


def test_grid_of_numpy_integers_in_a_fresh_process():
    # A fresh process has an empty model cache: nothing built from a Python
    # int can stand in for the np.int64 values of the grid.
    code = textwrap.dedent(
        """
        import numpy as np
        from sklearn.model_selection import GridSearchCV
        from sklearn_lstm_ae import LSTMAutoencoderTransformer
        X = np.random.RandomState(0).normal(size=(20, 5, 2))
        est = LSTMAutoencoderTransformer(max_iter=1, batch_size=16, random_state=0)
        grid = {"n_components": np.arange(3, 5)}
        search = GridSearchCV(est, grid, cv=2, error_score="raise").fit(X)
        print(search.best_estimator_.transform(X).shape)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() in ("(20, 3)", "(20, 4)"), out.stderr[-2000:]


class _PickleTheEstimator(keras.callbacks.Callback):
    """Pickle ``PICKLED_DURING_FIT["est"]`` after every epoch, as a checkpointing
    callback might (the estimator is looked up, so copies of the callback share it)."""

    def on_epoch_end(self, epoch, logs=None):
        PICKLED_DURING_FIT["pickles"].append(pickle.dumps(PICKLED_DURING_FIT["est"]))


PICKLED_DURING_FIT = {}


def test_a_pickle_taken_during_fit_holds_the_estimator_from_before_the_fit(X3):
    est = tiny(callbacks=[_PickleTheEstimator()])
    PICKLED_DURING_FIT.update(est=est, pickles=[])
    est.fit(X3)
    during_first = pickle.loads(PICKLED_DURING_FIT["pickles"][-1])
    assert not hasattr(during_first, "n_iter_")
    with pytest.raises(NotFittedError):
        during_first.transform(X3)

    codes, first_curve = est.transform(X3), est.loss_curve_
    PICKLED_DURING_FIT["pickles"] = []
    est.set_params(max_iter=3, tol=0.0).fit(X3[:, ::-1])
    during_refit = pickle.loads(PICKLED_DURING_FIT["pickles"][-1])
    assert during_refit.n_iter_ == 2 and during_refit.loss_curve_ == first_curve
    np.testing.assert_array_equal(during_refit.transform(X3), codes)
    assert est.n_iter_ == 3  # the fit itself went on undisturbed
    PICKLED_DURING_FIT.clear()


def test_standardize_sequence_reads_each_sequence_in_its_own_units():
    rng = np.random.RandomState(0)
    shapes = rng.normal(size=(12, 9, 2))
    # The same shapes at levels and sizes that differ by orders of magnitude
    # (within what float32, in which sequences are read, keeps exact enough).
    sizes = 10.0 ** rng.uniform(-2, 2, size=(12, 1, 2))
    levels = rng.uniform(-10, 10, size=(12, 1, 2))
    est = tiny(standardize="sequence").fit(shapes)
    np.testing.assert_allclose(
        est.transform(shapes * sizes + levels), est.transform(shapes), atol=1e-4
    )
    np.testing.assert_array_equal(est.channel_mean_, 0.0)
    np.testing.assert_array_equal(est.channel_scale_, 1.0)
    # score and inverse_transform work in each sequence's standardised units.
    z = (shapes - shapes.mean(axis=1, keepdims=True)) / shapes.std(
        axis=1, keepdims=True
    )
    decoded = est.inverse_transform(est.transform(shapes))
    expected = -np.mean((decoded - z) ** 2)
    assert est.score(shapes * sizes + levels) == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match="standardize='sequence' cannot be combined"):
        tiny(standardize="sequence", loss="binary_crossentropy").fit(
            (shapes > 0).astype(float)
        )
