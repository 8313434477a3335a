"""Training control: stopping rules, history, callbacks, warm starts, progress."""

import io
import pickle
import re
import signal
import sys
import textwrap
import threading
import types
import warnings
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import pytest
from conftest import run_on_jax, tiny
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklearn_lstm_ae import _network, _sequences, _training


def test_history_loss_curve_and_n_iter_agree(X3):
    est = tiny(max_iter=3, tol=0.0).fit(X3)
    assert list(est.history_) == ["loss"]
    assert est.loss_curve_ == est.history_["loss"]
    assert est.n_iter_ == 3 == len(est.loss_curve_)
    assert all(isinstance(v, float) for v in est.loss_curve_)


def test_tol_stops_on_the_training_loss_like_mlp(X3):
    # After the first epoch none can improve the loss by 1e6: stop after
    # n_iter_no_change more.
    est = tiny(max_iter=50, tol=1e6, n_iter_no_change=2).fit(X3)
    assert est.n_iter_ == 3


def test_an_improvement_is_a_loss_at_least_tol_below_the_best_so_far():
    rule = _training.StopOnPlateau("loss", tol=0.25, patience=2, restore_best=False)
    rule.set_model(types.SimpleNamespace(stop_training=False))
    # 1.75 and 1.5 are exactly tol below the best: improvements. 1.375 is not,
    # but becomes the best; 1.25 is not tol below it: the second in a row.
    stopped_after = []
    for epoch, loss in enumerate([2.0, 1.75, 1.5, 1.375, 1.25]):
        rule.on_epoch_end(epoch, {"loss": loss})
        stopped_after.append(rule.model.stop_training)
    assert stopped_after == [False, False, False, False, True]
    assert rule.stopped and rule.best == 1.25


def test_fit_warns_when_max_iter_ends_training_before_the_stopping_rule(X3):
    with pytest.warns(ConvergenceWarning, match=r"ran all max_iter=2 epochs.*tol="):
        est = tiny(max_iter=2, tol=0.0).fit(X3)
    assert est.n_iter_ == 2


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("max_iter", [2, 50])
def test_no_convergence_warning_when_the_stopping_rule_fires(
    X3, early_stopping, max_iter
):
    # tol=1e6: no epoch after the first counts as an improvement, so the rule
    # fires at epoch 2, which is also the last one for max_iter=2.
    est = tiny(
        max_iter=max_iter, tol=1e6, n_iter_no_change=1, early_stopping=early_stopping
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X3)
    assert est.n_iter_ == 2


def test_partial_fit_never_warns_about_convergence(X3):
    est = tiny(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.partial_fit(X3).partial_fit(X3)
    assert est.n_iter_ == 2


def test_early_stopping_validates_and_restores_the_best_weights(X3):
    est = tiny(max_iter=6, early_stopping=True, validation_fraction=0.2, tol=0.0)
    est.fit(X3)
    assert set(est.history_) == {"loss", "val_loss"}
    assert len(est.history_["val_loss"]) == est.n_iter_
    # The kept weights are those of the best validation epoch: re-scoring the
    # held-out part gives the best recorded validation loss.
    held_out = (X3[_held_out_rows(est, X3)] - est.channel_mean_) / est.channel_scale_
    val_loss = est.model_.evaluate(
        [held_out, np.ones(held_out.shape[:2], bool)],
        # The target: the values, the mask and each sequence's weight.
        np.concatenate([held_out, np.ones((*held_out.shape[:2], 2), np.float32)], -1),
        verbose=0,
    )
    np.testing.assert_allclose(val_loss, min(est.history_["val_loss"]), rtol=1e-4)


def _held_out_rows(est, X, weights=None):
    """The rows of ``X`` that a fit with early stopping held out: the first of
    a seeded permutation of the training rows, in the fit's order."""
    weights = np.ones(len(X)) if weights is None else weights
    _, _, rows = _sequences.training_rows(_sequences.to_padded(X), weights)
    n_val = max(1, int(round(est.validation_fraction * len(rows))))
    order = np.random.RandomState(est._run_seed(0)).permutation(len(rows))
    return rows[order[:n_val]]


def test_early_stopping_stops_after_n_iter_no_change(X3):
    est = tiny(max_iter=40, early_stopping=True, tol=1e6, n_iter_no_change=3)
    assert est.fit(X3).n_iter_ == 4


def test_early_stopping_needs_two_sequences():
    with pytest.raises(ValueError, match="needs at least 2 sequences"):
        tiny(early_stopping=True).fit(np.zeros((1, 3, 1)))


class _Counter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


def test_user_callbacks_run_on_copies(X3):
    counter = _Counter()
    est = tiny(max_iter=2, callbacks=[counter]).fit(X3)
    est.fit(X3)
    assert counter.epochs == 0 and counter.model is None  # the original is untouched
    assert est.callbacks[0] is counter


class _Recorder(keras.callbacks.Callback):
    seen = []

    def on_train_begin(self, logs=None):
        # The object itself: an id can be reused once the copy is freed.
        _Recorder.seen.append(self)


def test_each_fit_gets_fresh_callback_copies(X3):
    _Recorder.seen = []
    est = tiny(callbacks=[_Recorder()])
    est.fit(X3)
    est.fit(X3)
    assert len(_Recorder.seen) == 2 and _Recorder.seen[0] is not _Recorder.seen[1]


def test_learning_rate_is_recorded_when_a_callback_changes_it(X3):
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    est = tiny(max_iter=3, tol=0.0, callbacks=[schedule]).fit(X3)
    np.testing.assert_allclose(est.history_["learning_rate"], [5e-4, 2.5e-4, 1.25e-4])
    assert "learning_rate" not in tiny().fit(X3).history_


def test_warm_start_continues_from_the_previous_weights(X3):
    est = tiny(max_iter=2, tol=0.0, warm_start=True).fit(X3)
    weights = [w.copy() for w in est.model_.get_weights()]
    est.fit(X3)
    assert est.n_iter_ == 4 and len(est.loss_curve_) == 4
    assert est.loss_curve_[2] < est.loss_curve_[0]
    # Not restarted: a cold fit starts again from the initial loss.
    cold = tiny(max_iter=2, tol=0.0).fit(X3)
    assert cold.loss_curve_[0] == est.loss_curve_[0]
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(weights, est.model_.get_weights(), strict=True)
    )


def test_partial_fit_runs_one_epoch_per_call(X3):
    est = tiny()
    est.partial_fit(X3)
    assert est.n_iter_ == 1
    est.partial_fit(X3[:10])
    assert est.n_iter_ == 2 and len(est.history_["loss"]) == 2


@pytest.mark.parametrize("method", ["partial_fit", "warm_fit"])
def test_continuing_refuses_a_different_channel_count(X3, method):
    est = tiny(warm_start=True)
    est.partial_fit(X3) if method == "partial_fit" else est.fit(X3)
    before = est.transform(X3)
    with pytest.raises(
        ValueError, match="X has 3 channels per step, but .* fitted on 2"
    ):
        getattr(est, "partial_fit" if method == "partial_fit" else "fit")(
            np.zeros((4, 5, 3))
        )
    np.testing.assert_array_equal(est.transform(X3), before)


@pytest.mark.parametrize(
    "change",
    [{"n_components": 6}, {"code_scaling": "batch"}, {"pooling": None},
     {"pooling": "last_mean_max"}],
)  # fmt: skip
def test_warm_start_refuses_a_changed_architecture(X3, change):
    est = tiny(warm_start=True).fit(X3)
    before = est.transform(X3)
    est.set_params(**change)
    with pytest.raises(ValueError, match="must not change between calls"):
        est.fit(X3)
    np.testing.assert_array_equal(est.transform(X3), before)


def test_verbose_0_prints_nothing(X3, capfd):
    tiny(verbose=0).fit(X3).transform(X3)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_1_prints_one_plain_line_per_epoch_into_a_file(X3, capfd):
    # pytest's capture stands for a file or a CI log: not a terminal.
    tiny(verbose=1, max_iter=3, tol=0.0, early_stopping=True).fit(X3)
    out, _ = capfd.readouterr()
    assert not set(out) & {"\b", "\r", "\x1b"}
    lines = out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines, start=1):
        number = r"\d[\d.e+-]*"
        pattern = rf"epoch {epoch}/3 - loss: {number} - val_loss: {number} - \d+\.\ds"
        assert re.fullmatch(pattern, line), line


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_1_shows_one_progress_bar_on_a_terminal(X3, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    tiny(verbose=1, max_iter=3, tol=0.0, early_stopping=True).fit(X3)
    out = terminal.getvalue()
    # The bar redraws itself in place: one line, rewritten after each epoch.
    assert "\r" in out and out.count("\n") == 1
    assert "3/3" in out and "loss:" in out and "val_loss:" in out
    assert "epoch 1/3" not in out


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_keyboard_interrupt_keeps_a_usable_model_and_warns(X3):
    est = tiny(max_iter=10, tol=0.0, callbacks=[_Interrupt()])
    with pytest.warns(UserWarning, match="interrupted after 2 complete epoch"):
        est.fit(X3)
    assert est.n_iter_ == 2
    codes = est.transform(X3)
    assert codes.shape == (30, 4) and np.isfinite(codes).all()


def test_divergence_raises_and_names_the_causes(X3):
    wild = X3 * 1e30
    with pytest.raises(FloatingPointError, match="learning_rate_init.*unscaled"):
        tiny(learning_rate_init=1e6, standardize=False).fit(wild)


def test_divergence_in_a_warm_fit_restores_the_previous_model(X3):
    est = tiny(warm_start=True).fit(X3)
    before = est.transform(X3)
    est.set_params(learning_rate_init=1e6)
    with pytest.raises(FloatingPointError, match="left as it was"):
        est.fit(X3 * 1e30)
    np.testing.assert_array_equal(est.transform(X3), before)
    assert est.n_iter_ == 2


def test_divergence_in_a_refit_keeps_the_previous_model(X3):
    est = tiny().fit(X3)
    before = est.transform(X3)
    with pytest.raises(FloatingPointError):
        est.set_params(learning_rate_init=1e6, standardize=False).fit(X3 * 1e30)
    np.testing.assert_array_equal(est.transform(X3), before)
    assert est.learning_rate_init == 1e6 and est.n_iter_ == 2


class _HeldLoss:
    """A batch's loss that cannot be read before ``released`` is set (a step
    still running)."""

    def __init__(self, value):
        self.value = value
        self.released = threading.Event()

    def __array__(self, dtype=None, copy=None):
        assert self.released.wait(10)
        return np.asarray(self.value, dtype=dtype)


def test_finite_guard_lets_at_most_its_batches_in_flight_and_stops_on_nan():
    # Batch ends handled on other threads, as Keras does on JAX: a batch
    # begins only while fewer than IN_FLIGHT begun batches have unread losses.
    guard = _training.GuardFinite()
    model = types.SimpleNamespace(stop_training=False)
    guard.set_model(model)
    n = guard.IN_FLIGHT
    losses = [_HeldLoss(1.0) for _ in range(n)] + [_HeldLoss(np.nan)]
    with ThreadPoolExecutor(n + 1) as ends:
        futures = []
        for batch in range(n):  # these begin at once
            _returns_soon(guard.on_train_batch_begin, batch)
            logs = {"loss": losses[batch]}
            futures.append(ends.submit(guard.on_train_batch_end, batch, logs))
        began = threading.Event()

        def begin_next():
            guard.on_train_batch_begin(n)
            began.set()

        waiting = threading.Thread(target=begin_next)
        waiting.start()
        assert not began.wait(0.2)  # held: no loss read yet
        losses[1].released.set()  # one read: one more batch may begin
        assert began.wait(10)
        waiting.join()
        futures.append(ends.submit(guard.on_train_batch_end, n, {"loss": losses[n]}))
        assert not guard.diverged and not model.stop_training
        for loss in losses:
            loss.released.set()
        for future in futures:
            future.result()
    assert guard.diverged and model.stop_training


def test_finite_guard_in_the_loops_own_thread_never_waits():
    # TensorFlow, or a callback that needs each batch's end in order: every
    # loss is read before the next batch begins, and a NaN stops at once.
    guard = _training.GuardFinite()
    model = types.SimpleNamespace(stop_training=False)
    guard.set_model(model)
    for batch, loss in enumerate([1.0] * 10 + [np.inf]):
        assert not model.stop_training
        _returns_soon(guard.on_train_batch_begin, batch)
        guard.on_train_batch_end(batch, {"loss": loss})
    assert guard.diverged and model.stop_training


def _returns_soon(function, *args):
    """Call ``function``; fail (rather than hang) if it waits for long."""
    call = threading.Thread(target=function, args=args, daemon=True)
    call.start()
    call.join(10)
    assert not call.is_alive(), f"{function.__name__}{args} is still waiting"


JAX_BATCH_ENDS = textwrap.dedent(
    """
    import json
    import threading

    import keras
    import numpy as np

    from sklearn_lstm_ae import LSTMAutoencoderTransformer

    IN_MAIN_THREAD = {True: set(), False: set()}

    class Where(keras.callbacks.Callback):
        # Whether Keras handles each batch's end in the loop's thread (the
        # estimator fits a copy: the answers go to a global).
        def __init__(self, async_safe):
            super().__init__()
            self.async_safe = async_safe

        def on_train_batch_end(self, batch, logs=None):
            here = threading.current_thread() is threading.main_thread()
            IN_MAIN_THREAD[self.async_safe].add(here)

    X = np.random.RandomState(0).normal(size=(200, 12, 2)).astype(np.float32)
    out = {}
    for async_safe in (True, False):
        est = LSTMAutoencoderTransformer(
            n_components=4, max_iter=3, batch_size=16, tol=0.0, random_state=0,
            callbacks=[Where(async_safe)],
        ).fit(X)
        out[str(async_safe)] = [
            sorted(IN_MAIN_THREAD[async_safe]),
            est.loss_curve_, est.transform(X).tolist(), est.n_iter_,
        ]
    try:
        LSTMAutoencoderTransformer(
            n_components=4, max_iter=3, batch_size=16, random_state=0,
            learning_rate_init=1e6, standardize=False,
        ).fit(X * 1e30)
    except FloatingPointError as exc:
        out["diverged"] = str(exc)
    print(json.dumps(out))
    """
)


def test_on_jax_batch_ends_off_the_loops_thread_train_the_same_model():
    # JAX lets Keras handle batch ends on other threads (with every callback
    # allowing it): the loop makes the next batch while a step runs. The same
    # losses and codes to the bit as with a callback that needs them in the
    # loop's thread, and divergence is still caught.
    result = run_on_jax(JAX_BATCH_ENDS)
    (off, *off_thread), (on, *in_thread) = result["True"], result["False"]
    assert off == [False] and on == [True]
    assert off_thread == in_thread
    assert off_thread[2] == 3 and len(off_thread[0]) == 3
    assert "diverged" in result["diverged"]


def test_optimizer_instance_is_copied_not_mutated(X3):
    optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.5)
    config = optimizer.get_config()
    est = tiny(optimizer=optimizer).fit(X3)
    assert optimizer.get_config() == config
    assert est.model_.optimizer is not optimizer
    assert type(est.model_.optimizer) is keras.optimizers.SGD
    np.testing.assert_allclose(float(est.model_.optimizer.learning_rate), 0.05)


def test_adam_trains_with_the_package_copy_and_the_same_results(X3, monkeypatch):
    est = tiny(max_iter=3).fit(X3)
    torch = keras.backend.backend() == "torch"
    adam = keras.optimizers.Adam if torch else _network.Adam
    assert type(est.model_.optimizer) is adam
    # Keras's own Adam, in a cache of its own: the same codes and losses, to
    # the bit, or within float rounding where the package's runs TensorFlow's
    # fused kernel (measured: losses within 1.1e-7 relatively, codes of size
    # 2.7 within 1.8e-6).
    monkeypatch.setattr(_network, "optimizer_for_training", lambda optimizer: optimizer)
    monkeypatch.setattr(_training, "MODELS", _training.ModelCache())
    plain = tiny(max_iter=3).fit(X3)
    assert type(plain.model_.optimizer) is keras.optimizers.Adam
    if keras.backend.backend() == "tensorflow":
        np.testing.assert_allclose(est.loss_curve_, plain.loss_curve_, rtol=1e-6)
        np.testing.assert_allclose(est.transform(X3), plain.transform(X3), atol=1e-5)
    else:
        assert plain.loss_curve_ == est.loss_curve_
        np.testing.assert_array_equal(plain.transform(X3), est.transform(X3))


def test_a_global_mixed_precision_policy_does_not_reach_the_network(X3):
    """A ``mixed_float16`` policy set for the user's own models: the package
    builds its networks in float32 (before, training stopped as diverged at
    the second batch) and leaves the user's policy as it was."""
    expected = tiny(max_iter=2).fit(X3)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        est = tiny(max_iter=2).fit(X3)
        codes = est.transform(X3)
        decoded = est.inverse_transform(codes)  # a decoder built now
        restored = pickle.loads(pickle.dumps(est))
        assert keras.config.dtype_policy().name == "mixed_float16"
    finally:
        keras.config.set_dtype_policy(previous)
    assert est.model_.dtype_policy.name == "float32"
    assert codes.dtype == decoded.dtype == np.float32
    np.testing.assert_array_equal(codes, expected.transform(X3))
    np.testing.assert_array_equal(decoded, expected.inverse_transform(codes))
    np.testing.assert_array_equal(restored.transform(X3), codes)


def test_training_batches_come_from_length_bands():
    """Each row once per epoch, as many batches as plain random ones, less padding."""
    from sklearn_lstm_ae import _backend

    _, training = _backend.keras_modules()
    lengths = np.random.RandomState(0).randint(5, 101, size=1000)

    def plan(bands):
        return training.length_buckets(lengths, 32, np.random.RandomState(1), bands)

    banded, plain = plan(training.TRAINING_BANDS), plan(1)
    assert sorted(np.concatenate(banded)) == list(range(1000))
    assert len(banded) == len(plain) == 32
    assert sum(len(rows) < 32 for rows in banded) == 1  # bands hold whole batches
    padded_steps = [sum(lengths[rows].max() for rows in p) for p in (banded, plain)]
    assert padded_steps[0] < 0.75 * padded_steps[1]
    # Rows are still shuffled within a band: two seeds give different batches.
    other = training.length_buckets(lengths, 32, np.random.RandomState(2), 4)
    assert {tuple(sorted(r)) for r in banded} != {tuple(sorted(r)) for r in other}


def test_without_shuffle_batches_keep_the_data_order():
    from sklearn_lstm_ae import _backend

    _, training = _backend.keras_modules()
    lengths = np.array([5, 1, 4, 2, 3])
    batches = training.Batches(np.zeros((5, 5, 1), np.float32), lengths, 2)
    rows = [batches._batches[i] for i in range(len(batches))]
    assert sorted(map(list, rows)) == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize(
    "low, high, expected",
    [(5, 100, 4), (1, 10, 1), (100, 100, 1)],
    ids=["long, spread lengths", "short sequences", "equal lengths"],
)
def test_length_bands_only_where_they_save_padding(low, high, expected):
    from sklearn_lstm_ae import _backend

    _, training = _backend.keras_modules()
    lengths = np.random.RandomState(0).randint(low, high + 1, size=1000)
    values = np.zeros((1000, high, 1), np.float32)
    batches = training.Batches(values, lengths, 32, shuffle=True)
    assert batches._bands == expected
    assert training.Batches(values, lengths, 32)._bands == 1  # shuffle=False


def _weighted_sequences(rng, n, low, high, channels):
    """``n`` zero-padded random sequences of ``low`` to ``high`` steps, and
    shuffled ``Batches`` parameters with random sequence weights."""
    lengths = rng.randint(low, high + 1, size=n)
    values = rng.normal(size=(n, high, channels)).astype(np.float32)
    values *= (np.arange(high) < lengths[:, None])[..., None]
    params = dict(weights=rng.uniform(0.5, 2.0, size=n), shuffle=True, seed=1)
    return lengths, values, params


def _value_and_grad(loss, y_true, y_pred):
    """``loss(y_true, y_pred)`` and its gradient with respect to ``y_pred``
    (on JAX or TensorFlow)."""
    if keras.backend.backend() == "jax":
        import jax

        value, grad = jax.value_and_grad(lambda p: loss(y_true, p))(y_pred)
        return float(value), np.asarray(grad)
    import tensorflow as tf

    y_pred = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = loss(y_true, y_pred)
    return float(value), tape.gradient(value, y_pred).numpy()


def test_the_loss_and_its_gradient_equal_those_read_through_slices():
    """The loss splits the output once; reading it through slices (their
    gradient costs more) gives the same value and gradient to the bit."""
    from keras import ops

    def sliced(y_true, y_pred):  # the loss, written with slices
        target, mask, weight = y_true[..., :-2], y_true[..., -2], y_true[..., -1]
        recon, logit = y_pred[..., :-1], y_pred[..., -1]
        real = mask * weight
        err = ops.mean(ops.square(recon - target), axis=-1)
        exists = ops.binary_crossentropy(mask, logit, from_logits=True)
        return _network._weighted_mean(err, real) + _network._weighted_mean(
            exists, weight
        )

    rng = np.random.RandomState(0)
    lengths = np.array([6, 3, 1, 5])
    mask = (np.arange(6) < lengths[:, None]).astype(np.float32)
    weight = np.repeat(rng.uniform(0.5, 2, size=(4, 1)), 6, 1).astype(np.float32)
    target = rng.normal(size=(4, 6, 3)).astype(np.float32)
    y_true = np.concatenate([target, mask[..., None], weight[..., None]], -1)
    y_pred = rng.normal(size=(4, 6, 4)).astype(np.float32)
    value, grad = _value_and_grad(_network.masked_loss("mse"), y_true, y_pred)
    expected_value, expected_grad = _value_and_grad(sliced, y_true, y_pred)
    assert value == expected_value
    np.testing.assert_array_equal(grad, expected_grad)
    assert np.all(grad[mask == 0, :3] == 0)  # padding gets no gradient
    assert np.any(grad[mask == 1, :3] != 0)


def test_full_rows_top_up_short_batches_with_rows_the_loss_ignores():
    # What JAX trains on: every batch as wide as the largest, so its step
    # compiles once; the rows added change no loss.
    rng = np.random.RandomState(0)
    lengths, values, params = _weighted_sequences(rng, 37, 1, 8, 2)
    plain = _training.Batches(values, lengths, 16, **params)
    full = _training.Batches(values, lengths, 16, full_rows=True, **params)
    loss = _network.masked_loss("mse")
    assert sorted(len(plain[i][1]) for i in range(len(plain))) == [5, 16, 16]
    for i in range(len(plain)):
        (v, m), t = plain[i]
        (fv, fm), ft = full[i]
        n = len(v)
        assert len(fv) == len(fm) == len(ft) == 16
        for short, topped in [(v, fv), (m, fm), (t, ft)]:
            np.testing.assert_array_equal(topped[:n], short)
        # Empty rows of weight 0, marked as added by a mask channel of -1.
        assert not fv[n:].any() and not fm[n:].any()
        assert not ft[n:, :, :-2].any() and not ft[n:, :, -1].any()
        assert (ft[n:, :, -2] == -1.0).all()
        # The loss reported is the batch's loss times its share of real rows;
        # its gradient is the batch's, with nothing for the rows added.
        pred = rng.normal(size=(16, t.shape[1], 3)).astype(np.float32)
        value, grad = _value_and_grad(loss, ft, pred)
        short_value, short_grad = _value_and_grad(loss, t, pred[:n])
        assert value == pytest.approx(short_value * n / 16, 1e-6)
        np.testing.assert_allclose(grad[:n], short_grad, rtol=1e-5, atol=1e-9)
        assert not grad[n:].any()
    assert full.mean_rescale() == 3 * 16 / 37 and plain.mean_rescale() == 1.0
    # A training set smaller than one batch is one batch of its own size.
    assert (
        len(_training.Batches(values[:5], lengths[:5], 16, full_rows=True)[0][1]) == 5
    )


def test_grid_steps_round_up_to_powers_of_two_and_three_quarters_of_them():
    grid = [_training.grid_steps(n, 1000) for n in range(1, 26)]
    assert grid == [1, 2, 3, 4, 6, 6, 8, 8] + [12] * 4 + [16] * 4 + [24] * 8 + [32]
    assert _training.grid_steps(41, 40) == 40  # never past the limit
    ratios = [_training.grid_steps(n, 10**6) / n for n in range(1, 5000)]
    assert max(ratios) < 1.5 and max(ratios[2000:]) > 1.49


def test_grid_steps_meet_the_band_tops_and_change_no_loss():
    # What JAX trains on: a banded plan meets one length per band, the same
    # in every epoch; the steps added change no loss.
    rng = np.random.RandomState(0)
    lengths, values, params = _weighted_sequences(rng, 1000, 5, 100, 1)
    plain = _training.Batches(values, lengths, 32, **params)
    grid = _training.Batches(values, lengths, 32, grid_steps=True, **params)
    assert plain._bands == _training.TRAINING_BANDS
    tops = _training.band_tops(lengths, 32, plain._bands)
    assert len(tops) == plain._bands and tops[-1] == 100
    loss = _network.masked_loss("mse")
    plain_steps, grid_steps = set(), set()
    for _ in range(3):
        plain.on_epoch_end()
        grid.on_epoch_end()
        for i in range(len(plain)):
            (v, m), t = plain[i]
            (gv, gm), gt = grid[i]
            n = v.shape[1]
            plain_steps.add(n)
            grid_steps.add(gv.shape[1])
            assert n <= gv.shape[1] < 1.5 * n
            for short, long in [(v, gv), (m, gm), (t[..., :-1], gt[..., :-1])]:
                np.testing.assert_array_equal(long[:, :n], short)
                assert not long[:, n:].any()  # padding...
            np.testing.assert_array_equal(gt[:, :n, -1], t[..., -1])
            assert not gt[:, n:, -1].any()  # ...of weight 0
            pred = rng.normal(size=(*gt.shape[:2], 2)).astype(np.float32)
            expected = float(loss(t, pred[:, :n]))
            assert float(loss(gt, pred)) == pytest.approx(expected, 1e-5)
    assert grid_steps == set(np.minimum(tops + 1, 100))
    assert len(plain_steps) > len(grid_steps)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_fit_for_a_backend_that_compiles_per_shape_gives_the_same_codes(
    early_stopping, monkeypatch,
):  # fmt: skip
    # Grid steps and full rows (what JAX gets) against neither: the same
    # training, up to rounding, the same codes, and the same epoch losses,
    # though Keras counts the rows added to the short batches (70 sequences
    # in batches of 16; with early stopping, 63 and 7 for validation, in
    # blocks of 4 here). On a CPU; on a GPU with the decoder on cuDNN the two
    # fits differ by more (docs: performance, "On a GPU").
    from conftest import tiny

    monkeypatch.setattr(_training, "VALIDATION_BATCH", 4)
    monkeypatch.setattr(_training, "_compiles_per_shape", lambda: False)
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(n, 2)) for n in rng.randint(1, 40, size=70)]
    est = tiny(batch_size=16, max_iter=3, tol=0.0, early_stopping=early_stopping)
    plain = est.fit(seqs).transform(seqs)
    plain_history = est.history_
    monkeypatch.setattr(_training, "_compiles_per_shape", lambda: True)
    shapes = set()
    batch = _training.Batches._batch

    def spy(self, rows):
        out = batch(self, rows)
        shapes.add(out[0].shape)
        return out

    monkeypatch.setattr(_training.Batches, "_batch", spy)
    grid = est.fit(seqs).transform(seqs)
    assert {rows for rows, _, _ in shapes} == ({4, 16} if early_stopping else {16})
    longest = max(map(len, seqs))
    steps = {steps for _, steps, _ in shapes}
    # Grid lengths, or the longest sequence; with early stopping also the
    # training split's own longest (its band top).
    others = steps - {8, 12, 16, 24, 32, longest}
    assert longest in steps and len(others) <= int(early_stopping)
    keys = {"loss", "val_loss"} if early_stopping else {"loss"}
    assert set(est.history_) == keys
    for key, values in plain_history.items():
        np.testing.assert_allclose(est.history_[key], values, rtol=1e-5)
    np.testing.assert_allclose(grid, plain, atol=1e-4)


def test_a_backend_that_compiles_per_shape_embeds_any_longest_length_in_grid_steps(
    monkeypatch,
):
    # Calls whose longest sequences are 37 and 45 steps both run at 48 (a grid
    # length), so a process embedding data of many lengths compiles for a few
    # lengths only; the codes and the scores are those of the exact lengths.
    # Sequences of a fixed length keep it.
    from conftest import tiny

    rng = np.random.RandomState(0)
    calls = [
        [rng.normal(size=(n, 2)) for n in [*rng.randint(1, longest, 20), longest]]
        for longest in (37, 45)
    ]
    fixed = rng.normal(size=(10, 37, 2))
    est = tiny().fit(calls[0])
    run = _training._predict_rows
    steps = []

    def spy(model, chunk, row_multiple):
        steps.append(chunk[0].shape[1])
        return run(model, chunk, row_multiple)

    monkeypatch.setattr(_training, "_predict_rows", spy)
    results, shapes = {}, {}
    for per_shape in (False, True):
        monkeypatch.setattr(_training, "_compiles_per_shape", lambda on=per_shape: on)
        steps.clear()
        results[per_shape] = [
            (est.transform(X), est.score_samples(X)) for X in [*calls, fixed]
        ]
        shapes[per_shape] = set(steps)
    assert {37, 45} <= shapes[False]
    assert {37, 48} <= shapes[True] <= {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 37, 48}
    for (codes, scores), (plain_codes, plain_scores) in zip(
        results[True], results[False], strict=True
    ):
        np.testing.assert_allclose(codes, plain_codes, atol=1e-6)
        np.testing.assert_allclose(scores, plain_scores, rtol=1e-5)


class _StopAfterTwoBatches(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            self.model.stop_training = True


def test_an_epoch_stopped_part_way_logs_the_loss_of_its_batches(monkeypatch):
    # A callback stops the first epoch after two of its five batches (in
    # order: the short one is last). Its loss is Keras's mean of those two,
    # with full rows as without: the rescale is for whole epochs.
    monkeypatch.setattr(_training, "_compiles_per_shape", lambda: False)
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(n, 2)) for n in rng.randint(1, 40, size=70)]
    est = tiny(batch_size=16, shuffle=False, callbacks=[_StopAfterTwoBatches()])
    plain = est.fit(seqs).loss_curve_
    monkeypatch.setattr(_training, "_compiles_per_shape", lambda: True)
    est.fit(seqs)
    assert len(plain) == len(est.loss_curve_) == 1
    np.testing.assert_allclose(est.loss_curve_, plain, rtol=1e-5)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's tf.data feed"
)
def test_the_tensorflow_feed_gives_the_batches_of_keras_own_loop():
    # Keras's loop over the PyDataset: reset (a plan), then each epoch's
    # batches by index and on_epoch_end (the next plan). The tf.data feed must
    # give the same batches in the same order, epoch after epoch.
    import tensorflow as tf

    from sklearn_lstm_ae import _backend

    _, training = _backend.keras_modules()
    rng = np.random.RandomState(0)
    lengths = rng.randint(5, 101, size=600)  # long and spread: length bands
    values = rng.normal(size=(600, 100, 2)).astype(np.float32)
    weights = rng.uniform(0.5, 2.0, size=600)

    def make():
        return training.Batches(
            values, lengths, 16, weights=weights, shuffle=True, seed=3
        )

    assert make()._bands == training.TRAINING_BANDS
    keras_loop, expected = make(), []
    for _ in range(3):
        keras_loop.on_epoch_end()
        expected += [keras_loop[i] for i in range(len(keras_loop))]
    fed = list(make().tf_dataset(3).as_numpy_iterator())
    assert len(fed) == len(expected) == 3 * 38
    assert len({batch[0][0].shape[1] for batch in fed}) > 1  # batches differ
    for ((v, m), t), ((ev, em), et) in zip(fed, expected, strict=True):
        np.testing.assert_array_equal(v, ev)
        np.testing.assert_array_equal(m, em)
        np.testing.assert_array_equal(t, et)
    # Equal lengths: a static time axis, as Keras's signature from a PyDataset.
    equal = training.Batches(values, np.full(600, 100), 16, shuffle=True)
    spec = equal.tf_dataset(1).element_spec
    assert spec[0][0].shape.as_list() == [None, 100, 2]
    assert isinstance(spec[0][1], tf.TensorSpec) and spec[1].shape[1] == 100


# ------------------------------------------- interrupts during the rollback
class _FailAtTheEnd(keras.callbacks.Callback):
    """Call ``arm`` when training ends, then fail the fit, so that the
    rollback runs armed."""

    def __init__(self, arm):
        super().__init__()
        self.arm = arm

    def on_train_end(self, logs=None):
        self.arm()
        raise ValueError("failed after training")


def _disturb(monkeypatch, target, action):
    """Run ``action`` before the first ``target.assign`` once armed."""
    cls = type(target)
    assign = cls.assign
    state = {"armed": False, "left": 1}

    def disturbed(self, value, *args, **kwargs):
        if self is target and state["armed"] and state["left"]:
            state["left"] -= 1
            action()
        return assign(self, value, *args, **kwargs)

    monkeypatch.setattr(cls, "assign", disturbed)
    return state


def _ctrl_c():
    signal.raise_signal(signal.SIGINT)


@pytest.fixture
def ctrl_c_raises():
    """Python's own Ctrl-C handler, as an interactive session has it: a
    process started in the background may begin with SIGINT ignored."""
    found = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, found)


def _keyboard_interrupt():
    raise KeyboardInterrupt


def _assert_is_the_old_model(est, X, codes):
    np.testing.assert_array_equal(est.transform(X), codes)
    assert est.n_iter_ == 2 and est.loss_curve_ == est.history_["loss"]
    assert est.decoder_.get_layer("decoder_0") is est.model_.get_layer("decoder_0")
    assert est.encoder_.get_layer("encoder_0") is est.model_.get_layer("encoder_0")


def _fail_after_training(est, state, monkeypatch):
    est.set_params(callbacks=[_FailAtTheEnd(lambda: state.update(armed=True))])


def _ctrl_c_in_the_last_step(est, state, monkeypatch):
    record_history = est._record_history

    def interrupted(*args):  # the last step of a finished fit
        state["armed"] = True
        _ctrl_c()
        record_history(*args)

    monkeypatch.setattr(est, "_record_history", interrupted)


# The fifth variable the rollback puts back is interrupted: by Ctrl-C, or by a
# KeyboardInterrupt from the backend; the rollback follows an error after
# training, or Ctrl-C in the last step of a finished refit.
@pytest.mark.parametrize(
    "start, action",
    [(_fail_after_training, _ctrl_c),
     (_fail_after_training, _keyboard_interrupt),
     (_ctrl_c_in_the_last_step, _ctrl_c)],
    ids=["error_then_ctrl_c", "error_then_interrupt", "ctrl_c_then_ctrl_c"],
)  # fmt: skip
def test_an_interrupt_in_the_rollback_waits_until_the_model_is_restored(
    X3, monkeypatch, start, action, ctrl_c_raises
):
    est = tiny().fit(X3)
    codes = est.transform(X3)
    state = _disturb(monkeypatch, est.model_.variables[4], action)
    start(est, state, monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X3[:, ::-1])  # other data: other weights
    monkeypatch.undo()
    assert state["left"] == 0
    _assert_is_the_old_model(est, X3, codes)


def test_a_rollback_that_cannot_restore_says_so_and_forgets_the_fit(X3, monkeypatch):
    est = tiny().fit(X3)

    def broken():
        raise RuntimeError("the device is gone")

    state = _disturb(monkeypatch, est.model_.variables[4], broken)
    _fail_after_training(est, state, monkeypatch)
    with pytest.raises(RuntimeError, match="could not be restored .*now unfitted"):
        est.fit(X3[:, ::-1])  # other data: other weights
    monkeypatch.undo()
    with pytest.raises(NotFittedError):
        est.transform(X3)
    assert est.get_params()["n_components"] == 4
    est.set_params(callbacks=None)
    assert est.fit(X3).transform(X3).shape == (30, 4)


def _own_handler(signum, frame):
    raise KeyboardInterrupt


@pytest.mark.parametrize("handler", [signal.default_int_handler, _own_handler])
def test_ctrl_c_is_handed_back_to_the_handler_it_found(X3, ctrl_c_raises, handler):
    signal.signal(signal.SIGINT, handler)
    est = tiny().fit(X3)
    assert signal.getsignal(signal.SIGINT) is handler
    est.fit(X3)
    assert signal.getsignal(signal.SIGINT) is handler


# ------------------------------------------------------------ sample weights
def test_all_ones_sample_weight_is_exactly_the_unweighted_fit(X3):
    for params in ({}, {"early_stopping": True, "max_iter": 4}):
        plain = tiny(**params).fit(X3)
        ones = tiny(**params).fit(X3, sample_weight=np.ones(len(X3)))
        np.testing.assert_array_equal(ones.transform(X3), plain.transform(X3))
        assert ones.history_ == plain.history_
        np.testing.assert_array_equal(ones.channel_scale_, plain.channel_scale_)


def test_scaling_every_weight_changes_nothing(X3):
    plain = tiny().fit(X3)
    scaled = tiny().fit(X3, sample_weight=2.5)
    np.testing.assert_allclose(scaled.transform(X3), plain.transform(X3), atol=1e-5)
    np.testing.assert_allclose(scaled.loss_curve_, plain.loss_curve_, rtol=1e-5)


def _assert_same_fit(one, other, X):
    np.testing.assert_array_equal(one.transform(X), other.transform(X))
    assert one.history_ == other.history_
    np.testing.assert_array_equal(one.channel_mean_, other.channel_mean_)
    np.testing.assert_array_equal(one.channel_scale_, other.channel_scale_)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"cell": "gru", "code_scaling": "batch"},
        {"bidirectional": True},
        {"hidden_layer_sizes": (4,)},
        {"early_stopping": True, "max_iter": 4},
    ],
)
def test_integer_weights_are_repeated_sequences_over_mini_batches(X3, params):
    # A weight of k becomes k copies before batching, and batches are drawn
    # from an order set by the sequences' values: a weight of k is k copies to
    # the last bit, over several batches, in whatever order X comes.
    weights = np.random.RandomState(1).randint(0, 4, size=len(X3))
    repeated = tiny(batch_size=4, **params).fit(np.repeat(X3, weights, axis=0))
    order = np.random.RandomState(2).permutation(len(X3))
    weighted = tiny(batch_size=4, **params)
    weighted.fit(X3[order], sample_weight=weights[order])
    assert repeated.n_iter_ == weighted.n_iter_ > 0
    _assert_same_fit(weighted, repeated, X3)


def test_integer_weights_are_repeated_sequences_of_variable_length(ragged):
    weights = np.random.RandomState(1).randint(0, 4, size=len(ragged))
    repeated = [seq for seq, k in zip(ragged, weights, strict=True) for _ in range(k)]
    order = np.random.RandomState(2).permutation(len(ragged))
    weighted = tiny(batch_size=4).fit(
        [ragged[i] for i in order], sample_weight=weights[order]
    )
    _assert_same_fit(weighted, tiny(batch_size=4).fit(repeated), ragged)


def test_partial_fit_takes_whole_weights_as_copies_too(X3):
    weights = np.random.RandomState(1).randint(0, 4, size=len(X3))
    repeated, weighted = tiny(batch_size=4), tiny(batch_size=4)
    for _ in range(2):
        repeated.partial_fit(np.repeat(X3, weights, axis=0))
        weighted.partial_fit(X3[::-1], sample_weight=weights[::-1])
    _assert_same_fit(weighted, repeated, X3)


def test_the_order_of_the_training_sequences_matters_only_without_shuffle(X3):
    order = np.random.RandomState(2).permutation(len(X3))
    _assert_same_fit(tiny(batch_size=8).fit(X3[order]), tiny(batch_size=8).fit(X3), X3)
    # shuffle=False batches the sequences in the data's order.
    kept = tiny(batch_size=8, shuffle=False)
    assert not np.array_equal(
        kept.fit(X3[order]).transform(X3), kept.fit(X3).transform(X3)
    )


def _clean_and_outliers():
    rng = np.random.RandomState(0)
    phase = rng.uniform(0, 2 * np.pi, size=(30, 1))
    clean = np.sin(0.8 * np.arange(8) + phase)[..., None].astype(np.float32)
    outliers = rng.normal(20, 10, size=(10, 8, 1)).astype(np.float32)
    return clean, np.concatenate([clean, outliers])


def test_zero_weighted_outliers_stop_pulling_the_reconstruction():
    clean, X = _clean_and_outliers()
    weights = np.r_[np.ones(len(clean)), np.zeros(len(X) - len(clean))]
    params = dict(max_iter=10, learning_rate_init=1e-2, tol=0.0)
    pulled = tiny(**params).fit(X)
    weighted = tiny(**params).fit(X, sample_weight=weights)
    clean_only = tiny(**params).fit(clean)
    # Weight 0 is leaving the outliers out: the very fit on the clean ones...
    _assert_same_fit(weighted, clean_only, X)
    assert pulled.channel_scale_[0] > 5 * weighted.channel_scale_[0]
    # ...whose reconstruction of the clean sequences the outliers pull down.
    assert weighted.score(clean) > pulled.score(clean) + 0.25


def test_sample_weight_weighs_the_validation_loss(X3):
    weights = np.random.RandomState(3).uniform(0, 2, size=len(X3))
    est = tiny(max_iter=4, early_stopping=True, validation_fraction=0.2, tol=0.0)
    est.fit(X3, sample_weight=weights)
    rows = _held_out_rows(est, X3, weights)
    held_out = (X3[rows] - est.channel_mean_) / est.channel_scale_
    steps = held_out.shape[:2]
    target = np.concatenate(
        [
            held_out,
            np.ones((*steps, 1)),
            np.broadcast_to(weights[rows, None, None], (*steps, 1)),
        ],
        -1,
    ).astype(np.float32)
    val_loss = est.model_.evaluate(
        [held_out, np.ones(steps, bool)], target, batch_size=6, verbose=0
    )
    np.testing.assert_allclose(val_loss, min(est.history_["val_loss"]), rtol=1e-4)
    unweighted = tiny(max_iter=4, early_stopping=True, validation_fraction=0.2)
    assert unweighted.fit(X3).history_["val_loss"] != est.history_["val_loss"]


def test_partial_fit_takes_sample_weight():
    clean, X = _clean_and_outliers()
    weights = np.r_[np.ones(len(clean)), np.zeros(len(X) - len(clean))]
    est = tiny().partial_fit(X, sample_weight=weights)
    np.testing.assert_allclose(est.channel_mean_, tiny().fit(clean).channel_mean_)
    plain = tiny().partial_fit(X)
    est.partial_fit(X, sample_weight=weights)
    plain.partial_fit(X)
    assert est.n_iter_ == 2 and est.loss_curve_ != plain.loss_curve_


def test_sample_weight_is_routed_through_a_pipeline():
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clean, X = _clean_and_outliers()
    weights = np.r_[np.ones(len(clean)), np.zeros(len(X) - len(clean))]
    direct = tiny().fit(X, sample_weight=weights).transform(X)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            tiny().set_fit_request(sample_weight=True),
            StandardScaler().set_fit_request(sample_weight=False),
        )
        pipe.fit(X, sample_weight=weights)
        np.testing.assert_array_equal(pipe[0].transform(X), direct)
        np.testing.assert_array_equal(
            tiny().fit_transform(X, sample_weight=weights), direct
        )
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            make_pipeline(tiny(), StandardScaler()).fit(X, sample_weight=weights)


# ---------------------------------------------------------- loss objects
def test_a_keras_loss_object_is_copied_trains_and_is_recorded(X3):
    huber = keras.losses.Huber(delta=0.5)
    est = tiny(loss=huber).fit(X3)
    assert est.loss is huber and est.loss_ is not huber
    assert type(est.loss_) is keras.losses.Huber and est.loss_._fn_kwargs == {
        "delta": 0.5
    }
    assert huber.get_config() == keras.losses.Huber(delta=0.5).get_config()
    mse = tiny().fit(X3)
    assert not np.allclose(est.transform(X3), mse.transform(X3))
    # score stays the negative mean squared error, whatever the loss.
    errors, counts = est._squared_errors(X3)
    assert est.score(X3) == pytest.approx(-errors.sum() / counts.sum())


def test_a_mean_squared_error_object_trains_exactly_as_mse(X3):
    obj = tiny(loss=keras.losses.MeanSquaredError()).fit(X3)
    name = tiny(loss="mse").fit(X3)
    np.testing.assert_array_equal(obj.transform(X3), name.transform(X3))
    assert obj.loss_curve_ == name.loss_curve_


def test_a_loss_object_counts_real_steps_only(ragged):
    loss = keras.losses.Huber(delta=0.5)
    as_list = tiny(loss=loss).fit(ragged)
    padded = np.full((len(ragged), 9, 2), np.nan)
    for i, seq in enumerate(ragged):
        padded[i, : len(seq)] = seq
    as_nan_padded = tiny(loss=loss).fit(padded)
    np.testing.assert_array_equal(
        as_nan_padded.transform(ragged), as_list.transform(ragged)
    )
    assert as_nan_padded.loss_curve_ == as_list.loss_curve_


def test_clone_and_pickle_keep_every_argument_of_a_loss_object(X3):
    import pickle

    from sklearn.base import clone

    est = tiny(loss=keras.losses.Huber(delta=0.25)).fit(X3)
    twin = clone(est)
    copy = pickle.loads(pickle.dumps(est))
    # Keras's own copies of a Huber forget delta; ours keep it.
    assert twin.loss._fn_kwargs == {"delta": 0.25}
    assert copy.loss._fn_kwargs == copy.loss_._fn_kwargs == {"delta": 0.25}
    np.testing.assert_array_equal(copy.transform(X3), est.transform(X3))
    np.testing.assert_array_equal(twin.fit(X3).transform(X3), est.transform(X3))


def test_warm_start_refuses_another_loss_object(X3):
    est = tiny(loss=keras.losses.Huber(delta=0.5), warm_start=True).fit(X3)
    est.fit(X3)  # the same loss again: continues
    assert est.n_iter_ == 4
    est.set_params(loss=keras.losses.Huber(delta=2.0))
    with pytest.raises(ValueError, match="must not change between calls"):
        est.fit(X3)


def test_prediction_blocks_hold_as_many_sequences_as_fit_the_cache_budget():
    import dataclasses

    arch = _network.Architecture(
        8, 96, (), "lstm", False, 0.0, 0.0, "linear", pooling=True
    )
    assert arch.encoder_widths == (32,)  # a third of the code, with pooling

    def rows(n_steps, **changes):
        changed = dataclasses.replace(arch, **changes)
        return _training.predict_batch_size(changed, n_steps, decoder=False)

    if keras.backend.backend() != "tensorflow":
        assert rows(40) == _training._predict_batch()
        return
    # The shapes measured for PREDICT_CACHE_BUDGET, each at its fastest.
    assert [rows(12), rows(40), rows(128)] == [1024, 512, 128]
    assert rows(300, patch_size=5) == 256  # 60 recurrent steps
    assert rows(40, n_components=64, pooling=False) == 256  # 64 units
    # With the decoder (as wide as the code), both count; an odd-width
    # bidirectional layer runs two full-width directions; very long sequences
    # still get 64 rows.
    assert _training.predict_batch_size(arch, 40, decoder=True) == 128  # 32 + 96 units
    assert _training.predict_batch_size(arch, 12, decoder=True) == 256
    assert rows(40, n_components=32, pooling=False) == 512
    changed = dataclasses.replace(arch, n_components=32, pooling=False)
    assert _training.predict_batch_size(changed, 40, decoder=True) == 256  # 32 + 32
    assert rows(40, n_components=93, bidirectional=True) == 256  # 2 x 31 units
    assert rows(40, n_components=96, bidirectional=True) == 512
    assert rows(10**6) == 64
