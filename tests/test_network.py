"""The Keras network on its own: masking, loss, weights, shapes."""

import functools
import textwrap

import keras
import numpy as np
import pytest
from conftest import run_on_jax

from sklearn_lstm_ae import _network

ARCH = _network.Architecture(
    n_channels=2, n_components=3, hidden_layer_sizes=(4,), cell="lstm",
    bidirectional=False, dropout=0.0, recurrent_dropout=0.0,
    output_activation="linear",
)  # fmt: skip


@pytest.fixture(scope="module")
def net():
    model, encoder = _network.build(ARCH)
    _network.initialize(model, ARCH, seed=3)
    return model, encoder


def test_masked_steps_never_reach_the_code(net):
    _, encoder = net
    rng = np.random.RandomState(0)
    values = rng.normal(size=(4, 5, 2)).astype(np.float32)
    mask = np.arange(5) < np.array([[5], [3], [1], [0]])
    garbage = values.copy()
    garbage[~mask] = 1e3
    np.testing.assert_array_equal(
        encoder.predict_on_batch([values, mask]),
        encoder.predict_on_batch([garbage, mask]),
    )


def test_the_autoencoder_decodes_to_the_input_length(net):
    model, _ = net
    for steps in (1, 4, 9):
        out = model.predict_on_batch(
            [np.zeros((2, steps, 2)), np.ones((2, steps), bool)]
        )
        assert out.shape == (2, steps, 3)  # 2 channels + the existence logit


def test_decoder_shares_layers_and_matches_the_autoencoder(net):
    model, encoder = net
    decoder = _network.build_decoder(model, ARCH, 5)
    assert decoder.get_layer("decoder_0") is model.get_layer("decoder_0")
    values = np.random.RandomState(1).normal(size=(3, 5, 2)).astype(np.float32)
    mask = np.ones((3, 5), bool)
    codes = encoder.predict_on_batch([values, mask])
    np.testing.assert_allclose(
        decoder.predict_on_batch(codes),
        model.predict_on_batch([values, mask]),
        atol=1e-6,
    )


def test_initialize_is_a_function_of_the_seed_alone():
    a, _ = _network.build(ARCH)
    b, _ = _network.build(ARCH)
    _network.initialize(a, ARCH, seed=5)
    _network.initialize(b, ARCH, seed=9)
    _network.initialize(b, ARCH, seed=5)
    for va, vb in zip(a.variables, b.variables, strict=True):
        np.testing.assert_array_equal(va.numpy(), vb.numpy())
    lstm_bias = a.get_layer("encoder_0").cell.bias.numpy()
    np.testing.assert_array_equal(lstm_bias[4:8], 1.0)  # unit forget bias
    np.testing.assert_array_equal(np.delete(lstm_bias, range(4, 8)), 0.0)


@pytest.mark.parametrize(
    "kind",
    ["mse", "mae", "binary_crossentropy", "MeanSquaredError", "Huber", "LogCosh"],
)
def test_the_loss_ignores_padded_steps(kind):
    if kind[0].isupper():  # a Keras loss object
        kind = getattr(keras.losses, kind)()
    loss = _network.masked_loss(kind)
    target = np.full((2, 4, 2), 0.25, np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 0, 0, 0]], np.float32)
    weight = np.ones_like(mask)
    y_true = np.concatenate([target, mask[..., None], weight[..., None]], -1)
    pred = np.full((2, 4, 3), 0.5, np.float32)
    pred[..., -1] = np.where(mask > 0, 20.0, -20.0)  # confident, right existence
    other = pred.copy()
    other[mask == 0, :2] = 0.9  # change only the padded reconstruction
    a = float(loss(keras.ops.array(y_true), keras.ops.array(pred)))
    b = float(loss(keras.ops.array(y_true), keras.ops.array(other)))
    assert a == pytest.approx(b, abs=1e-7)
    # Huber(delta=1) of an error of 0.25 is 0.25**2 / 2.
    expected = {
        "mse": 0.0625, "mae": 0.25, "mean_squared_error": 0.0625,
        "huber_loss": 0.03125,
    }.get(getattr(kind, "name", kind))  # fmt: skip
    if expected is not None:  # the mean over real steps only
        assert a == pytest.approx(expected, abs=1e-6)


def test_the_loss_teaches_the_length():
    loss = _network.masked_loss("mse")
    y_true = np.zeros((1, 3, 3), np.float32)  # values, mask, weight
    y_true[0, :2, 1] = 1.0  # length 2
    y_true[..., 2] = 1.0
    right = np.zeros((1, 3, 2), np.float32)
    right[0, :, 1] = [20.0, 20.0, -20.0]
    wrong = right.copy()
    wrong[0, 2, 1] = 20.0
    assert float(loss(y_true, wrong)) > float(loss(y_true, right)) + 1.0


def test_the_decoder_input_is_the_code_and_the_step_position_at_every_step():
    layer = _network.RepeatToLength()
    code = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    frequencies = np.array(_network.POSITION_FREQUENCIES)
    for steps in (1, 7, 40):
        reference = np.zeros((2, steps, 3), np.float32)
        out = np.asarray(layer(code, reference))
        assert out.shape == (2, steps, 2 + 2 * len(frequencies))
        np.testing.assert_array_equal(out[..., :2], np.repeat(code[:, None], steps, 1))
        angles = np.arange(steps)[:, None] * frequencies
        positions = np.concatenate([np.sin(angles), np.cos(angles)], -1)
        for row in out:  # the same positions for every sequence
            np.testing.assert_allclose(row[:, 2:], positions, atol=1e-6)


@pytest.mark.parametrize("width", [1, 2, 5, 6])
def test_bidirectional_code_is_exactly_n_components_wide(width):
    arch = _network.Architecture(2, width, (), "gru", True, 0.0, 0.0, "linear")
    _, encoder = _network.build(arch)
    assert encoder.output.shape[-1] == width


def test_recurrent_layers_never_get_an_empty_mask_row():
    """cuDNN refuses fully masked sequences; an empty one reads its first step."""
    mask = np.arange(4) < np.array([[4], [2], [0]])
    reads = np.asarray(_network.ReadSteps()(mask))
    np.testing.assert_array_equal(reads[:2], mask[:2])  # real sequences unchanged
    np.testing.assert_array_equal(reads[2], [True, False, False, False])


@pytest.mark.parametrize("last_state", [True, False])
def test_pooling_takes_the_last_real_step_mean_and_max(last_state):
    sequence = np.array(
        [[[1.0, -2.0], [3.0, -4.0], [2.0, -1.0], [9.0, 9.0]],  # 3 real steps
         [[5.0, 5.0], [6.0, 6.0], [7.0, 7.0], [8.0, 8.0]]],  # empty
        np.float32,
    )  # fmt: skip
    real = np.arange(4) < np.array([[3], [0]])
    width = 6 if last_state else 4  # two features, three parts or two
    pooled = np.asarray(_network.MaskedPooling(width, last_state)(sequence, real))
    last, mean, largest = [2.0, -1.0], [2.0, -7 / 3], [3.0, -1.0]
    expected = [*last, *mean, *largest] if last_state else [*mean, *largest]
    assert pooled.shape == (2, width)
    np.testing.assert_allclose(pooled[0], expected, rtol=1e-6)
    np.testing.assert_array_equal(pooled[1], 0.0)  # padding and empty: zeros


@pytest.mark.parametrize("code_scaling", ["sample", "batch", None])
@pytest.mark.parametrize(
    "pooling, last_state", [(False, True), (True, True), (True, False)]
)
def test_an_empty_sequence_has_a_zero_code(pooling, last_state, code_scaling):
    arch = _network.Architecture(
        **{
            **ARCH.__dict__,
            "pooling": pooling,
            "last_state": last_state,
            "code_scaling": code_scaling,
            "hidden_layer_sizes": (),
        }
    )
    model, encoder = _network.build(arch)
    _network.initialize(model, arch, seed=0)
    values = np.full((2, 3, 2), 5.0, np.float32)  # the empty row's steps too
    mask = np.arange(3) < np.array([[3], [0]])
    codes = encoder.predict_on_batch([values, mask])
    np.testing.assert_array_equal(codes[1], 0.0)
    assert np.abs(codes[0]).max() > 0


def test_batch_scaling_divides_every_code_by_one_moving_number():
    layer = _network.BatchRMSScaling(momentum=0.9)
    first = np.array([[3.0, 4.0], [0.0, 1.0]], np.float32)  # mean square 6.5
    second = np.array([[1.0, 1.0], [1.0, 1.0]], np.float32)  # mean square 1
    # Before any training batch the layer passes codes through.
    np.testing.assert_allclose(layer(first, training=False), first)
    scaled = np.asarray(layer(first, training=True))
    np.testing.assert_allclose(scaled, first / np.sqrt(6.5), rtol=1e-5)
    # One number for the batch: each code keeps its size relative to the others.
    assert np.sqrt((scaled**2).mean()) == pytest.approx(1.0, rel=1e-5)
    assert float(layer.moving_rms.numpy()) == pytest.approx(np.sqrt(6.5), rel=1e-5)
    layer(second, training=True)
    expected = 0.9 * np.sqrt(6.5) + 0.1 * 1.0
    assert float(layer.moving_rms.numpy()) == pytest.approx(expected, rel=1e-5)
    # Prediction divides by the moving value and leaves it alone.
    np.testing.assert_allclose(
        layer(second, training=False), second / expected, rtol=1e-5
    )
    assert float(layer.moving_rms.numpy()) == pytest.approx(expected, rel=1e-5)


PATCHED = _network.Architecture(**{**ARCH.__dict__, "patch_size": 3, "pooling": True})


@pytest.fixture(scope="module")
def patched():
    model, encoder = _network.build(PATCHED)
    _network.initialize(model, PATCHED, seed=3)
    return model, encoder


def test_patches_hold_consecutive_steps_and_their_mask():
    values = np.arange(1, 11, dtype=np.float32).reshape(1, 5, 2)
    mask = np.array([[True, True, True, True, False]])
    patches = np.asarray(_network.Patches(2)(values, mask))
    # Steps (1,2), (3,4) | (5,6), (7,8) | the last real step, then zero padding.
    np.testing.assert_array_equal(
        patches[0],
        [[1, 2, 1, 3, 4, 1], [5, 6, 1, 7, 8, 1], [0, 0, 0, 0, 0, 0]],
    )
    np.testing.assert_array_equal(
        np.asarray(_network.PatchMask(2)(mask)), [[True, True, False]]
    )


def test_unpatch_undoes_the_patches_and_cuts_to_the_input_length():
    size, channels, n_steps = 3, 2, 7
    values = np.arange(2 * 9 * channels, dtype=np.float32).reshape(2, 9, channels)
    logits = -np.arange(2 * 9, dtype=np.float32).reshape(2, 9, 1)
    decoded = np.concatenate(
        [values.reshape(2, 3, size * channels), logits.reshape(2, 3, size)], axis=-1
    )
    out = np.asarray(
        _network.Unpatch(size, channels)(decoded, np.zeros((2, n_steps, 1)))
    )
    np.testing.assert_array_equal(out[..., :channels], values[:, :n_steps])
    np.testing.assert_array_equal(out[..., channels:], logits[:, :n_steps])


def test_with_patches_padding_never_reaches_the_code(patched):
    _, encoder = patched
    rng = np.random.RandomState(0)
    values = rng.normal(size=(4, 8, 2)).astype(np.float32)
    lengths = np.array([[8], [5], [1], [0]])
    mask = np.arange(8) < lengths
    garbage = values.copy()
    garbage[~mask] = 1e3
    codes = encoder.predict_on_batch([values, mask])
    np.testing.assert_array_equal(codes, encoder.predict_on_batch([garbage, mask]))
    # Any amount of trailing padding: the patches start at the first step.
    longer = np.concatenate([values, np.zeros((4, 7, 2), np.float32)], axis=1)
    longer_mask = np.arange(15) < lengths
    np.testing.assert_allclose(
        encoder.predict_on_batch([longer, longer_mask]), codes, atol=1e-6
    )
    np.testing.assert_array_equal(codes[3], 0.0)  # an empty sequence


def test_with_patches_the_model_decodes_every_step(patched):
    model, encoder = patched
    for steps in (1, 3, 7, 10):
        values = np.random.RandomState(steps).normal(size=(2, steps, 2))
        mask = np.ones((2, steps), bool)
        out = model.predict_on_batch([values.astype(np.float32), mask])
        assert out.shape == (2, steps, 3)
        decoder = _network.build_decoder(model, PATCHED, steps)
        codes = encoder.predict_on_batch([values.astype(np.float32), mask])
        np.testing.assert_allclose(decoder.predict_on_batch(codes), out, atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_projected_recurrent_layers_compute_what_keras_layers_compute(
    cell, go_backwards, return_sequences, zero_output_for_mask
):
    """Same weights, same outputs, states and gradients as Keras's own layer.

    Masked, with a sequence of no real step, garbage in the padding and an
    initial state: on TensorFlow a forward LSTM runs the fused kernel, the
    other layers the projected loop.
    """
    ours_class = {"lstm": _network.LSTM, "gru": _network.GRU}[cell]
    keras_class = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    rng = np.random.RandomState(0)
    x = rng.normal(size=(5, 7, 3)).astype(np.float32)
    mask = np.arange(7) < np.array([[7], [4], [0], [6], [2]])
    x[~mask] = 1e3  # never read by Keras's layer; must not count in ours
    options = dict(
        return_sequences=return_sequences, go_backwards=go_backwards,
        return_state=True,
    )  # fmt: skip
    ours, theirs = ours_class(6, **options), keras_class(6, **options)
    for layer in (ours, theirs):
        layer.zero_output_for_mask = zero_output_for_mask
        layer.build(x.shape)
    weights = [rng.normal(scale=0.5, size=w.shape) for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    state = rng.normal(size=(5, 6)).astype(np.float32)
    initial = [state, state] if cell == "lstm" else [state]

    for a, b in zip(
        ours(x, mask=mask, initial_state=initial),
        theirs(x, mask=mask, initial_state=initial),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, atol=1e-5)
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    def gradients(layer):
        inputs = [tf.constant(x), *map(tf.constant, initial)]
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out, *states = layer(inputs[0], mask=mask, initial_state=inputs[1:])
            total = tf.reduce_sum(out * np.linspace(-1, 1, out.shape[-1]))
            total += sum(tf.reduce_sum(s * s) for s in states)
        return tape.gradient(total, [*layer.weights, *inputs])

    for a, b in zip(gradients(ours), gradients(theirs), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


JAX_LOOP = textwrap.dedent(
    """
    import json

    import jax
    import keras
    import numpy as np

    from sklearn_lstm_ae import _network

    rng = np.random.RandomState(0)
    x = rng.normal(size=(5, 7, 3)).astype(np.float32)
    mask = np.arange(7) < np.array([[7], [4], [0], [6], [2]])
    results = []
    for cell in ("LSTM", "GRU"):
        for go_backwards in (False, True):
            options = dict(
                return_sequences=True, return_state=True, go_backwards=go_backwards
            )
            ours = getattr(_network, cell)(6, **options)
            theirs = getattr(keras.layers, cell)(6, **options)
            for layer in (ours, theirs):
                layer.build(x.shape)
            shapes = [w.shape for w in theirs.get_weights()]
            weights = [rng.normal(scale=0.5, size=shape) for shape in shapes]
            ours.set_weights(weights)
            theirs.set_weights(weights)
            state = rng.normal(size=(5, 6)).astype(np.float32)
            initial = [state, state] if cell == "LSTM" else [state]
            equal = all(
                np.array_equal(a, b)
                for a, b in zip(
                    ours(x, mask=mask, initial_state=initial),
                    theirs(x, mask=mask, initial_state=initial),
                )
            )
            traced = jax.make_jaxpr(lambda v: ours(v, mask=mask))(x)
            top = [eq.primitive.name for eq in traced.eqns]
            results.append([cell, go_backwards, equal, top.count("dot_general")])
    print(json.dumps([jax.default_backend(), results]))
    """
)


def test_on_jax_on_a_cpu_the_layers_run_keras_loop():
    # XLA runs Keras's loop (each step's input product inside it) faster
    # than the projected one there: the same results as Keras's layers to
    # the bit, and no product before the loop (the projected loop has one).
    platform, results = run_on_jax(JAX_LOOP)
    assert platform == "cpu"
    assert [r[:2] for r in results] == [
        [cell, backwards] for cell in ("LSTM", "GRU") for backwards in (False, True)
    ]
    for cell, backwards, equal, products_before_loop in results:
        assert equal, (cell, backwards)
        assert products_before_loop == 0, (cell, backwards)


def _code_and_repeated(rng, rows=5, steps=7, width=3):
    code = rng.normal(size=(rows, width)).astype(np.float32)
    reference = np.zeros((rows, steps, 1), np.float32)
    return code, np.asarray(_network.RepeatToLength()(code, reference))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_decoder_layer_reads_the_repeated_code_once(cell):
    """The first decoder layer projects the code once, not at every step:
    the outputs, states and (TensorFlow) gradients of Keras's layer on the
    repeated code and positions, within float rounding.

    On TensorFlow a forward LSTM runs the fused kernel (no loop to take the
    product out of), so the LSTM is checked here with the kernel off."""
    ours_class = {"lstm": _network.LSTM, "gru": _network.GRU}[cell]
    keras_class = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    rng = np.random.RandomState(0)
    code, repeated = _code_and_repeated(rng)
    options = dict(return_sequences=True, return_state=True)
    ours, theirs = ours_class(6, **options), keras_class(6, **options)
    ours.repeats, ours.fused = code.shape[1], False
    for layer in (ours, theirs):
        layer.build(repeated.shape)
    weights = [rng.normal(scale=0.5, size=w.shape) for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    state = rng.normal(size=(5, 6)).astype(np.float32)
    initial = [state, np.zeros_like(state)] if cell == "lstm" else [state]
    results = [layer(repeated, initial_state=initial) for layer in (ours, theirs)]
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    # It reads the code at the first step and the positions of the first
    # sequence only (right for the decoder's input, which repeats them):
    # changed elsewhere, Keras's layer sees it and ours does not. On JAX,
    # Keras's own GRU loop comes first (it projects every step's input
    # before its loop already) and reads the whole input.
    changed = repeated.copy()
    changed[:, 1:, : code.shape[1]] += 1.0
    changed[1:, :, code.shape[1] :] += 1.0
    out = ours(changed, initial_state=initial)[0]
    if cell == "gru" and keras.backend.backend() == "jax":
        assert not np.allclose(out, results[0][0])
    else:
        np.testing.assert_array_equal(out, results[0][0])
    assert not np.allclose(theirs(changed, initial_state=initial)[0], results[1][0])
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    def gradients(layer):
        inputs = tf.constant(code)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            x = _network.RepeatToLength()(inputs, repeated[..., :1])
            out, *states = layer(x, initial_state=initial)
            total = tf.reduce_sum(out * np.linspace(-1, 1, out.shape[-1]))
            total += sum(tf.reduce_sum(s * s) for s in states)
        return tape.gradient(total, [*layer.weights, inputs])

    for a, b in zip(gradients(ours), gradients(theirs), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


JAX_REPEATED = textwrap.dedent(
    """
    import json

    import jax
    import keras
    import numpy as np

    from sklearn_lstm_ae import LSTMAutoencoderTransformer, _network

    def scan_products(jaxpr):
        # Products inside the recurrent loop (jax.lax.scan's body).
        for eq in jaxpr.eqns:
            if eq.primitive.name == "scan":
                body = eq.params["jaxpr"].jaxpr.eqns
                return [e.primitive.name for e in body].count("dot_general")
            for value in eq.params.values():
                if hasattr(value, "jaxpr"):
                    found = scan_products(getattr(value.jaxpr, "jaxpr", value.jaxpr))
                    if found is not None:
                        return found
        return None

    rng = np.random.RandomState(0)
    code = rng.normal(size=(5, 3)).astype(np.float32)
    repeated = np.asarray(
        _network.RepeatToLength()(code, np.zeros((5, 7, 1), np.float32))
    )
    # The LSTM only: Keras's own GRU loop comes first on JAX.
    options = dict(return_sequences=True, return_state=True)
    ours, theirs = _network.LSTM(6, **options), keras.layers.LSTM(6, **options)
    ours.repeats = 3
    for layer in (ours, theirs):
        layer.build(repeated.shape)
    weights = [rng.normal(scale=0.5, size=w.shape) for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    gap = max(
        float(np.abs(np.asarray(a) - np.asarray(b)).max())
        for a, b in zip(ours(repeated), theirs(repeated))
    )
    loops = [
        scan_products(jax.make_jaxpr(lambda v: layer(v)[0])(repeated))
        for layer in (ours, theirs)
    ]

    # The estimator: the same training with the code read at every step.
    X = rng.normal(size=(40, 9, 2)).astype(np.float32)
    params = dict(n_components=4, max_iter=3, batch_size=8, random_state=0)
    once = LSTMAutoencoderTransformer(**params).fit(X)
    decoder_layers = _network._decoder_layers

    def every_step(arch):
        stack = decoder_layers(arch)
        stack[0].repeats = 0
        return stack

    _network._decoder_layers = every_step
    every = LSTMAutoencoderTransformer(**params).fit(X)
    losses = [once.history_["loss"], every.history_["loss"]]
    codes = float(np.abs(once.transform(X) - every.transform(X)).max())
    print(json.dumps([gap, loops, losses, codes]))
    """
)


def test_on_jax_the_decoder_layer_projects_the_code_outside_its_loop():
    gap, loops, (once, every), codes = run_on_jax(JAX_REPEATED)
    assert gap < 1e-5
    # Products inside the loop: ours multiplies only the state at each step,
    # Keras's LSTM the whole input (code and positions) too.
    assert loops == [1, 2]
    np.testing.assert_allclose(once, every, rtol=1e-5)
    assert codes < 1e-4


def _recurrent_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            yield from (layer.forward_layer, layer.backward_layer)
        elif isinstance(layer, keras.layers.RNN):
            yield layer


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's fused kernel"
)
@pytest.mark.parametrize(
    "changes",
    [{}, {"pooling": True, "n_components": 6}, {"patch_size": 3},
     {"bidirectional": True, "hidden_layer_sizes": (4, 3)}],
)  # fmt: skip
@pytest.mark.parametrize(
    "parts", [1, 3, 4, 8],
    ids=["whole", "3 equal parts", "4 parts, the last longer", "too few rows"],
)  # fmt: skip
def test_fused_lstm_trains_the_network_the_loop_trains(changes, parts, monkeypatch):
    """Autoencoder outputs and every gradient agree with the loop (1e-5),
    with the batch run whole or in parts (one per inter-op thread)."""
    import tensorflow as tf

    monkeypatch.setattr(_network, "inter_op_threads", lambda: parts)
    fused_parts = []
    part = _network._block_lstm_call

    def spy(x, *args):
        fused_parts.append(x.shape[1])  # time-major
        return part(x, *args)

    monkeypatch.setattr(_network, "_block_lstm_call", spy)

    arch = _network.Architecture(**{**ARCH.__dict__, **changes})
    model, _ = _network.build(arch)
    _network.initialize(model, arch, seed=1)
    rng = np.random.RandomState(1)
    values = rng.normal(size=(6, 11, 2)).astype(np.float32)
    mask = np.arange(11) < np.array([[11], [7], [1], [0], [4], [9]])
    values[~mask] = 0.0
    y_true = np.concatenate(
        [values, mask[..., None], np.ones_like(values[..., :1])], -1
    ).astype(np.float32)
    loss = _network.masked_loss("mse")

    def run(fused):
        for layer in _recurrent_layers(model):
            layer.fused = fused
        with tf.GradientTape() as tape:
            out = model([values, mask], training=True)
            total = loss(y_true, out)
        return out, tape.gradient(total, model.trainable_variables)

    (out, grads), (loop_out, loop_grads) = run(True), run(False)
    fused_layers = sum(not layer.go_backwards for layer in _recurrent_layers(model))
    expected = {1: [6], 3: [2, 2, 2], 4: [1, 1, 1, 3], 8: [1] * 7 + [6]}[parts]
    assert fused_parts == expected * fused_layers
    np.testing.assert_allclose(out, loop_out, atol=1e-5)
    for a, b in zip(grads, loop_grads, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's fused kernel"
)
def test_fused_lstm_in_parts_without_a_mask_or_a_state(monkeypatch):
    import tensorflow as tf

    layer = _network.LSTM(4, return_sequences=True, return_state=True)
    x = tf.constant(np.random.RandomState(0).normal(size=(5, 6, 3)), tf.float32)

    def run(parts):
        monkeypatch.setattr(_network, "inter_op_threads", lambda: parts)
        with tf.GradientTape() as tape:
            out, h, c = layer(x, training=True)
            total = tf.reduce_sum(out * out) + tf.reduce_sum(h * c)
        return [out, h, c, *tape.gradient(total, layer.trainable_variables)]

    whole = run(1)
    for parts in (2, 7):  # 7: more parts than rows
        for a, b in zip(run(parts), whole, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's fused kernel"
)
def test_only_forward_lstms_trace_to_the_fused_kernel():
    import tensorflow as tf

    x = tf.zeros((2, 5, 3))
    mask = tf.ones((2, 5), bool)

    def op_types(layer):
        graph = tf.function(lambda: layer(x, mask=mask)).get_concrete_function().graph
        return {op.type for op in graph.get_operations()}

    forward = op_types(_network.LSTM(4))
    assert "BlockLSTM" in forward and "While" not in forward
    for other in (_network.LSTM(4, go_backwards=True), _network.GRU(4)):
        types = op_types(other)
        assert "BlockLSTM" not in types and "While" in types
    unfused = _network.LSTM(4)
    unfused.fused = False
    assert "BlockLSTM" not in op_types(unfused)


@pytest.mark.parametrize(
    "changes",
    [{}, {"cell": "gru"}, {"bidirectional": True, "n_components": 5},
     {"bidirectional": True, "cell": "gru", "hidden_layer_sizes": (3, 2)},
     {"pooling": True, "n_components": 7, "code_scaling": "batch"},
     {"pooling": True, "bidirectional": True, "code_scaling": None},
     {"pooling": True, "n_components": 9, "level_and_spread": True},
     {"pooling": True, "last_state": False, "n_components": 7},
     {"pooling": True, "last_state": False, "bidirectional": True,
      "level_and_spread": True, "n_components": 9},
     {"n_components": 7, "level_and_spread": True, "patch_size": 3}],
)  # fmt: skip
def test_weight_shapes_are_worked_out_without_building(changes):
    arch = _network.Architecture(**{**ARCH.__dict__, **changes})
    model, _ = _network.build(arch)
    built = [tuple(v.shape) for v in model.variables if v.dtype == "float32"]
    assert sorted(_network.weight_shapes(arch)) == sorted(built)


def test_a_loss_object_is_copied_with_every_argument():
    huber = keras.losses.Huber(delta=0.3, name="h")
    copy = _network.clone_loss(huber)
    assert copy is not huber and type(copy) is keras.losses.Huber
    # Keras's own get_config leaves delta out; the copy keeps it.
    assert _network.loss_config(copy) == {
        "name": "h",
        "reduction": "sum_over_batch_size",
        "delta": 0.3,
    }
    errors = keras.ops.array([[1.0]]), keras.ops.array([[0.0]])
    assert float(copy(*errors)) == pytest.approx(0.3 * (1.0 - 0.15))


def _adam_steps(cls, settings, run=lambda step: step()):
    """Variables after five steps of ``cls(**settings)`` on fixed gradients."""
    rng = np.random.RandomState(0)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    variables = [keras.Variable(rng.normal(size=s).astype("float32")) for s in shapes]
    gradients = [
        [rng.normal(size=s).astype("float32") for s in shapes] for _ in range(5)
    ]
    optimizer = cls(**settings)
    optimizer.build(variables)
    for step_gradients in gradients:
        step_gradients = [keras.ops.convert_to_tensor(g) for g in step_gradients]
        run(functools.partial(optimizer.apply, step_gradients, variables))
    to_numpy = keras.ops.convert_to_numpy
    return [to_numpy(keras.ops.convert_to_tensor(v)) for v in variables]


# Betas whose ``1 - beta`` is exact in float32 and float64: there the fused
# kernel the package's Adam runs on TensorFlow equals Keras's to the bit.
ADAM_SETTINGS = [
    {"beta_1": 0.5, "beta_2": 0.75}, {"amsgrad": True},
    {"beta_1": 0.875, "beta_2": 0.9375, "gradient_accumulation_steps": 2},
    {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3},
]  # fmt: skip


def _fused(settings):
    """Whether the package's Adam updates with TensorFlow's fused kernel."""
    return keras.backend.backend() == "tensorflow" and not settings.get("amsgrad")


@pytest.mark.parametrize("settings", ADAM_SETTINGS)
def test_the_package_adam_updates_as_keras_adam_does(settings):
    keras_adam = _adam_steps(keras.optimizers.Adam, settings)
    ours = _adam_steps(_network.Adam, settings)
    for expected, got in zip(keras_adam, ours, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(ours[0], _adam_steps(_network.Adam, {"beta_1": 0.3})[0])


@pytest.mark.parametrize("settings", [{}, {"learning_rate": 0.01, "epsilon": 1e-3}])
def test_the_package_adam_at_keras_default_betas(settings):
    """``1 - 0.999`` rounded to float32 from Python's float (Keras) or
    computed in float32 (TensorFlow's fused kernel) differs by 1.3e-5
    relatively: within 1e-5 of Keras's values after five steps there, to the
    bit elsewhere."""
    keras_adam = _adam_steps(keras.optimizers.Adam, settings)
    ours = _adam_steps(_network.Adam, settings)
    for expected, got in zip(keras_adam, ours, strict=True):
        if _fused(settings):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=0)
        else:
            np.testing.assert_array_equal(got, expected)
    assert _fused(settings) != all(map(np.array_equal, ours, keras_adam))


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's traced graph"
)
@pytest.mark.parametrize("settings", ADAM_SETTINGS)
def test_the_package_adam_traces_its_step_size_once(settings):
    import tensorflow as tf

    graphs = []

    def traced(step):
        function = tf.function(step)
        graphs.append(function.get_concrete_function().graph)
        function()

    keras_adam = _adam_steps(keras.optimizers.Adam, settings, traced)
    keras_graph = graphs[-1]
    ours = _adam_steps(_network.Adam, settings, traced)
    for expected, got in zip(keras_adam, ours, strict=True):
        np.testing.assert_array_equal(got, expected)

    def kinds(graph):  # of its operations, those of its branches included
        ops = [op.type for op in graph.get_operations()]
        for function in graph.as_graph_def().library.function:
            ops += [op.op for op in function.node_def]
        return ops

    def count(graph, kind):
        return kinds(graph).count(kind)

    # Keras: beta_1**t and beta_2**t for each of the three variables; ours:
    # once per step, except under gradient accumulation. Each variable's
    # update is one fused kernel, except with amsgrad.
    shared = "gradient_accumulation_steps" not in settings
    assert count(keras_graph, "Pow") == 6
    assert count(graphs[-1], "Pow") == (2 if shared else 6)
    assert count(keras_graph, "ResourceApplyAdam") == 0
    assert count(graphs[-1], "ResourceApplyAdam") == (3 if _fused(settings) else 0)
    assert len(kinds(graphs[-1])) < len(kinds(keras_graph))


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's fused kernel"
)
def test_the_package_adam_under_a_distribution_strategy_is_keras_adam():
    """Under a ``tf.distribute`` strategy the package's Adam keeps Keras's
    operations: Keras's updates to the bit at the default betas, where the
    fused kernel's differ."""
    import tensorflow as tf

    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")

    def steps(cls):
        with strategy.scope():
            return _adam_steps(cls, {}, lambda step: strategy.run(tf.function(step)))

    keras_adam = steps(keras.optimizers.Adam)
    for expected, got in zip(keras_adam, steps(_network.Adam), strict=True):
        np.testing.assert_array_equal(got, expected)
    fused = _adam_steps(_network.Adam, {})
    assert not any(map(np.array_equal, fused, keras_adam))


def test_only_keras_adam_itself_is_replaced_for_training():
    adam = keras.optimizers.Adam(learning_rate=0.02, amsgrad=True)
    ours = _network.optimizer_for_training(adam)
    assert type(ours) is (
        keras.optimizers.Adam if keras.backend.backend() == "torch" else _network.Adam
    )
    assert ours.get_config() == adam.get_config()

    class MyAdam(keras.optimizers.Adam):
        pass

    for other in (MyAdam(), keras.optimizers.AdamW(), keras.optimizers.SGD()):
        assert _network.optimizer_for_training(other) is other
