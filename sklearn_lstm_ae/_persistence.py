"""Save and load a fitted estimator without pickle.

The file is a zip archive holding two members: ``estimator.json`` (the format,
the versions that wrote it, the parameters and the fitted attributes, all plain
JSON) and ``autoencoder.keras`` (the autoencoder in Keras's own format, read
back with ``safe_mode=True``). Nothing in it is unpickled or executed on load.
"""

import contextlib
import json
import os
import secrets
import tempfile
import warnings
import zipfile
from numbers import Integral

import numpy as np
import sklearn
from sklearn.utils.validation import check_is_fitted

FORMAT = "sklearn-lstm-ae"
FORMAT_VERSION = 1
_META = "estimator.json"
_MODEL = "autoencoder.keras"

# Fitted state besides the Keras weights; every value is JSON-friendly once
# arrays are lists.
_FITTED = (
    "n_features_in_", "feature_names_in_", "n_timesteps_", "n_channels_",
    "history_", "loss_curve_", "n_iter_", "loss_",
    "_fitted_on_table", "_variable_length", "_learning_rates", "_n_features_out",
    "channel_mean_", "channel_scale_",
)  # fmt: skip


def _params_to_json(est):
    params = est.get_params(deep=False)
    if params["callbacks"] is not None:
        raise ValueError(
            "save cannot store callbacks=... (Keras callback objects need pickle). "
            "Set callbacks=None before saving, or use pickle/joblib for files you "
            "trust."
        )
    if not (
        params["random_state"] is None or isinstance(params["random_state"], Integral)
    ):
        raise ValueError(
            "save can store random_state as an int or None, not "
            f"{type(params['random_state']).__name__}. Set an int before saving."
        )
    if not isinstance(params["optimizer"], str):
        import keras

        params["optimizer"] = {"keras": keras.optimizers.serialize(params["optimizer"])}
    params["hidden_layer_sizes"] = [int(s) for s in params["hidden_layer_sizes"]]
    return _jsonable(params)


def _params_from_json(params):
    params = dict(params)
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    if isinstance(params["optimizer"], dict):
        import keras

        params["optimizer"] = keras.optimizers.deserialize(params["optimizer"]["keras"])
    return params


def _jsonable(value):
    """``value`` in plain JSON types: NumPy scalars and arrays become numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def save(est, path):
    """Write the fitted ``est`` to ``path`` (see the module docstring)."""
    check_is_fitted(est)
    import keras

    from . import __version__

    fitted = {
        name: _jsonable(getattr(est, name)) for name in _FITTED if hasattr(est, name)
    }
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": {
            "sklearn-lstm-ae": __version__,
            "keras": keras.__version__,
            "scikit-learn": sklearn.__version__,
            "keras_backend": keras.backend.backend(),
        },
        "params": _params_to_json(est),
        "architecture": _jsonable(est._entry.arch.__dict__),
        "fitted": fitted,
    }
    try:
        text = json.dumps(meta, indent=1)
    except TypeError as exc:
        raise ValueError(f"save cannot store this estimator as JSON: {exc}.") from None
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, _MODEL)
        with warnings.catch_warnings():
            # The compiled loss is a closure Keras cannot name; it is rebuilt
            # from the parameters on load, so its absence is expected.
            warnings.simplefilter("ignore")
            est.model_.save(model_path)

        def write(out):
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_META, text)
                zf.write(model_path, _MODEL)

        _replace_atomically(path, write)


def _replace_atomically(path, write):
    """Have ``write`` fill a new file beside ``path``, then move it to ``path``.

    A file already at ``path`` is replaced only by a complete new one: if
    anything fails (or Ctrl-C comes) on the way, it stays as it was and the
    new file is removed.
    """
    # Writing through a symbolic link replaces the file it points to, as an
    # ordinary write would.
    target = os.path.realpath(os.fspath(path))
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Cannot save to {os.fspath(path)!r}: the folder {directory!r} does "
            "not exist."
        )
    while True:
        # open(..., "x") rather than mkstemp: the file gets the permissions
        # any new file gets (mkstemp's are owner-only).
        partial = os.path.join(
            directory, f".{os.path.basename(target)}.{secrets.token_hex(6)}.partial"
        )
        try:
            out = open(partial, "xb")
            break
        except FileExistsError:
            continue
    try:
        with out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise


def _not_ours(path, why):
    return ValueError(
        f"{os.fspath(path)!r} is not a readable sklearn-lstm-ae model file: {why}. "
        "Such files are written by LSTMAutoencoderTransformer.save."
    )


def _read_meta(archive, path):
    names = set(archive.namelist())
    if not {_META, _MODEL} <= names:
        raise _not_ours(path, f"it lacks {_META} and {_MODEL}")
    try:
        meta = json.loads(archive.read(_META))
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise _not_ours(path, f"its {_META} cannot be read ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _not_ours(path, "its format tag is missing or different")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{os.fspath(path)!r} was written in sklearn-lstm-ae file format "
            f"{version!r}; this version reads format {FORMAT_VERSION} and older. "
            "Upgrade sklearn-lstm-ae to load it."
        )
    return meta


def _warn_if_newer(meta):
    from . import __version__

    written = str(meta.get("versions", {}).get("sklearn-lstm-ae", "0"))

    def release(text):
        parts = []
        for piece in text.split(".")[:2]:
            digits = "".join(c for c in piece if c.isdigit())
            parts.append(int(digits) if digits else 0)
        return tuple(parts)

    if release(written) > release(__version__):
        warnings.warn(
            f"This file was written by sklearn-lstm-ae {written}, newer than the "
            f"installed {__version__}; it loads, but upgrading is safer.",
            UserWarning,
            stacklevel=3,
        )


def load(cls, path):
    """Read an estimator of class ``cls`` written by :func:`save`."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _not_ours(path, f"not a complete zip archive ({exc})") from None
    with archive, tempfile.TemporaryDirectory() as tmp:
        meta = _read_meta(archive, path)
        _warn_if_newer(meta)
        model_path = os.path.join(tmp, _MODEL)
        try:
            with open(model_path, "wb") as out:
                out.write(archive.read(_MODEL))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _not_ours(path, f"its {_MODEL} is damaged ({exc})") from None
        from ._backend import keras_modules

        network, _ = keras_modules()
        import keras

        try:
            stored = keras.saving.load_model(
                model_path,
                safe_mode=True,
                compile=False,
                custom_objects={
                    "RepeatToLength": network.RepeatToLength,
                    "MaskedPooling": network.MaskedPooling,
                },
            )
        except Exception as exc:  # Keras raises many types for a bad archive
            raise _not_ours(path, f"its Keras model cannot be loaded ({exc})") from None
        try:
            est = cls(**_params_from_json(meta["params"]))
            arch = network.Architecture(
                **{
                    **meta["architecture"],
                    "hidden_layer_sizes": tuple(
                        meta["architecture"]["hidden_layer_sizes"]
                    ),
                }
            )
            fitted = meta["fitted"]
        except (KeyError, TypeError, ValueError) as exc:
            raise _not_ours(path, f"its {_META} is incomplete ({exc})") from None
        for name, value in fitted.items():
            if name == "feature_names_in_":
                value = np.asarray(value, dtype=object)
            elif name in ("channel_mean_", "channel_scale_"):
                value = np.asarray(value, dtype=np.float32)
            setattr(est, name, value)
        est._adopt(arch, lambda model: _copy_layer_weights(stored, model, path))
        return est


def _copy_layer_weights(source, target, path):
    for layer in target.layers:
        if not layer.weights:
            continue
        try:
            layer.set_weights(source.get_layer(layer.name).get_weights())
        except ValueError as exc:
            raise _not_ours(
                path, f"layer {layer.name!r} does not match ({exc})"
            ) from None
