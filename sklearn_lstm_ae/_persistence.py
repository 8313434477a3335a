"""Save and load a fitted estimator without pickle.

The file is a zip archive holding two members: ``estimator.json`` (the format,
the versions that wrote it, the parameters, the architecture and the fitted
attributes, all plain JSON) and ``autoencoder.keras`` (the autoencoder in
Keras's own format). Nothing in it is unpickled or executed on load, and the
Keras model's own configuration is never read: ``load`` checks the JSON, builds
the network from the checked architecture and reads only the stored weights
into it. See the user guide's persistence page for what ``load`` guarantees on
a file from a stranger.
"""

import contextlib
import dataclasses
import io
import json
import math
import os
import reprlib
import secrets
import shutil
import tempfile
import warnings
import zipfile
from numbers import Integral

import numpy as np
import sklearn
from sklearn.utils.validation import check_is_fitted

from ._backend import keras_modules, tensorflow_quietly

FORMAT = "sklearn-lstm-ae"
FORMAT_VERSION = 1
_META = "estimator.json"
_MODEL = "autoencoder.keras"

# Fitted state besides the Keras weights; every value is JSON-friendly once
# arrays are lists. load sets these and no other attributes.
_FITTED = (
    "n_features_in_", "feature_names_in_", "n_timesteps_", "n_channels_",
    "history_", "loss_curve_", "n_iter_", "loss_",
    "_fitted_on_table", "_variable_length", "_learning_rates", "_n_features_out",
    "channel_mean_", "channel_scale_", "standardize_", "code_mean_",
    "code_scale_",
)  # fmt: skip
# Files written before transform centred its codes lack these; they load as
# the identity, which gives the codes such a file gave.
_OPTIONAL_FITTED = ("feature_names_in_", "code_mean_", "code_scale_")
# What estimator.json holds.
_TOP_LEVEL = ("format", "format_version", "versions", "params", "architecture",
              "fitted")  # fmt: skip

# Limits that keep a small file from asking for much memory or time. A JSON
# member is at most _MAX_META_BYTES; any member bigger than _PACKING_FLOOR
# unpacks to at most _MAX_PACKING_RATIO times its packed size (weights of a
# trained network barely compress; zeros compress a thousandfold).
_MAX_META_BYTES = 16 * 2**20
_PACKING_FLOOR = 4 * 2**20
_MAX_PACKING_RATIO = 20
# The decoder and inverse_transform work on n_timesteps_ steps.
_MAX_TIMESTEPS = 10**6


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

        network, _ = keras_modules()
        optimizer = network.as_keras_optimizer(params["optimizer"])
        config = _jsonable(keras.optimizers.serialize(optimizer))
        try:
            _optimizer_config_check(config)
        except _Invalid as exc:
            raise ValueError(
                f"save can store optimizer as a name or as an instance of Keras's "
                f"own optimizer classes, but {exc}. Use pickle/joblib for files "
                "you trust."
            ) from None
        params["optimizer"] = {"keras": config}
    if not isinstance(params["loss"], str):
        params["loss"] = _loss_to_json(params["loss"], "loss")
    params["hidden_layer_sizes"] = [int(s) for s in params["hidden_layer_sizes"]]
    return _jsonable(params)


def _loss_to_json(loss, what):
    """A Keras loss object as ``{"keras": serialisation}`` with its full config,
    or a ValueError naming its class when load would not rebuild it."""
    import keras

    from ._network import loss_config

    cls = type(loss)
    if getattr(keras.losses, cls.__name__, None) is not cls:
        raise ValueError(
            f"save can store {what} as a name or as an instance of Keras's own "
            f"loss classes (keras.losses.Huber, ...), not {cls.__module__}."
            f"{cls.__qualname__}. Use pickle/joblib for files you trust."
        )
    config = {
        "module": "keras.losses",
        "class_name": cls.__name__,
        "config": _jsonable(loss_config(loss)),
        "registered_name": None,
    }
    try:
        _loss_config_check(config)
    except _Invalid as exc:
        raise ValueError(
            f"save cannot store {what}: {exc}. Use pickle/joblib for files you trust."
        ) from None
    return {"keras": config}


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

    params = _params_to_json(est)  # first: its errors name the parameter
    fitted = {
        name: _jsonable(getattr(est, name)) for name in _FITTED if hasattr(est, name)
    }
    if not isinstance(est.loss_, str):
        fitted["loss_"] = _loss_to_json(est.loss_, "loss_")
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": {
            "sklearn-lstm-ae": __version__,
            "keras": keras.__version__,
            "scikit-learn": sklearn.__version__,
            "keras_backend": keras.backend.backend(),
        },
        "params": params,
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
            tensorflow_quietly()
            est._entry.model.save(model_path)

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


class _Invalid(ValueError):
    """What is wrong with a file's content; :func:`load` adds the path."""


def _show(value):
    return _SHORT.repr(value)


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60


# ------------------------------------------------------------------ loading
def load(cls, path):
    """Read an estimator of class ``cls`` written by :func:`save`.

    Everything is checked before anything is built: the archive's members
    and their declared sizes, then every JSON value, then the stored weights'
    size against the declared architecture, then the weight file's layout.
    Only then is the network built and filled.
    """
    name = os.fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(
            f"No file at {name!r}. LSTMAutoencoderTransformer.load reads a file "
            "written by LSTMAutoencoderTransformer.save."
        )
    if os.path.isdir(name):
        raise _not_ours(path, "it is a folder")
    try:
        archive = zipfile.ZipFile(name)
    except PermissionError:
        raise
    except Exception as exc:  # BadZipFile, EOFError, NotImplementedError, ...
        raise _not_ours(path, f"not a complete zip archive ({_brief(exc)})") from None
    with archive, tempfile.TemporaryDirectory() as tmp:
        try:
            members = _members(archive, (_META, _MODEL), "the file")
            meta = _read_meta(archive, members[_META], path)
            _warn_if_newer(meta)
            keras_modules()  # before Keras is first imported, to keep it quiet
            est, arch = _estimator_from_meta(cls, meta)
            weights = _unpack_weights(archive, members[_MODEL], arch, tmp)
        except _Invalid as exc:
            raise _not_ours(path, str(exc)) from None
        est._adopt(arch, lambda model: _load_weights(model, weights, path))
    return est


def _members(archive, allowed, where, required=None):
    """``{name: ZipInfo}`` of an archive that holds ``required`` (default: all
    of ``allowed``) and nothing else, each member of a plausible size."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise _Invalid(f"{where} holds a member name twice")
    required = allowed if required is None else required
    if not set(required) <= set(names) or not set(names) <= set(allowed):
        raise _Invalid(
            f"{where} should hold {sorted(required)}; it holds {_show(sorted(names))}"
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise _Invalid(f"{where}'s {info.filename} is encrypted")
        if info.file_size > max(
            _PACKING_FLOOR, _MAX_PACKING_RATIO * info.compress_size
        ):
            raise _Invalid(
                f"{where}'s {info.filename} would unpack to {info.file_size} bytes "
                f"from {info.compress_size}, more than {_MAX_PACKING_RATIO} times "
                "its packed size"
            )
    return {info.filename: info for info in infos}


def _unpack(archive, info, out):
    """Copy a member to the open file ``out``, or raise _Invalid saying why not."""
    try:
        with archive.open(info) as member:
            shutil.copyfileobj(member, out, 2**20)
    except Exception as exc:  # zipfile, zlib, bz2 and lzma raise their own types
        raise _Invalid(f"its {info.filename} is damaged ({_brief(exc)})") from None


def _read_meta(archive, info, path):
    if info.file_size > _MAX_META_BYTES:
        raise _Invalid(
            f"its {_META} would unpack to {info.file_size} bytes; model files "
            f"hold at most {_MAX_META_BYTES}"
        )
    data = io.BytesIO()
    _unpack(archive, info, data)
    try:
        meta = json.loads(data.getvalue(), object_pairs_hook=_unique_keys)
    except RecursionError:
        raise _Invalid(f"its {_META} nests too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise _Invalid(f"its {_META} is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _Invalid("its format tag is missing or different")
    version = meta.get("format_version")
    if type(version) is not int or version < 1:
        raise _Invalid(f"format_version must be a positive int, not {_show(version)}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{os.fspath(path)!r} was written in sklearn-lstm-ae file format "
            f"{version!r}; this version reads format {FORMAT_VERSION} and older. "
            "Upgrade sklearn-lstm-ae to load it."
        )
    _known_keys("the file", meta, _TOP_LEVEL, required=_TOP_LEVEL)
    versions = meta["versions"]
    if not isinstance(versions, dict) or not all(
        isinstance(v, str) for v in versions.values()
    ):
        raise _Invalid(f"versions must map names to strings, not {_show(versions)}")
    return meta


def _unique_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("an object holds the same key twice")
    return obj


def _known_keys(what, obj, known, required=()):
    if not isinstance(obj, dict):
        raise _Invalid(f"{what} must be a JSON object, not {_show(obj)}")
    unknown = sorted(set(obj) - set(known))
    if unknown:
        raise _Invalid(f"{what} holds unknown entries {_show(unknown)}")
    missing = [key for key in required if key not in obj]
    if missing:
        raise _Invalid(f"{what} lacks {_show(missing)}")


def _warn_if_newer(meta):
    from . import __version__

    written = meta["versions"].get("sklearn-lstm-ae", "0")

    def release(text):
        parts = []
        for piece in text.split(".")[:2]:
            digits = "".join(c for c in piece if c.isdigit())[:9]
            parts.append(int(digits) if digits else 0)
        return tuple(parts)

    if release(written) > release(__version__):
        warnings.warn(
            f"This file was written by sklearn-lstm-ae {_show(written)}, newer than "
            f"the installed {__version__}; it loads, but upgrading is safer.",
            UserWarning,
            stacklevel=4,
        )


# ------------------------------------------------------- checking the JSON
def _estimator_from_meta(cls, meta):
    """A new ``cls`` with the file's parameters and fitted attributes, and its
    :class:`Architecture`; every value checked, nothing built."""
    arch = _architecture(meta["architecture"])
    est = _estimator_from_params(cls, _renamed_pooling(meta["params"], arch))
    for name, value in _fitted(meta["fitted"], arch).items():
        setattr(est, name, value)
    return est, arch


def renamed_pooling(pooling, arch):
    """``pooling`` as named since 0.1.0, for a network built as ``arch``:
    ``"mean_max"`` and ``"mean_max_only"`` name whichever pooled code it has
    (see :func:`_renamed_pooling`); any other value is returned as it is."""
    if arch.pooling and pooling in ("mean_max", "mean_max_only"):
        return arch.pooling_name
    return pooling


def _renamed_pooling(params, arch):
    """``params`` with ``pooling`` named as the architecture's code is.

    Before 0.1.0, ``"mean_max"`` named a code of the last state, the mean and
    the max (now ``"last_mean_max"``) and ``"mean_max_only"`` one of the mean
    and the max (now ``"mean_max"``); the architecture tells which a file
    means. Any other disagreement between the two is refused.
    """
    if not isinstance(params, dict):
        return params  # _known_keys says what is wrong
    code = arch.pooling_name
    pooling = renamed_pooling(params.get("pooling", code), arch)
    if pooling != code:
        raise _Invalid(
            f"params say pooling={_show(pooling)} but the network's code is "
            f"pooling={code!r}"
        )
    return {**params, "pooling": pooling}


def _estimator_from_params(cls, params):
    """``cls(**params)``, validated as ``fit`` validates its parameters."""
    names = cls._get_param_names()
    _known_keys("params", params, names)
    params = dict(params)  # a parameter the file lacks keeps its default
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    if isinstance(params.get("optimizer"), dict):
        params["optimizer"] = _optimizer_from_json(params["optimizer"])
    if isinstance(params.get("loss"), dict):
        params["loss"] = _loss_from_json("the loss", params["loss"])
    est = cls(**params)
    try:
        est._validate_params()
        est._check_hidden_layer_sizes()
        est._optimizer_config()
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"its parameters are invalid: {exc}") from None
    if est.callbacks is not None:
        raise _Invalid(
            f"callbacks must be null (save stores none), not {_show(est.callbacks)}"
        )
    return est


def _keras_classes(module, base):
    return {
        name for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, base) and obj is not base
    }  # fmt: skip


def _check_keras_config(what, config, module, classes, *, nested=None):
    """A Keras serialisation of one of ``classes`` whose config holds only
    scalars and lists of scalars (or, under ``nested``, one object checked
    by that function)."""
    _known_keys(what, config, ("module", "class_name", "config", "registered_name"),
                required=("module", "class_name", "config"))  # fmt: skip
    if config["module"] != module or config["class_name"] not in classes:
        raise _Invalid(
            f"{what} must be one of Keras's {sorted(classes)} from {module}, not "
            f"{_show(config['class_name'])} from {_show(config['module'])}"
        )
    if config.get("registered_name") not in (None, config["class_name"]):
        raise _Invalid(f"{what} names another class {_show(config['registered_name'])}")
    if not isinstance(config["config"], dict):
        raise _Invalid(f"{what}'s config must be a JSON object")
    for key, value in config["config"].items():
        if nested is not None and key in nested and isinstance(value, dict):
            nested[key](f"{what}'s {key}", value)
        elif not (_is_scalar(value) or isinstance(value, list)
                  and all(_is_scalar(v) for v in value)):  # fmt: skip
            raise _Invalid(f"{what}'s {key} must be a number, string or list")


def _is_scalar(value):
    return value is None or isinstance(value, (bool, int, float, str))


def _optimizer_config_check(config):
    """Raise _Invalid unless ``config`` (a Keras serialisation) is a built-in
    optimizer whose learning rate is a number or a built-in schedule."""
    import keras

    from ._estimator import _OPTIMIZERS

    optimizers = {
        name for name in _keras_classes(keras.optimizers, keras.optimizers.Optimizer)
        if name.lower() in _OPTIMIZERS
    }  # fmt: skip
    schedules = _keras_classes(
        keras.optimizers.schedules, keras.optimizers.schedules.LearningRateSchedule
    )

    def schedule(what, value):
        _check_keras_config(what, value, "keras.optimizers.schedules", schedules)

    _check_keras_config("the optimizer", config, "keras.optimizers", optimizers,
                        nested={"learning_rate": schedule})  # fmt: skip


def _optimizer_from_json(value):
    import keras

    _known_keys("the optimizer", value, ("keras",), required=("keras",))
    _optimizer_config_check(value["keras"])
    try:
        return keras.optimizers.deserialize(value["keras"])
    except Exception as exc:  # the constructor's own complaint, whatever its type
        raise _Invalid(f"its optimizer cannot be rebuilt ({exc})") from None


def _loss_config_check(config, what="the loss"):
    """Raise _Invalid unless ``config`` is one of Keras's own loss classes
    with numbers, strings and lists of them as arguments."""
    import keras

    classes = _keras_classes(keras.losses, keras.losses.Loss)
    _check_keras_config(what, config, "keras.losses", classes)


def _loss_from_json(what, value):
    import keras

    _known_keys(what, value, ("keras",), required=("keras",))
    config = value["keras"]
    _loss_config_check(config, what)
    try:
        return getattr(keras.losses, config["class_name"]).from_config(
            dict(config["config"])
        )
    except Exception as exc:  # the constructor's own complaint, whatever its type
        raise _Invalid(f"{what} cannot be rebuilt ({_brief(exc)})") from None


def _int(what, value, low=0, high=None):
    if type(value) is not int or value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise _Invalid(f"{what} must be an int {bound}, not {_show(value)}")
    return value


def _positive_int(what, value):
    return _int(what, value, 1)


def _bool(what, value):
    if type(value) is not bool:
        raise _Invalid(f"{what} must be true or false, not {_show(value)}")
    return value


def _one_of(*options):
    def check(what, value):
        if not any(value is option or value == option for option in options):
            raise _Invalid(f"{what} must be one of {list(options)}, not {_show(value)}")
        return value

    return check


def _fraction(what, value):
    if type(value) not in (int, float) or not 0 <= value < 1:
        raise _Invalid(f"{what} must be a number in [0, 1), not {_show(value)}")
    return float(value)


def _sizes(what, value):
    if not isinstance(value, list):
        raise _Invalid(f"{what} must be a list of positive ints, not {_show(value)}")
    return tuple(_positive_int(f"{what}[{i}]", size) for i, size in enumerate(value))


def _numbers(what, value, length=None):
    if not isinstance(value, list) or not all(type(v) in (int, float) for v in value):
        raise _Invalid(f"{what} must be a list of numbers, not {_show(value)}")
    if length is not None and len(value) != length:
        raise _Invalid(f"{what} must hold {length} numbers, not {len(value)}")
    return [float(v) for v in value]


def _float32s(what, value, length):
    """``value``, a list of ``length`` numbers, as finite float32."""
    with np.errstate(over="ignore"):  # an overflow is refused just below
        values = np.asarray(_numbers(what, value, length), np.float32)
    if not np.isfinite(values).all():
        raise _Invalid(f"{what} must hold finite float32 numbers")
    return values


def _architecture(obj):
    from ._network import Architecture

    fields = dataclasses.fields(Architecture)
    required = [f.name for f in fields if f.default is dataclasses.MISSING]
    _known_keys("architecture", obj, [f.name for f in fields], required)
    return Architecture(
        **{name: _ARCHITECTURE[name](name, value) for name, value in obj.items()}
    )


# One check per Architecture field (a test keeps the two in step).
_ARCHITECTURE = {
    "n_channels": _positive_int,
    "n_components": _positive_int,
    "hidden_layer_sizes": _sizes,
    "cell": _one_of("lstm", "gru"),
    "bidirectional": _bool,
    "dropout": _fraction,
    "recurrent_dropout": _fraction,
    "output_activation": _one_of("linear", "sigmoid"),
    "pooling": _bool,
    "last_state": _bool,
    "code_scaling": _one_of("sample", "batch", None),
    "patch_size": _positive_int,
    "level_and_spread": _bool,
}


def _fitted(fitted, arch):
    """The fitted attributes, each checked alone and against ``arch``."""
    _known_keys("fitted", fitted, _FITTED,
                required=[n for n in _FITTED if n not in _OPTIONAL_FITTED])  # fmt: skip
    out = {}
    n_channels = out["n_channels_"] = _positive_int(
        "n_channels_", fitted["n_channels_"]
    )
    if n_channels != arch.n_channels:
        raise _Invalid(
            f"n_channels_ is {n_channels} but the network reads {arch.n_channels}"
        )
    width = out["_n_features_out"] = _positive_int(
        "_n_features_out", fitted["_n_features_out"]
    )
    if width != arch.n_components:
        raise _Invalid(
            f"codes are {width} wide but the network's are {arch.n_components}"
        )
    loss = fitted["loss_"]
    if isinstance(loss, dict):
        loss = _loss_from_json("loss_", loss)
    else:
        loss = _one_of("mse", "mae", "binary_crossentropy")("loss_", loss)
    out["loss_"] = loss
    # A loss object compares linear outputs (see the estimator's loss).
    if (loss == "binary_crossentropy") != (arch.output_activation == "sigmoid"):
        name = repr(loss) if isinstance(loss, str) else type(loss).__name__
        raise _Invalid(
            f"loss_ {name} does not match the network's "
            f"{arch.output_activation!r} output"
        )
    table = out["_fitted_on_table"] = _bool(
        "_fitted_on_table", fitted["_fitted_on_table"]
    )
    out["_variable_length"] = _bool("_variable_length", fitted["_variable_length"])
    out["n_timesteps_"] = _int(
        "n_timesteps_", fitted["n_timesteps_"], 1, _MAX_TIMESTEPS
    )
    n_features = out["n_features_in_"] = _positive_int(
        "n_features_in_", fitted["n_features_in_"]
    )
    # A table's row holds whole steps of every channel.
    if table and n_features % n_channels or not table and n_features != n_channels:
        raise _Invalid(
            f"n_features_in_ {n_features} does not fit n_channels_ {n_channels}"
        )
    if "feature_names_in_" in fitted:
        names = fitted["feature_names_in_"]
        if not table or not isinstance(names, list) or len(names) != n_features:
            raise _Invalid(
                f"feature_names_in_ must list the {n_features} columns of a table"
            )
        if not all(isinstance(name, str) for name in names):
            raise _Invalid("feature_names_in_ must hold strings")
        out["feature_names_in_"] = np.asarray(names, dtype=object)
    for name in ("channel_mean_", "channel_scale_"):
        out[name] = _float32s(name, fitted[name], n_channels)
    if not (out["channel_scale_"] > 0).all():
        raise _Invalid("channel_scale_ must be positive (it divides the data)")
    standardize = fitted["standardize_"]
    if type(standardize) is not bool and standardize != "sequence":
        raise _Invalid(
            f"standardize_ must be true, false or 'sequence', not {_show(standardize)}"
        )
    if standardize is not True and not (
        (out["channel_mean_"] == 0).all() and (out["channel_scale_"] == 1).all()
    ):
        raise _Invalid(
            "channel_mean_ and channel_scale_ are used only by standardize_ true"
        )
    out["standardize_"] = standardize
    out["code_mean_"] = _float32s(
        "code_mean_", fitted.get("code_mean_", [0] * width), width
    )
    code_scale = fitted.get("code_scale_", 1.0)
    if type(code_scale) not in (int, float):
        raise _Invalid(f"code_scale_ must be a number, not {_show(code_scale)}")
    with np.errstate(over="ignore"):  # an overflow is refused just below
        out["code_scale_"] = np.float32(code_scale)
    if not (np.isfinite(out["code_scale_"]) and out["code_scale_"] > 0):
        raise _Invalid(
            "code_scale_ must be a finite positive number (it divides the codes)"
        )
    n_iter = out["n_iter_"] = _int("n_iter_", fitted["n_iter_"])
    curve = out["loss_curve_"] = _numbers("loss_curve_", fitted["loss_curve_"], n_iter)
    rates = out["_learning_rates"] = _numbers(
        "_learning_rates", fitted["_learning_rates"], n_iter
    )
    history = fitted["history_"]
    if not isinstance(history, dict):
        raise _Invalid(f"history_ must be a JSON object, not {_show(history)}")
    history = out["history_"] = {
        key: _numbers(f"history_[{key!r}]", value) for key, value in history.items()
    }
    if any(len(values) > n_iter for values in history.values()):
        raise _Invalid(f"history_ holds more than n_iter_={n_iter} epochs")
    if history.get("loss", []) != curve:
        raise _Invalid("history_['loss'] differs from loss_curve_")
    if history.get("learning_rate", rates) != rates:
        raise _Invalid("history_['learning_rate'] differs from _learning_rates")
    return out


# ------------------------------------------------------ checking the weights
# The weight file holds the network's float32 weights and, from save, the
# optimizer's state: up to five more copies for Keras's optimizers (moments,
# AMSGrad, EMA, gradient accumulation), so eight bound it. HDF5 needs at
# least _MIN_ARRAY_BYTES of header per array and Keras's layout less than
# _ARRAY_OVERHEAD (measured: about 1.3 kB per array).
_MAX_COPIES = 8
_MIN_ARRAY_BYTES = 256
_ARRAY_OVERHEAD = 16 * 2**10
_KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")


def _weight_bounds(arch):
    """Fewest and most bytes a Keras weight file for ``arch`` can take."""
    from ._network import weight_shapes

    n_values = n_arrays = 0
    for shape in weight_shapes(arch):
        n_values += math.prod(shape)
        n_arrays += 1
    fewest = 4 * n_values + _MIN_ARRAY_BYTES * n_arrays
    most = _MAX_COPIES * (4 * n_values + _ARRAY_OVERHEAD * n_arrays) + 2**20
    return n_values, fewest, most


def _unpack_weights(archive, info, arch, folder):
    """Check the stored model's declared sizes against ``arch``, unpack its
    weight file into ``folder`` and check that file's layout; return its path."""
    n_values, fewest, most = _weight_bounds(arch)

    def check_size(what, size):
        if size < fewest:
            raise _Invalid(
                f"{what} holds {size} bytes, too few for the {n_values} weights of "
                f"its architecture (at least {fewest} bytes)"
            )
        if size > most:
            raise _Invalid(
                f"{what} would unpack to {size} bytes, more than the {most} its "
                f"architecture of {n_values} weights can fill"
            )

    check_size(f"its {_MODEL}", info.file_size)
    keras_path = os.path.join(folder, _MODEL)
    with open(keras_path, "wb") as out:
        _unpack(archive, info, out)
    try:
        inner = zipfile.ZipFile(keras_path)
    except Exception as exc:  # as for the outer archive
        raise _Invalid(f"its {_MODEL} is not a Keras archive ({_brief(exc)})") from None
    weights_path = os.path.join(folder, "autoencoder.weights.h5")
    with inner:
        members = _members(
            inner, _KERAS_MEMBERS, f"its {_MODEL}", required=["model.weights.h5"]
        )
        check_size(f"its {_MODEL}'s weights", members["model.weights.h5"].file_size)
        with open(weights_path, "wb") as out:
            _unpack(inner, members["model.weights.h5"], out)
    os.remove(keras_path)
    _check_weight_file(weights_path)
    return weights_path


def _check_weight_file(path):
    """Refuse HDF5 features that could read beyond the file or expand in memory.

    Keras reads every dataset it needs whole. A compressed or unallocated
    dataset can be far larger than the file; a link, external storage or a
    virtual dataset would read another file on this machine.
    """
    import h5py

    size = os.path.getsize(path)
    declared = 0

    def check(name):
        nonlocal declared
        name = name.decode("utf-8", "replace")
        link = weights.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            return f"{name!r} is a {type(link).__name__}"
        item = weights[name]
        if not isinstance(item, h5py.Dataset):
            return None
        if (
            item.is_virtual
            or item.external
            or item.id.get_create_plist().get_nfilters()
        ):
            return f"dataset {name!r} is virtual, external or filtered"
        if item.shape is None or item.dtype.kind not in "biuf":
            return f"dataset {name!r} does not hold numbers"
        declared += item.size * item.dtype.itemsize
        return None

    try:
        with h5py.File(path, "r") as weights:
            problem = weights.id.links.visit(check)
    except Exception as exc:  # h5py raises OSError, KeyError, ValueError, ...
        raise _Invalid(f"its weights cannot be read ({_brief(exc)})") from None
    if problem is not None:
        raise _Invalid(f"its weight file is not plain: {problem}")
    if declared > size:
        raise _Invalid(
            f"its weight file declares {declared} bytes of weights in {size} bytes"
        )


def _load_weights(model, path, file):
    """Fill ``model`` (built for the checked architecture) from ``path``."""
    import keras

    try:
        # The optimizer starts afresh, as documented; its stored state is left.
        keras.saving.load_weights(model, path, objects_to_skip=[model.optimizer])
    except Exception as exc:  # Keras raises ValueError, KeyError, ...
        raise _not_ours(
            file, f"its weights do not fit its architecture ({_brief(exc)})"
        ) from None
    for variable in model.variables:
        if variable.dtype == "float32" and not np.isfinite(variable.numpy()).all():
            raise _not_ours(file, f"its weight {variable.path} holds NaN or infinity")


def _brief(exc, limit=300):
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "..."
