"""``transform`` as a serving artifact: a TensorFlow SavedModel or an ONNX file.

The serving function is written in Keras ops, so the artifact needs neither
scikit-learn nor this package: it finds each sequence's real steps by the
padding rule of :mod:`._sequences` (trailing steps whose every channel is NaN
or ``mask_value``), standardises the channels with the fitted mean and scale,
zeroes the padding, runs the encoder and centres its codes as ``transform``
does. A second endpoint takes the values with a mask of real steps instead.
Imported only by ``export``: the ONNX converter is an optional dependency.
"""

import contextlib
import logging
import os
import tempfile

import keras
import numpy as np
from keras import ops

from ._backend import tensorflow_quietly

FORMATS = ("tf_saved_model", "onnx")
# Endpoint names in the SavedModel; Keras's own Model.export calls its one
# endpoint "serve", and the first endpoint is also TF Serving's
# "serving_default".
SERVE = "serve"
SERVE_WITH_MASK = "serve_with_mask"


class ServingFunctions:
    """``serve(values)`` and ``serve_with_mask(values, mask)`` for an encoder.

    ``values`` is float32 ``(batch, steps, channels)``, or ``(batch,
    channels, steps)`` when ``channels_first``; ``mask`` is boolean ``(batch,
    steps)``, True at real steps (a prefix of each row). Both return the
    codes, float32 ``(batch, n_components)``.
    """

    def __init__(
        self, encoder, mean, scale, mask_value, per_sequence=False,
        channels_first=False, *, code_centre,
    ):  # fmt: skip
        self.encoder = encoder
        self.code_mean = np.asarray(code_centre[0], np.float32)
        self.code_scale = np.asarray(code_centre[1], np.float32)
        self.mean = np.asarray(mean, np.float32)
        self.scale = np.asarray(scale, np.float32)
        self.mask_value = None if mask_value is None else float(mask_value)
        self.per_sequence = per_sequence
        self.channels_first = channels_first

    def steps_first(self, values):
        """``values`` as ``(batch, steps, channels)``."""
        return ops.transpose(values, (0, 2, 1)) if self.channels_first else values

    def real_steps(self, values):
        """True before each sequence's trailing padding steps."""
        padding = ops.all(ops.isnan(values), axis=-1)
        if self.mask_value is not None:
            mask_value = ops.cast(self.mask_value, values.dtype)
            padding = ops.logical_or(
                padding, ops.all(ops.equal(values, mask_value), axis=-1)
            )
        index = ops.cumsum(ops.ones_like(padding, dtype="int32"), axis=1)
        last_real = ops.max(ops.where(padding, 0, index), axis=1, keepdims=True)
        return ops.less_equal(index, last_real)

    def serve_with_mask(self, values, mask):
        return self._encode(self.steps_first(values), mask)

    def serve(self, values):
        values = self.steps_first(values)
        return self._encode(values, self.real_steps(values))

    def _encode(self, values, mask):
        # Padding may hold NaN (or an infinite mask_value), and NaN * 0 is
        # NaN. tf2onnx writes a select as a multiplication unless its
        # condition is IsNaN or IsInf, so the padding is zeroed here by exactly
        # such selects, before any arithmetic.
        values = ops.where(ops.isnan(values), 0.0, values)
        if self.mask_value is not None and np.isinf(self.mask_value):
            values = ops.where(ops.isinf(values), 0.0, values)
        real = ops.expand_dims(mask, -1)
        if self.per_sequence:  # standardize="sequence", as _sequences does it
            values = _standardize_each(ops.where(real, values, 0.0), real)
        # The same float32 arithmetic as transform, so the same values.
        scaled = ops.where(real, (values - self.mean) / self.scale, 0.0)
        code = self.encoder([scaled, mask], training=False)
        return (code - self.code_mean) / self.code_scale


def _standardize_each(values, real):
    """Each sequence's channels to zero mean and unit variance over real steps."""
    from ._network import masked_moments

    _, centred, scale = masked_moments(values, real)
    return centred / ops.where(scale < 1e-12, 1.0, scale)


@contextlib.contextmanager
def _generic_recurrent_loops(model):
    """Trace the recurrent layers as plain loops, then put their settings back.

    On a machine with a GPU, Keras's LSTM and GRU trace to cuDNN kernels,
    which neither a CPU-only server nor the ONNX converter can run; on a CPU
    the LSTM traces to TensorFlow's fused block kernel, which the ONNX
    converter does not know and which assumes the real steps come first (a
    served mask may be any mask).
    """
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            layers += [layer.forward_layer, layer.backward_layer]
        elif hasattr(layer, "use_cudnn"):
            layers.append(layer)
    settings = [(layer.use_cudnn, layer.fused) for layer in layers]
    try:
        for layer in layers:
            layer.use_cudnn = False
            layer.fused = False
        yield
    finally:
        for layer, (cudnn, fused) in zip(layers, settings, strict=True):
            layer.use_cudnn = cudnn
            layer.fused = fused


def _values_shape(functions, n_channels):
    if functions.channels_first:
        return (None, n_channels, None)
    return (None, None, n_channels)


def _same_steps(shape, with_mask):
    """On JAX, the shapes an endpoint is converted for, from the values'
    ``shape``: the values' and the mask's steps one dimension; nothing on
    other backends.

    Keras names each unknown dimension of the signature apart, so JAX could
    not combine the mask with the values (their steps might differ)."""
    if keras.backend.backend() != "jax":
        return {}
    names = ["steps" if size is None else str(size) for size in shape[1:]]
    values = f"(batch, {', '.join(names)})"
    shapes = [values, "(batch, steps)"] if with_mask else [values]
    return {"jax2tf_kwargs": {"polymorphic_shapes": shapes}}


def export(functions, filepath, format, n_channels):
    """Write ``functions`` (a :class:`ServingFunctions`) to ``filepath``."""
    tensorflow_quietly()
    shape = _values_shape(functions, n_channels)
    values = keras.InputSpec(shape=shape, dtype="float32", name="values")
    mask = keras.InputSpec(shape=(None, None), dtype="bool", name="mask")
    with _generic_recurrent_loops(functions.encoder):
        if format == "tf_saved_model":
            archive = keras.export.ExportArchive()
            archive.track(functions.encoder)
            archive.add_endpoint(
                SERVE, functions.serve, input_signature=[values],
                **_same_steps(shape, with_mask=False),
            )  # fmt: skip
            archive.add_endpoint(
                SERVE_WITH_MASK, functions.serve_with_mask,
                input_signature=[values, mask],
                **_same_steps(shape, with_mask=True),
            )  # fmt: skip
            archive.write_out(os.fspath(filepath), verbose=False)
        else:
            _export_onnx(functions, filepath, n_channels)


def _export_onnx(functions, filepath, n_channels):
    import tensorflow as tf
    import tf2onnx

    shape = _values_shape(functions, n_channels)
    spec = [tf.TensorSpec(shape, tf.float32, name="values")]
    serve = tf.function(functions.serve, input_signature=spec)
    # tf2onnx writes its file in pieces: write it beside the target and move
    # it there when complete, so a failed export leaves an older file whole.
    target = os.path.realpath(os.fspath(filepath))
    folder = os.path.dirname(target)
    with tempfile.TemporaryDirectory(dir=folder) as tmp, _quiet(tf2onnx):
        partial = os.path.join(tmp, "encoder.onnx")
        tf2onnx.convert.from_function(serve, spec, output_path=partial)
        os.replace(partial, target)


@contextlib.contextmanager
def _quiet(tf2onnx):
    """Keep tf2onnx's notes off the user's log for the conversion.

    It warns, for instance, that it drops the dropout layers' seed updates,
    which inference never uses.
    """
    logger = logging.getLogger(tf2onnx.__name__)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
