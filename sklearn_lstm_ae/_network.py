"""The recurrent autoencoder, in pure Keras: no scikit-learn here.

The autoencoder ``model`` takes ``[values, mask]``: zero-padded values of shape
``(batch, steps, channels)`` and a boolean mask ``(batch, steps)`` that is True at
real steps. The encoder reads only the real steps (a masked step leaves the
recurrent state as it was), so padding never reaches the code. The decoder
repeats the code once per step and runs the mirrored recurrent stack over it; a
per-step dense layer gives the reconstruction (``channels`` wide) and one more
unit gives the logit that the step exists, which is how a code carries the
length of its sequence. The output is their concatenation, ``channels + 1`` wide.
"""

import contextlib
import inspect
import os
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops

# Keras's own masked recurrent loop (what its RNN layers run where cuDNN does
# not): used as is, so that masking and go_backwards behave exactly as in
# Keras's layers.
from keras.src.backend import rnn as _backend_rnn

from ._backend import tensorflow_quietly


class _ProjectedLoop(layers.RNN):
    """The recurrent loop with the input projection of every step done at once.

    Keras's generic loop (used where cuDNN is not) multiplies each step's input
    by the input kernel inside the loop, one small product per step, and a
    loop step costs a fixed overhead per operation. Here one product projects
    the inputs of all steps first, and the loop keeps only the recurrent
    product and the gates: the same function of the same weights, with
    about half the work per step. Mixed in after Keras's ``LSTM`` or ``GRU``,
    whose own ``inner_loop`` tries cuDNN first and calls this one otherwise.
    Training with dropout, where Keras draws masks per step, keeps Keras's
    loop, and so does JAX on a CPU (see :func:`_compiles_whole_loop`), except
    in the decoder's first layer, whose loop only needs the recurrent
    product there too (see :meth:`_repeated_input`).

    On TensorFlow, a forward LSTM goes further: the whole sequence is one
    fused operation (TensorFlow's block LSTM kernel, forward and gradient),
    see :func:`_fused_lstm`. ``fused = False`` (what export sets) keeps the
    loop.
    """

    fused = True
    # Set on the decoder's first layer (see _decoder_layers): the width of the
    # code at the front of each input step, the same at every step, followed
    # by the step's position features, the same for every sequence.
    repeats = 0

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        repeated = bool(self.repeats) and mask is None
        if (
            (training and (cell.dropout or cell.recurrent_dropout))
            or not (cell.use_bias and getattr(cell, "reset_after", True))
            or (_compiles_whole_loop() and not repeated)
        ):
            return super().inner_loop(sequences, initial_state, mask, training)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if self._can_fuse(sequences):
            return _fused_lstm(
                cell, sequences, initial_state, mask,
                return_sequences=self.return_sequences,
                zero_output_for_mask=self.zero_output_for_mask,
                parts=inter_op_threads(), training=bool(training),
            )  # fmt: skip
        input_bias, step = _projected_step(cell)
        if repeated:
            step, projected = self._repeated_input(sequences, input_bias, step)
        else:
            projected = ops.matmul(sequences, cell.kernel) + input_bias
        return _backend_rnn(
            step,
            projected,
            list(initial_state),
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=sequences.shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )

    def _repeated_input(self, sequences, input_bias, step):
        """The step and its projected inputs for an input that repeats the
        code at every step (the decoder's first layer, see ``repeats``).

        A step's input product is then the code's product, the same at every
        step (made once, before the loop), plus the position's, the same for
        every sequence (made for one row), so the loop keeps only the
        recurrent product: the work of a layer that reads the positions
        alone. The same function of the same weights, within float rounding
        (the sums are taken in another order). Only the code at the first
        step and the positions of the first sequence are read.
        """
        width, kernel = self.repeats, self.cell.kernel
        code, positions = sequences[:, 0, :width], sequences[:1, :, width:]
        constant = ops.matmul(code, kernel[:width]) + input_bias

        def repeated_step(projected, states):
            return step(projected + constant, states)

        return repeated_step, ops.matmul(positions, kernel[width:])

    def _can_fuse(self, sequences):
        cell = self.cell
        return (
            self.fused
            and keras.backend.backend() == "tensorflow"
            and isinstance(cell, layers.LSTMCell)
            and not self.go_backwards
            and not self.unroll
            and sequences.dtype == "float32"
            and cell.activation is keras.activations.tanh
            and cell.recurrent_activation is keras.activations.sigmoid
        )


def _compiles_whole_loop():
    """Whether Keras's own loop is the faster one here: JAX on a CPU.

    XLA compiles the whole loop, so the products inside it cost no fixed
    overhead each, and on a CPU it ran Keras's loop faster than the projected
    one: a steady-state epoch and a ``transform`` of the speed benchmark
    took about a fifth less time (see the performance page). On a GPU the
    projected loop is kept, as it was measured there.
    """
    if keras.backend.backend() != "jax":
        return False
    import jax

    return jax.default_backend() == "cpu"


def inter_op_threads():
    """TensorFlow's inter-op threads (a thread per usable core unless set); 1
    on other backends: Keras's JAX predict step donates the model's state
    buffers to each call, so two threads must not call it at once."""
    if keras.backend.backend() != "tensorflow":
        return 1
    import tensorflow as tf

    configured = tf.config.threading.get_inter_op_parallelism_threads()
    if not configured:
        configured = int(os.environ.get("TF_NUM_INTEROP_THREADS") or 0)
    if not configured:
        configured = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count()
        )
    return max(1, configured or 1)


# Prediction blocks are padded to whole blocks of this many rows (see
# _training.predict), and so are the parts the fused LSTM cuts them into: a
# sequence's result stays independent of its batch-mates.
PREDICT_PART_ROWS = 64


def _fused_lstm(cell, sequences, initial_state, mask, *, return_sequences,
                zero_output_for_mask, parts=1, training=False):  # fmt: skip
    """A forward LSTM over every step in one TensorFlow operation per part.

    ``BlockLSTM`` runs the loop, gates included, in C++ (its gradient too):
    no per-step operations in the graph. Its weights are
    ``[kernel; recurrent_kernel]`` with the gates in its order (input, cell,
    forget, output; Keras's is input, forget, cell, output). ``BlockLSTMV2``
    takes Keras's order, but TensorFlow 2.21 gives it ``BlockLSTM``'s
    gradient, which reads the gates in the other order.

    The kernel has no mask. A mask here holds the real steps first and the
    padding after them, as every mask this package makes does, and a
    forward layer's outputs at real steps do not depend on what follows
    them: the loop runs over the padding too (read as zeros) and the final
    state is gathered at each sequence's last real step. The outputs at
    padding are what Keras's masked loop gives there (the last real output,
    or zeros with ``zero_output_for_mask``), and a sequence with no real step
    keeps the initial state and outputs zeros.

    One call of the kernel steps through the sequences on one core. With
    ``parts`` above 1 the batch's rows are cut into that many parts, each
    run by its own call: the calls do not depend on each other, so
    TensorFlow's inter-op threads run them at once (see
    :func:`_block_lstm`).
    """
    import tensorflow as tf

    h0, c0 = initial_state
    if mask is not None:
        # The loop reads the padding too: zeros there, so that nothing in it
        # (NaN, say) reaches the gradient of the real steps.
        sequences = tf.where(mask[..., None], sequences, 0.0)
    x = tf.transpose(sequences, [1, 0, 2])
    multiple = 1 if training else PREDICT_PART_ROWS
    c, h = _block_lstm(cell, x, h0, c0, parts, multiple)
    if mask is None:
        last_h, last_c = h[-1], c[-1]
        last_output = last_h
    else:
        # Gathered from the time-major outputs: no transpose of them.
        lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
        at = tf.stack([tf.maximum(lengths - 1, 0), tf.range(tf.shape(h)[1])], 1)
        any_real = (lengths > 0)[:, None]
        last_output = tf.where(any_real, tf.gather_nd(h, at), 0.0)
        last_h = tf.where(any_real, last_output, h0)
        last_c = tf.where(any_real, tf.gather_nd(c, at), c0)
        if zero_output_for_mask:  # Keras's last output is its last step's
            last_output = tf.where(mask[:, -1:], last_output, 0.0)
    if not return_sequences:
        return last_output, last_output[:, None], [last_h, last_c]
    outputs = tf.transpose(h, [1, 0, 2])  # batch first again
    if mask is not None:
        fill = 0.0 if zero_output_for_mask else last_output[:, None]
        outputs = tf.where(mask[..., None], outputs, fill)
    return last_output, outputs, [last_h, last_c]


def _block_lstm(cell, x, h0, c0, parts, multiple):
    """The cell states and outputs of ``BlockLSTM`` over time-major ``x``
    from ``h0``, ``c0``: one call, or one per part of the rows.

    All but the last part hold an equal share of the rows, a whole number of
    ``multiple`` rows. Where the rows are too few for that, all of them go
    to the last part and the others get one empty row each: no part is
    ever empty, since the kernel's gradient over no rows is not zero
    (TensorFlow 2.21).
    """
    import tensorflow as tf

    zeros = tf.zeros([cell.units], dtype=x.dtype)
    weights = dict(
        w=_input_cell_forget_output(
            tf.concat([cell.kernel, cell.recurrent_kernel], axis=0)
        ),
        wci=zeros, wcf=zeros, wco=zeros, b=_input_cell_forget_output(cell.bias),
        forget_bias=0.0, cell_clip=0.0, use_peephole=False,
    )  # fmt: skip
    if parts <= 1:
        return _block_lstm_call(x, h0, c0, weights)
    rows = tf.shape(x)[1]
    size = rows // (parts * multiple) * multiple
    added = tf.where(size == 0, parts - 1, 0)  # empty rows in front
    size = tf.maximum(size, 1)
    sizes = [size] * (parts - 1) + [rows + added - (parts - 1) * size]

    def split(value, axis):
        pad = [[0, 0]] * len(value.shape)
        pad[axis] = [added, 0]
        return tf.split(tf.pad(value, pad), sizes, axis=axis, num=parts)

    results = [
        _block_lstm_call(*part, weights)
        for part in zip(split(x, 1), split(h0, 0), split(c0, 0), strict=True)
    ]
    c, h = (
        tf.concat(states, axis=1)[:, added:] for states in zip(*results, strict=True)
    )
    return c, h


def _block_lstm_call(x, h0, c0, weights):
    """One call of ``BlockLSTM``: its cell states and outputs."""
    import tensorflow as tf

    steps = tf.cast(tf.shape(x)[0], tf.int64)
    out = tf.raw_ops.BlockLSTM(seq_len_max=steps, x=x, cs_prev=c0, h_prev=h0, **weights)
    return out[1], out[6]


def _input_cell_forget_output(weights):
    """Keras's LSTM gate columns (i, f, c, o) in block-LSTM order (i, c, f, o)."""
    i, f, c, o = ops.split(weights, 4, axis=-1)
    return ops.concatenate([i, c, f, o], axis=-1)


def _projected_step(cell):
    """The bias of ``cell``'s input product and its step from a projected input."""
    if isinstance(cell, layers.LSTMCell):
        return cell.bias, _lstm_step(cell)
    return cell.bias[0], _gru_step(cell, cell.bias[1])


def _lstm_step(cell):
    """One LSTM step from a projected input: Keras's gate order i, f, c, o."""

    def step(projected, states):
        h, c = states
        z = projected + ops.matmul(h, cell.recurrent_kernel)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = cell.recurrent_activation(z_i)
        f = cell.recurrent_activation(z_f)
        c = f * c + i * cell.activation(z_c)
        h = cell.recurrent_activation(z_o) * cell.activation(c)
        return h, [h, c]

    return step


def _gru_step(cell, recurrent_bias):
    """One GRU step from a projected input (``reset_after=True``, Keras's default)."""

    def step(projected, states):
        h = states[0]
        inner = ops.matmul(h, cell.recurrent_kernel) + recurrent_bias
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
        r_z, r_r, r_h = ops.split(inner, 3, axis=-1)
        z = cell.recurrent_activation(x_z + r_z)
        r = cell.recurrent_activation(x_r + r_r)
        candidate = cell.activation(x_h + r * r_h)
        h = z * h + (1.0 - z) * candidate
        return h, [h]

    return step


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class LSTM(layers.LSTM, _ProjectedLoop):
    """Keras's ``LSTM`` (same weights, cuDNN where Keras uses it), projected loop."""


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class GRU(layers.GRU, _ProjectedLoop):
    """Keras's ``GRU`` (same weights, cuDNN where Keras uses it), projected loop."""


_CELLS = {"lstm": LSTM, "gru": GRU}


# Angular frequencies of the step-position features the decoder gets beside
# the code: periods from about 6 to 400 steps.
POSITION_FREQUENCIES = (1.0, 0.25, 1.0 / 16, 1.0 / 64)


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class RepeatToLength(layers.Layer):
    """Repeat a code once per step of a reference sequence, with the step's position.

    Each step gets the code followed by sines and cosines of its index at
    :data:`POSITION_FREQUENCIES`: a decoder that knows where it is need not
    learn to count from a constant input, which otherwise stalls training on
    a plateau where every step is decoded as the average step.
    """

    def call(self, code, reference):
        # Broadcasting against a slice of the reference takes the number of
        # steps from the data, so one traced graph serves every length. The
        # code is broadcast, not multiplied by ones: the same values, whose
        # gradient is one sum (less work in the training step).
        ones = ops.ones_like(reference[..., :1])
        index = ops.cumsum(ones, axis=1) - 1.0
        angles = index * ops.convert_to_tensor(POSITION_FREQUENCIES, dtype=ones.dtype)
        shape = ops.shape(reference)
        repeated = ops.broadcast_to(
            ops.expand_dims(code, 1), (shape[0], shape[1], code.shape[-1])
        )
        return ops.concatenate([repeated, ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, code_shape, reference_shape):
        width = code_shape[-1] + 2 * len(POSITION_FREQUENCIES)
        return (code_shape[0], reference_shape[1], width)


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class MaskedPooling(layers.Layer):
    """Output at the last real step, mean and max over real steps, cut to ``width``.

    The output at the last real step is a forward layer's final state; with
    ``last_state=False`` it is left out. An empty sequence gives zeros.
    """

    def __init__(self, width, last_state=True, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.last_state = last_state
        # The recurrent output carries Keras's mask; this layer uses the same
        # real steps explicitly and ends the mask here.
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def call(self, sequence, real_steps):
        real = ops.expand_dims(ops.cast(real_steps, sequence.dtype), -1)
        count = ops.sum(real, axis=1)
        mean = ops.sum(sequence * real, axis=1) / ops.maximum(count, 1.0)
        lowest = ops.min(sequence, axis=1, keepdims=True) - 1.0
        largest = ops.max(sequence * real + lowest * (1.0 - real), axis=1)
        largest = largest * ops.minimum(count, 1.0)  # empty sequences: zeros
        parts = [mean, largest]
        if self.last_state:
            at_end = ops.cast(
                ops.equal(ops.cumsum(real, axis=1), ops.expand_dims(count, 1)),
                real.dtype,
            )
            parts.insert(0, ops.sum(sequence * real * at_end, axis=1))
        return ops.concatenate(parts, axis=-1)[:, : self.width]

    def compute_output_shape(self, sequence_shape, real_steps_shape):
        return (sequence_shape[0], self.width)

    def get_config(self):
        return {
            **super().get_config(),
            "width": self.width,
            "last_state": self.last_state,
        }


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class LevelAndSpread(layers.Layer):
    """Each channel's mean and standard deviation over the real steps, centred
    and weighted: ``(statistics - center) * weight``, ``2 * channels`` wide.

    ``center`` and ``weight`` are set by the fit from its training set (the
    same statistics, from ``_sequences.moments``); a statistic weighted 0 is
    left out of the code.
    An empty sequence gives zeros.
    """

    def build(self, values_shape, real_steps_shape):
        width = 2 * values_shape[-1]
        self.center = self.add_weight(
            shape=(width,), initializer="zeros", trainable=False, name="level_center"
        )
        self.weight = self.add_weight(
            shape=(width,), initializer="zeros", trainable=False, name="level_weight"
        )

    def call(self, values, real_steps):
        mean, _, size = masked_moments(values, ops.expand_dims(real_steps, -1))
        stats = ops.concatenate([mean[:, 0], size[:, 0]], axis=-1)
        weighted = (stats - self.center) * self.weight
        any_real = ops.any(real_steps, axis=1, keepdims=True)
        return weighted * ops.cast(any_real, weighted.dtype)  # empty: zeros

    def compute_output_shape(self, values_shape, real_steps_shape):
        return (values_shape[0], 2 * values_shape[-1])


def masked_moments(values, real):
    """Each sequence's channels over its real steps (``real``: ``(batch,
    steps, 1)``): their means, the values centred on them (0 at padding) and
    their standard deviations; means and deviations keep a steps axis of 1.

    Keras's ops, so that the exported graph's per-sequence standardisation
    and :class:`LevelAndSpread` compute them alike; NumPy's twin is
    ``_sequences.moments``.
    """
    real = ops.cast(real, values.dtype)
    count = ops.maximum(ops.sum(real, axis=1, keepdims=True), 1.0)
    mean = ops.sum(values * real, axis=1, keepdims=True) / count
    centred = (values - mean) * real
    size = ops.sqrt(ops.sum(centred * centred, axis=1, keepdims=True) / count)
    return mean, centred, size


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class ReadSteps(layers.Layer):
    """The steps the recurrent layers read: the real ones, and always the first.

    cuDNN (TensorFlow's LSTM and GRU kernels on an NVIDIA GPU) refuses a batch
    in which any sequence has no real step. Reading the first step of an empty
    sequence keeps such batches valid; :class:`MaskedPooling` and
    :class:`ZeroIfEmpty` then give that sequence a zero code as before, and
    every other sequence's mask is unchanged.
    """

    def call(self, real_steps):
        ones = ops.ones_like(real_steps, dtype="int32")
        return ops.logical_or(real_steps, ops.equal(ops.cumsum(ones, axis=1), 1))

    def compute_output_shape(self, real_steps_shape):
        return real_steps_shape


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class ZeroIfEmpty(layers.Layer):
    """A final state, or zeros for a sequence with no real step."""

    def call(self, state, real_steps):
        any_real = ops.any(real_steps, axis=1, keepdims=True)
        return state * ops.cast(any_real, state.dtype)

    def compute_output_shape(self, state_shape, real_steps_shape):
        return state_shape


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class Patches(layers.Layer):
    """Read ``size`` consecutive steps as one step, with their mask beside them.

    ``(batch, steps, channels)`` values and a ``(batch, steps)`` mask become
    ``(batch, ceil(steps / size), size * (channels + 1))``: each new step holds
    ``size`` steps, each step's channels followed by 1.0 where it is real and
    0.0 where it is padding. Patches start at the first step, so a sequence's
    patches do not depend on how much padding follows it, and the mask
    channel tells real zeros from the padding of a sequence's last, partial
    patch. The time axis is padded to a multiple of ``size`` here, inside the
    network, so that any number of steps can be read.
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, values, real_steps):
        real = ops.expand_dims(ops.cast(real_steps, values.dtype), -1)
        steps = ops.concatenate([values * real, real], axis=-1)
        return _fold(steps, self.size)

    def compute_output_shape(self, values_shape, real_steps_shape):
        return (values_shape[0], None, self.size * (values_shape[-1] + 1))

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class PatchMask(layers.Layer):
    """``(batch, steps)`` real steps to ``(batch, ceil(steps / size))`` real patches.

    A patch is real when it holds at least one real step.
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, real_steps):
        real = ops.expand_dims(ops.cast(real_steps, "float32"), -1)
        return ops.greater(ops.max(_fold(real, self.size), axis=-1), 0.0)

    def compute_output_shape(self, real_steps_shape):
        return (real_steps_shape[0], None)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class Unpatch(layers.Layer):
    """Decoded patches back to steps, cut to the reference's number of steps.

    Each decoded patch holds ``size * channels`` values (step after step) and
    then ``size`` existence logits; the output is ``(batch, steps, channels +
    1)``, each step's values followed by its logit, as without patches.
    """

    def __init__(self, size, channels, **kwargs):
        super().__init__(**kwargs)
        self.size = size
        self.channels = channels

    def call(self, decoded, reference):
        n_values = self.size * self.channels
        values = _unfold(decoded[..., :n_values], self.size)
        exists = _unfold(decoded[..., n_values:], self.size)
        steps = ops.shape(reference)[1]
        return ops.concatenate([values, exists], axis=-1)[:, :steps]

    def compute_output_shape(self, decoded_shape, reference_shape):
        return (decoded_shape[0], reference_shape[1], self.channels + 1)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "channels": self.channels,
        }


def _fold(steps, size):
    """``(batch, steps, width)`` to ``(batch, ceil(steps / size), size * width)``."""
    batch, n_steps, width = ops.shape(steps)
    # The padded length written as patches times size, which JAX's symbolic
    # shapes (export on JAX) can divide.
    n_patches = (n_steps + size - 1) // size
    steps = ops.pad(steps, [[0, 0], [0, n_patches * size - n_steps], [0, 0]])
    return ops.reshape(steps, (batch, n_patches, size * width))


def _unfold(patches, size):
    """``(batch, patches, size * width)`` to ``(batch, patches * size, width)``."""
    batch, _, width = ops.shape(patches)
    return ops.reshape(patches, (batch, -1, width // size))


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class BatchRMSScaling(layers.Layer):
    """Divide codes by one number: their root-mean-square over the batch.

    In training the number is the current batch's; a moving average of it
    (``momentum`` per batch, started at the first batch's value) is kept for
    prediction, as batch normalisation does. Unlike a per-sample scaling,
    each code keeps its own size.
    """

    def __init__(self, momentum=0.9, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        # Zero until the first training batch sets it.
        self.moving_rms = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="moving_rms"
        )

    def call(self, codes, training=None):
        moving = ops.convert_to_tensor(self.moving_rms)
        started = ops.greater(moving, 0.0)
        if not training:
            return codes / ops.where(started, moving, 1.0)
        rms = ops.sqrt(ops.mean(ops.square(codes)) + self.epsilon)
        average = self.momentum * moving + (1.0 - self.momentum) * rms
        self.moving_rms.assign(ops.stop_gradient(ops.where(started, average, rms)))
        return codes / rms

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }


@dataclass(frozen=True)
class Architecture:
    """Everything that decides the shape of the network (hashable)."""

    n_channels: int
    n_components: int
    hidden_layer_sizes: tuple
    cell: str
    bidirectional: bool
    dropout: float
    recurrent_dropout: float
    output_activation: str
    pooling: bool = False
    # With pooling: whether the output at the last real step is a part of the
    # code beside the mean and the max ("last_mean_max"), or not ("mean_max").
    # Files written before the field existed hold the last state.
    last_state: bool = True
    code_scaling: object = "sample"  # "sample", "batch" or None
    patch_size: int = 1  # steps read (and decoded) together as one
    level_and_spread: bool = False  # the code ends with LevelAndSpread's output

    @staticmethod
    def pooling_fields(pooling):
        """The fields for the estimator's ``pooling`` parameter."""
        return dict(pooling=pooling is not None, last_state=pooling == "last_mean_max")

    @property
    def pooling_name(self):
        """The estimator's ``pooling`` parameter for this code."""
        if not self.pooling:
            return None
        return "last_mean_max" if self.last_state else "mean_max"

    @property
    def encoder_sizes(self):
        return (*self.hidden_layer_sizes, self.n_components)

    @property
    def learned_width(self):
        """The part of the code the encoder learns: all of it, or all but the
        channels' levels and spreads."""
        return self.n_components - 2 * self.n_channels * self.level_and_spread

    @property
    def pooled_parts(self):
        """How many summaries of the last encoder layer make the code."""
        return (3 if self.last_state else 2) if self.pooling else 1

    @property
    def encoder_widths(self):
        """The encoder layers' outputs, each step: with pooling, the last is
        a third of the learned code (last state, mean and max make it), or a
        half without the last state."""
        *widths, _ = self.encoder_sizes
        return (*widths, -(-self.learned_width // self.pooled_parts))

    @property
    def encoder_units(self):
        """Recurrent units of each encoder layer, both directions counted."""
        if not self.bidirectional:
            return self.encoder_widths
        return tuple(2 * _direction_units(w) for w in self.encoder_widths)

    @property
    def decoder_sizes(self):
        return tuple(reversed(self.encoder_sizes))


class _Seeds:
    """Distinct, reproducible integer seeds drawn from one seed (NumPy only)."""

    def __init__(self, seed):
        self._rng = np.random.RandomState(seed)

    def __call__(self):
        return int(self._rng.randint(0, 2**31 - 1))


# Layers are built with constant initialisers and a fixed dropout seed, so that
# building draws nothing from Keras's global random state; `initialize` then
# sets every variable from the fit's own seed.
def _recurrent(arch, units, *, return_sequences, name, go_backwards=False):
    return _CELLS[arch.cell](
        units,
        kernel_initializer="zeros",
        recurrent_initializer="zeros",
        dropout=arch.dropout,
        recurrent_dropout=arch.recurrent_dropout,
        seed=0,
        return_sequences=return_sequences,
        go_backwards=go_backwards,
        name=name,
    )


def _direction_units(width):
    """Units of each direction of a bidirectional layer ``width`` wide.

    The output (and so the code) must be exactly ``width`` wide. An even width
    is split between the directions and concatenated; Keras's Bidirectional
    needs equal directions, so an odd width runs both at full width and
    averages them.
    """
    return width // 2 if width % 2 == 0 else width


def _encoder_layer(arch, width, *, return_sequences, name):
    if not arch.bidirectional:
        return _recurrent(arch, width, return_sequences=return_sequences, name=name)
    units = _direction_units(width)
    merge = "concat" if 2 * units == width else "ave"
    forward = _recurrent(
        arch, units, return_sequences=return_sequences, name=f"{name}_forward"
    )
    backward = _recurrent(
        arch, units, return_sequences=return_sequences,
        name=f"{name}_backward", go_backwards=True,
    )  # fmt: skip
    # Keras's Bidirectional serialises its layers, and its serialization
    # imports TensorFlow wherever it is installed, on any backend: quietly.
    tensorflow_quietly()
    return layers.Bidirectional(
        forward, backward_layer=backward, merge_mode=merge, name=name
    )


def _dense(units, name, activation=None):
    return layers.Dense(
        units, activation=activation, kernel_initializer="zeros", name=name
    )


@contextlib.contextmanager
def float32_policy():
    """Keras's dtype policy held at ``float32`` while the package builds,
    compiles or extends its networks, then put back.

    A policy set for a user's own models (``mixed_float16``, say, through
    ``keras.config.set_dtype_policy``) would otherwise reach the package's
    layers, and with it training stopped as diverged at its second batch
    (Keras's own Adam and SGD alike). Keras keeps the policy per thread, so
    other threads do not see the change.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def build(arch):
    """Build ``(model, encoder)`` for ``arch``; call :func:`initialize` before use."""
    values = keras.Input((None, arch.n_channels), name="values")
    mask = keras.Input((None,), dtype="bool", name="mask")

    if arch.patch_size > 1:
        steps = Patches(arch.patch_size, name="patches")(values, mask)
        real = PatchMask(arch.patch_size, name="patch_mask")(mask)
    else:
        steps, real = values, mask
    reads = ReadSteps(name="read_steps")(real)
    h = steps
    for i, width in enumerate(arch.encoder_widths):
        # With pooling: mean and max over the real steps, a half of the code
        # each (or with the last state, a third each): the last state of a
        # long sequence forgets its start.
        last = i == len(arch.encoder_widths) - 1
        layer = _encoder_layer(
            arch, width, return_sequences=not last or arch.pooling,
            name=f"encoder_{i}",
        )  # fmt: skip
        h = layer(h, mask=reads)
    if arch.pooling:
        h = MaskedPooling(arch.learned_width, arch.last_state, name="pooling")(h, real)
    else:
        h = ZeroIfEmpty(name="final_state")(h, real)
    # The final state of an LSTM is small at initialisation, so the decoder
    # barely depends on it and training sits on a plateau where every
    # sequence decodes to the average step (on the user's one-hot data, for
    # dozens of epochs, long enough for the n_iter_no_change rule to stop it).
    # Scaling the code to unit size removes that plateau: per sample by
    # default, or by one number per batch, which keeps each code's size.
    # Root-mean-square scaling keeps the code's direction (and, for a code of
    # one unit, its sign), where centring would erase narrow codes.
    code = _CODE_SCALINGS[arch.code_scaling](name="code")(h)
    if arch.level_and_spread:
        # Read from the steps themselves, before any patching: the level and
        # spread of each channel, which a code of unit size does not keep.
        stats = LevelAndSpread(name="level_and_spread")(values, mask)
        code = layers.Concatenate(name="code_and_level")([code, stats])

    decoded = RepeatToLength(name="repeat_code")(code, steps)
    decoded = _decode(_decoder_layers(arch), decoded, code)
    if arch.patch_size > 1:
        decoded = Unpatch(arch.patch_size, arch.n_channels, name="unpatch")(
            decoded, values
        )

    model = keras.Model([values, mask], decoded, name="autoencoder")
    encoder = keras.Model([values, mask], code, name="encoder")
    return model, encoder


_CODE_SCALINGS = {
    "sample": layers.RMSNormalization,
    "batch": BatchRMSScaling,
    None: layers.Identity,
}


def weight_shapes(arch):
    """Yield the shape of every float weight :func:`build` makes for ``arch``.

    Worked out from the sizes alone, so that a file's declared architecture
    can be weighed against the weights it stores before anything is built.
    """

    def cell(units, inputs):
        gates = 4 if arch.cell == "lstm" else 3
        yield (inputs, gates * units)
        yield (units, gates * units)
        # Keras's GRU keeps separate input and recurrent biases (reset_after).
        yield (gates * units,) if arch.cell == "lstm" else (2, gates * units)

    size = arch.patch_size
    # A patch holds each of its steps' channels and mask (see Patches).
    inputs = arch.n_channels if size == 1 else size * (arch.n_channels + 1)
    for width in arch.encoder_widths:
        if not arch.bidirectional:
            yield from cell(width, inputs)
        else:
            units = _direction_units(width)
            yield from cell(units, inputs)
            yield from cell(units, inputs)
        inputs = width
    if arch.code_scaling == "sample":
        yield (arch.learned_width,)
    elif arch.code_scaling == "batch":
        yield ()
    if arch.level_and_spread:
        yield (2 * arch.n_channels,)
        yield (2 * arch.n_channels,)
    inputs = arch.n_components + 2 * len(POSITION_FREQUENCIES)
    for width in arch.decoder_sizes:
        yield from cell(width, inputs)
        inputs = width
    for units in (size * arch.n_channels, size):
        yield (inputs, units)
        yield (units,)


def _decoder_layers(arch):
    stack = [
        _recurrent(arch, width, return_sequences=True, name=f"decoder_{i}")
        for i, width in enumerate(arch.decoder_sizes)
    ]
    if stack:
        stack[0].repeats = arch.n_components
    # One patch per decoder step: its steps' values, then their existence.
    size = arch.patch_size
    values = _dense(size * arch.n_channels, "decoder_values", arch.output_activation)
    return [*stack, values, _dense(size, "decoder_exists")]


def _decode(decoder_layers, repeated, code):
    *stack, values, exists = decoder_layers
    for i, layer in enumerate(stack):
        state = None
        if i == 0:
            # The first decoder layer is as wide as the code and starts from
            # it, besides reading it at every step: a direct path from the code
            # to every output.
            state = (
                [code]
                if layer.cell.__class__.__name__ == "GRUCell"
                else [code, ops.zeros_like(code)]
            )
        repeated = layer(repeated, initial_state=state)
    return layers.Concatenate(axis=-1)([values(repeated), exists(repeated)])


def build_decoder(model, arch, n_steps):
    """A decoder ``code -> (n_steps, channels + 1)`` sharing ``model``'s layers."""
    code = keras.Input((arch.n_components,), name="code")
    size = arch.patch_size
    steps = layers.RepeatVector(-(-n_steps // size), name="steps")(code)
    repeated = RepeatToLength(name="repeat_code")(code, steps)
    names = [f"decoder_{i}" for i in range(len(arch.decoder_sizes))]
    names += ["decoder_values", "decoder_exists"]
    decoded = _decode([model.get_layer(name) for name in names], repeated, code)
    if size > 1:
        reference = layers.RepeatVector(n_steps, name="length")(code)
        decoded = Unpatch(size, arch.n_channels, name="unpatch")(decoded, reference)
    return keras.Model(code, decoded, name="decoder")


def initialize(model, arch, seed):
    """Set every variable of ``model`` to its initial value drawn from ``seed``.

    Kernels get Glorot-uniform values, recurrent kernels orthogonal ones, biases
    zeros (plus the LSTM's unit forget bias), the code's scale ones (its
    moving root-mean-square zero, unset; the level statistics' centre
    and weight zero until the fit sets them), dropout seed generators a fresh
    seed: Keras's defaults, but drawn from ``seed`` alone and in a fixed
    order, so a fresh model and a reused one start from the same weights.
    """
    seeds = _Seeds(seed)
    for variable in model.variables:
        name = variable.path.rsplit("/", 1)[-1]
        shape = tuple(variable.shape)
        if name == "recurrent_kernel":
            value = keras.initializers.Orthogonal(seed=seeds())(shape)
        elif name == "kernel":
            value = keras.initializers.GlorotUniform(seed=seeds())(shape)
        elif name == "bias":
            value = np.zeros(shape, dtype="float32")
            if "lstm_cell/" in variable.path:
                units = shape[-1] // 4
                value[units : 2 * units] = 1.0
        elif name == "scale":
            value = np.ones(shape, dtype="float32")
        elif name in ("moving_rms", "level_center", "level_weight"):
            value = np.zeros(shape, dtype="float32")
        elif name == "seed_generator_state":
            value = np.array([seeds(), 0], dtype=variable.dtype)
        else:
            raise RuntimeError(f"no initial value defined for {variable.path}")
        variable.assign(value)


def loss_config(loss):
    """A Keras loss object's constructor arguments, all of them.

    Keras's ``Huber``, ``CosineSimilarity`` and ``SparseCategoricalCrossentropy``
    leave ``delta`` or ``axis`` out of ``get_config`` (Keras 3.15), so a copy
    made from it would quietly go back to the defaults. Those arguments are
    kept in the wrapped function's keyword arguments; the ones the
    constructor takes are added back.
    """
    config = dict(loss.get_config())
    accepted = inspect.signature(type(loss).__init__).parameters
    for name, value in getattr(loss, "_fn_kwargs", {}).items():
        if name in accepted:
            config.setdefault(name, value)
    return config


def clone_loss(loss):
    """A name as is; a Keras loss object as a new one from its full config."""
    if isinstance(loss, str):
        return loss
    return type(loss).from_config(loss_config(loss))


def loss_key(loss):
    """What tells two losses apart: a name, or a class and its full config."""
    if isinstance(loss, str):
        return loss
    cls = type(loss)
    return repr((cls.__module__, cls.__qualname__, sorted(loss_config(loss).items())))


class _StepValues:
    """What Adam computes once per step (its step size, the powers of its
    betas, the fused kernel's scalars), by what and dtype, kept while one
    ``apply`` runs.

    A plain holder rather than a dict on the optimizer: Keras's attribute
    tracking wraps a dict set on an optimizer in a tracked container.
    """

    def __init__(self):
        self.by_key = None


@keras.saving.register_keras_serializable(package="sklearn_lstm_ae")
class Adam(keras.optimizers.Adam):
    """Keras's ``Adam`` (same settings, same update rule), with its step size
    computed once per training step instead of once per variable, and on
    TensorFlow each variable's update in one fused operation.

    Keras's ``update_step`` computes ``learning_rate * sqrt(1 - beta_2**t) /
    (1 - beta_1**t)`` again for every variable it updates, 17 operations each:
    with the speed benchmark's network (11 variables), 187 of the 1,088
    operations in the graph of a training step on TensorFlow (one thread).
    Here the same operations run on the same values once per step (and
    dtype), and every variable's update reads that result. With gradient
    accumulation, whose updates run inside a conditional branch, every
    variable computes its own step size, as in Keras.

    On TensorFlow each variable's update (its two moments and the variable
    itself, some 15 operations in Keras) is one call of TensorFlow's fused
    ``ResourceApplyAdam`` kernel, the one Keras 2's ``tf.keras`` Adam ran:
    the same formulas in the same order, with ``1 - beta_1`` and ``1 -
    beta_2`` computed in the variables' float type rather than rounded to it
    from Python's, so ``1 - 0.999`` is 1.3e-5 (relatively) smaller and the
    results are Keras's within float rounding, not to the bit (the tests
    state the tolerances). The kernel's scalar arguments are made once per
    step, like the step size. The speed benchmark's training step has 716
    operations instead of 918. Not with ``amsgrad``, sparse gradients or a
    ``tf.distribute`` strategy, which keep Keras's operations; on JAX every
    update is Keras's, to the bit. Fewer operations take less time to trace
    and to prepare for the first step, and a little less in every step (see
    the performance page).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._step_values = _StepValues()

    def apply(self, grads, trainable_variables=None):
        self._step_values.by_key = None if self.gradient_accumulation_steps else {}
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._step_values.by_key = None

    def _shared(self, key, make):
        """``make()``, once per ``key`` while one ``apply`` runs."""
        values = self._step_values.by_key
        if values is None:
            return make()
        if key not in values:
            values[key] = make()
        return values[key]

    def _powers(self, dtype):
        """``beta_1**t`` and ``beta_2**t`` for this step: Keras's operations."""

        def make():
            local_step = ops.cast(self.iterations + 1, dtype)
            return (
                ops.power(ops.cast(self.beta_1, dtype), local_step),
                ops.power(ops.cast(self.beta_2, dtype), local_step),
            )

        return self._shared(("powers", dtype), make)

    def _step_size(self, learning_rate, dtype):
        def make():
            beta_1_power, beta_2_power = self._powers(dtype)
            lr = ops.cast(learning_rate, dtype)
            return lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)

        return self._shared(("alpha", dtype), make)

    def _kernel_scalars(self, learning_rate, dtype):
        """The fused kernel's arguments other than the variables and the
        gradient: the same for every variable of one step."""

        def make():
            import tensorflow as tf

            beta_1_power, beta_2_power = self._powers(dtype)
            return dict(
                beta1_power=beta_1_power, beta2_power=beta_2_power,
                lr=ops.cast(learning_rate, dtype),
                beta1=tf.constant(self.beta_1, dtype),
                beta2=tf.constant(self.beta_2, dtype),
                epsilon=tf.constant(self.epsilon, dtype),
            )  # fmt: skip

        return self._shared(("kernel", dtype), make)

    def update_step(self, gradient, variable, learning_rate):
        """Keras's ``Adam.update_step``, with the step size shared (on
        TensorFlow, fused where :meth:`_fuses` says)."""
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        if self._fuses(gradient):
            import tensorflow as tf

            dtype = variable.dtype
            tf.raw_ops.ResourceApplyAdam(
                var=_handle(variable),
                m=_handle(m),
                v=_handle(v),
                grad=ops.cast(gradient, dtype),
                **self._kernel_scalars(learning_rate, dtype),
            )
            return
        alpha = self._step_size(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(
            v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2)
        )
        if self.amsgrad:
            v_hat = self._velocity_hats[self._get_variable_index(variable)]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        self.assign_sub(
            variable,
            ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon)),
        )

    def _fuses(self, gradient):
        """Whether TensorFlow's fused kernel makes this update (see above)."""
        if keras.backend.backend() != "tensorflow" or self.amsgrad:
            return False
        import tensorflow as tf

        sparse = isinstance(gradient, tf.IndexedSlices)
        return not (sparse or tf.distribute.has_strategy())


def _handle(variable):
    """TensorFlow's resource handle of a Keras or TensorFlow variable."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return variable.handle


def optimizer_for_training(optimizer):
    """``optimizer``, or the package's :class:`Adam` in place of Keras's own.

    Only an instance of Keras's ``Adam`` class itself is replaced (by one from
    its config), and not on Keras's torch backend, which trains Keras's Adam
    with its own multi-tensor kernels.
    """
    if type(optimizer) is keras.optimizers.Adam and keras.backend.backend() != "torch":
        return Adam.from_config(optimizer.get_config())
    return optimizer


def as_keras_optimizer(optimizer):
    """The package's :class:`Adam` as Keras's own (same config); any other
    optimizer as it is. A user may hand back ``model_.optimizer``: it is then
    described, and saved, as the Keras optimizer it trains as."""
    if type(optimizer) is Adam:
        return keras.optimizers.Adam.from_config(optimizer.get_config())
    return optimizer


def masked_loss(kind):
    """The training loss: reconstruction on real steps plus the length term.

    ``y_true`` is the padded input followed by two more channels: the mask
    (1.0 at real steps, -1.0 in every step of a row added to top a batch
    up) and each sequence's weight, repeated at every step.
    The reconstruction term is the weighted mean of ``kind`` ("mse", "mae",
    "binary_crossentropy" or a ``keras.losses.Loss`` object, whose ``call``
    gives the loss of each step without reduction or Keras's own weighting)
    over the real steps; the existence term is the
    weighted mean, over every step, of the binary cross-entropy of the
    step's existence logit against the mask. A step counts as its
    sequence's weight in both, so scaling all weights changes nothing, and a
    sequence of weight 0 counts for nothing.
    """

    def loss(y_true, y_pred):
        # Split rather than sliced: the gradient of a split is one
        # concatenation, where each slice's fills a zero tensor of the whole
        # output (with the speed benchmark's network, about 3% of a step).
        channels = y_pred.shape[-1] - 1
        target, mask, weight = ops.split(y_true, [channels, channels + 1], axis=-1)
        mask, weight = ops.squeeze(mask, -1), ops.squeeze(weight, -1)
        recon, logit = ops.split(y_pred, [channels], axis=-1)
        logit = ops.squeeze(logit, -1)
        if not isinstance(kind, str):
            per_step = kind.call(target, recon)
            if len(per_step.shape) == 3:  # a loss that keeps the channels
                per_step = ops.mean(per_step, axis=-1)
        else:
            if kind == "mse":
                err = ops.square(recon - target)
            elif kind == "mae":
                err = ops.abs(recon - target)
            else:
                recon = ops.clip(recon, 1e-7, 1.0 - 1e-7)
                err = -(target * ops.log(recon) + (1.0 - target) * ops.log(1.0 - recon))
            per_step = ops.mean(err, axis=-1)
        real = mask * weight
        reconstruction = _weighted_mean(per_step, real)
        exists = ops.binary_crossentropy(mask, logit, from_logits=True)
        total = reconstruction + _weighted_mean(exists, weight)
        # Keras averages the batch losses of an epoch weighted by their
        # rows, and counts rows added to top a batch up (mask -1, weight 0;
        # see _training.Batches) as rows of the batch. Reported here: the
        # loss times the share of rows that are not added (so the epoch
        # mean weighs each batch by its own rows, once EpochLog rescales
        # it); differentiated: the loss itself, exactly.
        share = ops.mean(ops.cast(mask[:, 0] >= 0.0, total.dtype))
        scaled = ops.where(share < 1.0, total * (share - 1.0), 0.0)
        return total + ops.stop_gradient(scaled)

    loss.__name__ = f"masked_{kind if isinstance(kind, str) else kind.name}"
    return loss


def _weighted_mean(values, weights):
    """``sum(values * weights) / sum(weights)``, and 0 where the weights are.

    The sum of the weights is replaced, not floored, where it is 0: the
    numerator is 0 there too, and a floor would rescale small weights.
    """
    total = ops.sum(weights)
    return ops.sum(values * weights) / ops.where(total > 0, total, 1.0)
