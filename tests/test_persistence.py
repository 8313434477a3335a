"""save/load: one file, no pickle, clear errors for files that are not ours."""

import io
import json
import pickle
import zipfile

import h5py
import keras
import numpy as np
import pytest
from conftest import tiny
from sklearn.exceptions import NotFittedError

from sklearn_lstm_ae import LSTMAutoencoderTransformer, _persistence


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(n, 2)) for n in [3, 6, 1, 0, 5] * 4]
    est = tiny(hidden_layer_sizes=(3,), mask_value=-1.0).fit(seqs)
    path = tmp_path_factory.mktemp("models") / "est.lstmae"
    est.save(path)
    return est, seqs, path


def _rewrite(
    src, dst, meta_update=None, drop=None, model_bytes=None, meta_bytes=None,
    compression=zipfile.ZIP_DEFLATED,
):  # fmt: skip
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for name in zin.namelist():
            if name == drop:
                continue
            data = zin.read(name)
            if name == "estimator.json" and meta_update is not None:
                meta = json.loads(data)
                meta_update(meta)
                data = json.dumps(meta)
            if name == "estimator.json" and meta_bytes is not None:
                data = meta_bytes
            if name == "autoencoder.keras" and model_bytes is not None:
                data = model_bytes
            zout.writestr(name, data)
    return dst


def test_load_gives_identical_outputs_params_and_attributes(saved):
    est, seqs, path = saved
    loaded = LSTMAutoencoderTransformer.load(path)
    assert loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.transform(seqs), est.transform(seqs))
    codes = est.transform(seqs)
    np.testing.assert_array_equal(
        loaded.inverse_transform(codes), est.inverse_transform(codes)
    )
    for name in ("n_timesteps_", "n_channels_", "n_iter_", "history_", "loss_"):
        assert getattr(loaded, name) == getattr(est, name)
    assert loaded.encoder_.get_layer("encoder_0") is loaded.model_.get_layer(
        "encoder_0"
    )


def test_batch_code_scaling_keeps_its_moving_value_through_save_and_load(tmp_path, X3):
    est = tiny(code_scaling="batch").fit(X3)
    est.save(tmp_path / "est.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "est.lstmae")
    moving = est.model_.get_layer("code").moving_rms.numpy()
    assert moving > 0
    assert loaded.model_.get_layer("code").moving_rms.numpy() == moving
    np.testing.assert_array_equal(loaded.transform(X3), est.transform(X3))


def test_the_standardisation_auto_chose_survives_save_and_load(tmp_path):
    rng = np.random.RandomState(0)
    spread = rng.normal(size=(24, 9, 2)) * np.logspace(-2, 2, 24)[:, None, None]
    est = tiny().fit(spread)
    assert est.standardize_ == "sequence"
    est.save(tmp_path / "est.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "est.lstmae")
    assert loaded.standardize_ == "sequence"
    np.testing.assert_array_equal(loaded.transform(spread), est.transform(spread))
    assert loaded.score(spread) == est.score(spread)


def test_the_file_holds_json_and_a_keras_model_and_no_pickle(saved, monkeypatch):
    _, seqs, path = saved
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["autoencoder.keras", "estimator.json"]
        meta = json.loads(archive.read("estimator.json"))
    assert meta["format"] == "sklearn-lstm-ae"
    assert set(meta["versions"]) >= {"sklearn-lstm-ae", "keras", "scikit-learn"}

    def refuse(*args, **kwargs):
        raise AssertionError("load used pickle")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert LSTMAutoencoderTransformer.load(path).transform(seqs).shape == (20, 4)


def test_both_pooled_codes_survive_save_and_load(tmp_path, saved):
    old, seqs, path = saved
    loaded = LSTMAutoencoderTransformer.load(path)
    assert loaded.pooling == "mean_max"
    assert loaded.encoder_.get_layer("pooling").last_state is False
    est = tiny(n_components=6, pooling="last_mean_max").fit(seqs)
    est.save(tmp_path / "est.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "est.lstmae")
    assert loaded.pooling == "last_mean_max"
    assert loaded.encoder_.get_layer("pooling").last_state is True
    assert loaded.encoder_.get_layer("encoder_0").units == 2  # a third of the code
    np.testing.assert_array_equal(loaded.transform(seqs), est.transform(seqs))


def test_files_from_before_the_pooling_rename_load_with_the_new_names(tmp_path, saved):
    old, seqs, path = saved
    est = tiny(n_components=6, pooling="last_mean_max").fit(seqs)
    est.save(tmp_path / "est.lstmae")

    # The first files had no last_state field and called the code of the
    # last state, mean and max "mean_max".
    def first(meta):
        del meta["architecture"]["last_state"]
        meta["params"]["pooling"] = "mean_max"

    # Later ones called the code of the mean and max alone "mean_max_only".
    def later(meta):
        meta["params"]["pooling"] = "mean_max_only"

    # A file without the parameter gets the name of the code it holds.
    def without(meta):
        del meta["params"]["pooling"]

    cases = [
        (tmp_path / "est.lstmae", first, est, "last_mean_max", True),
        (path, later, old, "mean_max", False),
        (tmp_path / "est.lstmae", without, est, "last_mean_max", True),
    ]
    for i, (src, update, fitted, pooling, last_state) in enumerate(cases):
        older = _rewrite(src, tmp_path / f"older{i}.lstmae", meta_update=update)
        loaded = LSTMAutoencoderTransformer.load(older)
        assert loaded.pooling == pooling
        assert loaded.encoder_.get_layer("pooling").last_state is last_state
        np.testing.assert_array_equal(loaded.transform(seqs), fitted.transform(seqs))


def test_pickles_from_before_the_pooling_rename_unpickle_with_the_new_names(saved):
    old, seqs, _ = saved
    est = tiny(n_components=6, pooling="last_mean_max").fit(seqs)

    # As in files: the first pickles had no last_state field and called the
    # code of the last state, mean and max "mean_max"; later ones called the
    # code of the mean and max alone "mean_max_only".
    def first(state):
        del state["_arch"]["last_state"]
        state["pooling"] = "mean_max"

    def later(state):
        state["pooling"] = "mean_max_only"

    for fitted, update, pooling, last_state in [
        (est, first, "last_mean_max", True),
        (old, later, "mean_max", False),
    ]:
        state = fitted.__getstate__()
        update(state)
        unpickled = object.__new__(LSTMAutoencoderTransformer)
        unpickled.__setstate__(state)  # what pickle.loads does with the state
        assert unpickled.pooling == pooling
        assert unpickled.encoder_.get_layer("pooling").last_state is last_state
        np.testing.assert_array_equal(unpickled.transform(seqs), fitted.transform(seqs))
        # Its parameters and network agree: a warm start continues it.
        unpickled.set_params(warm_start=True, max_iter=1).fit(seqs)


def test_files_from_before_centred_codes_give_the_codes_they_gave(tmp_path, saved):
    est, seqs, path = saved
    assert np.abs(est.code_mean_).max() > 0 and est.code_scale_ != 1.0
    older = tmp_path / "older.lstmae"
    _rewrite(path, older, meta_update=lambda meta: [
        meta["fitted"].pop(name) for name in ("code_mean_", "code_scale_")
    ])  # fmt: skip
    loaded = LSTMAutoencoderTransformer.load(older)
    np.testing.assert_array_equal(loaded.code_mean_, 0.0)
    assert loaded.code_scale_ == 1.0
    network = est.transform(seqs) * est.code_scale_ + est.code_mean_
    np.testing.assert_allclose(loaded.transform(seqs), network, atol=1e-6)
    # and a pickle from then, which lacks the attributes too
    state = est.__getstate__()
    del state["code_mean_"], state["code_scale_"]
    unpickled = LSTMAutoencoderTransformer.__new__(LSTMAutoencoderTransformer)
    unpickled.__setstate__(state)
    np.testing.assert_allclose(unpickled.transform(seqs), network, atol=1e-6)


def test_dataframe_fits_keep_their_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        np.random.RandomState(0).normal(size=(10, 4)), columns=list("wxyz")
    )
    est = tiny(n_timesteps=2).fit(df)
    est.save(tmp_path / "t.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "t.lstmae")
    assert list(loaded.feature_names_in_) == list("wxyz")
    np.testing.assert_array_equal(loaded.transform(df), est.transform(df))
    assert loaded.inverse_transform(loaded.transform(df)).shape == (10, 4)


def test_an_optimizer_instance_is_stored_as_its_keras_config(tmp_path, X3):
    est = tiny(optimizer=keras.optimizers.SGD(learning_rate=0.03)).fit(X3)
    est.save(tmp_path / "sgd.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "sgd.lstmae")
    assert isinstance(loaded.optimizer, keras.optimizers.SGD)
    assert loaded.optimizer.get_config() == est.optimizer.get_config()


def test_an_unfitted_estimator_is_not_saved(tmp_path):
    with pytest.raises(NotFittedError):
        tiny().save(tmp_path / "x.lstmae")


@pytest.mark.parametrize(
    "params, named",
    [({"callbacks": [keras.callbacks.TerminateOnNaN()]}, "callbacks"),
     ({"random_state": np.random.RandomState(0)}, "random_state")],
)  # fmt: skip
def test_parameters_that_need_pickle_are_named(tmp_path, X3, params, named):
    est = tiny(**params).fit(X3)
    with pytest.raises(
        ValueError, match=f"save cannot store {named}|can store {named}"
    ):
        est.save(tmp_path / "x.lstmae")


def test_files_that_are_not_ours_are_refused(tmp_path, saved):
    _, _, path = saved
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    truncated = tmp_path / "truncated.lstmae"
    truncated.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    bad_json = _rewrite(
        path, tmp_path / "bad_json.lstmae", meta_update=lambda m: m.pop("params")
    )
    bad_tag = _rewrite(
        path,
        tmp_path / "bad_tag.lstmae",
        meta_update=lambda m: m.update(format="other"),
    )
    bad_model = _rewrite(path, tmp_path / "bad_model.lstmae", model_bytes=b"garbage")
    for bad in (other, text, truncated, bad_json, bad_tag, bad_model):
        with pytest.raises(
            ValueError, match="not a readable sklearn-lstm-ae model file"
        ):
            LSTMAutoencoderTransformer.load(bad)


def test_a_newer_file_format_is_refused(tmp_path, saved):
    _, _, path = saved
    newer = _rewrite(
        path, tmp_path / "newer.lstmae",
        meta_update=lambda m: m.update(format_version=_persistence.FORMAT_VERSION + 1),
    )  # fmt: skip
    with pytest.raises(ValueError, match="Upgrade sklearn-lstm-ae"):
        LSTMAutoencoderTransformer.load(newer)


def test_a_newer_release_in_a_readable_format_loads_with_a_warning(tmp_path, saved):
    est, seqs, path = saved
    newer = _rewrite(
        path, tmp_path / "minor.lstmae",
        meta_update=lambda m: m["versions"].update({"sklearn-lstm-ae": "99.1.0"}),
    )  # fmt: skip
    with pytest.warns(UserWarning, match="newer than the installed"):
        loaded = LSTMAutoencoderTransformer.load(newer)
    np.testing.assert_array_equal(loaded.transform(seqs), est.transform(seqs))


def test_numpy_scalar_parameters_are_saved_as_numbers(tmp_path, X3):
    params = dict(
        random_state=np.int64(0),
        learning_rate_init=np.float32(2**-9),
        mask_value=np.float32(-1.0),
        batch_size=np.int32(16),
    )
    est = tiny(**params).fit(X3)
    est.save(tmp_path / "np.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "np.lstmae")
    assert loaded.get_params() == est.get_params()
    assert type(loaded.random_state) is int and type(loaded.mask_value) is float
    np.testing.assert_array_equal(loaded.transform(X3), est.transform(X3))


class _Failure(Exception):
    pass


def _fail(*args, **kwargs):
    raise _Failure


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "where, patch, error",
    [("params", None, ValueError),
     ("keras_model", (keras.Model, "save", _fail), _Failure),
     ("zip_member", (zipfile.ZipFile, "write", _fail), _Failure),
     ("zip_member_interrupted", (zipfile.ZipFile, "write", _interrupt),
      KeyboardInterrupt),
     ("replace", (_persistence.os, "replace", _fail), _Failure)],
)  # fmt: skip
def test_a_failed_save_leaves_an_existing_file_untouched(
    tmp_path, saved, monkeypatch, where, patch, error
):
    est, seqs, good = saved
    path = tmp_path / "model.lstmae"
    path.write_bytes(good.read_bytes())
    if patch is None:
        est = tiny(callbacks=[keras.callbacks.TerminateOnNaN()]).fit(seqs)
    else:
        monkeypatch.setattr(*patch)
    with pytest.raises(error):
        est.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == good.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.lstmae"]


def test_save_to_a_missing_folder_names_it(tmp_path, saved):
    est, _, _ = saved
    with pytest.raises(FileNotFoundError, match="the folder .*missing.* not exist"):
        est.save(tmp_path / "missing" / "model.lstmae")


# ------------------------------------------------- files from a stranger
# Each case edits a good file's JSON; load must refuse it with a ValueError
# that says what is wrong, before it builds or borrows any network.
def _set(section, **values):
    return lambda meta: meta[section].update(values)


def _drop(section, key):
    return lambda meta: meta[section].pop(key)


def _replace(key, value):
    return lambda meta: meta.update({key: value})


def _wider_network(meta):
    # A consistent file whose declared network is far bigger than its weights.
    meta["params"]["n_components"] = 1800
    meta["architecture"]["n_components"] = 1800
    meta["fitted"]["_n_features_out"] = 1800
    meta["fitted"]["code_mean_"] = [0.0] * 1800


def _rogue_loss(section, module, class_name, config=None, key="loss"):
    serialized = {"module": module, "class_name": class_name, "config": config or {}}

    def edit(meta):
        meta[section][key] = {"keras": serialized}
        if class_name == "Huber" and key == "loss_":
            meta["architecture"]["output_activation"] = "sigmoid"

    return edit


def _rogue_optimizer(module, class_name, config=None):
    serialized = {"module": module, "class_name": class_name, "config": config or {}}
    return _set("params", optimizer={"keras": serialized})


BAD_JSON = [
    # Only known attributes, each checked for type, shape and range.
    ("method_name", _set("fitted", transform=1),
     r"fitted holds unknown entries \['transform'\]"),
    ("pickle_hook", _set("fitted", __reduce_ex__=0), "unknown entries"),
    ("class", _set("fitted", __class__="LSTMAutoencoderTransformer"),
     "unknown entries"),
    ("output_config", _set("fitted", _sklearn_output_config={"transform": "pandas"}),
     "unknown entries"),
    ("zero_scale", _set("fitted", channel_scale_=[0, 0]),
     "channel_scale_ must be positive"),
    ("short_mean", _set("fitted", channel_mean_=[0.0]),
     "channel_mean_ must hold 2 numbers, not 1"),
    ("nan_mean", _set("fitted", channel_mean_=[float("nan"), 0.0]),
     "channel_mean_ must hold finite"),
    ("float32_overflow", _set("fitted", channel_scale_=[1e39, 1.0]),
     "channel_scale_ must hold finite float32"),
    ("short_code_mean", _set("fitted", code_mean_=[0.0]),
     "code_mean_ must hold 4 numbers, not 1"),
    ("huge_code_mean", _set("fitted", code_mean_=[1e39, 0, 0, 0]),
     "code_mean_ must hold finite float32"),
    ("zero_code_scale", _set("fitted", code_scale_=0),
     "code_scale_ must be a finite positive number"),
    ("float32_code_scale", _set("fitted", code_scale_=1e39),
     "code_scale_ must be a finite positive number"),
    ("code_scale_list", _set("fitted", code_scale_=[1.0]),
     r"code_scale_ must be a number, not \[1.0\]"),
    ("standardize_int", _set("fitted", standardize_=1),
     "standardize_ must be true, false or 'sequence', not 1"),
    ("standardize_text", _set("fitted", standardize_="channel"),
     "standardize_ must be true, false or 'sequence'"),
    ("unused_scale", _set("fitted", standardize_="sequence", channel_scale_=[2, 1]),
     "channel_mean_ and channel_scale_ are used only by standardize_ true"),
    ("huge_n_timesteps", _set("fitted", n_timesteps_=10**12),
     r"n_timesteps_ must be an int in \[1, 1000000\], not 1000000000000"),
    ("bool_as_int", _set("fitted", n_timesteps_=True), "n_timesteps_ must be an int"),
    ("other_channels", _set("fitted", n_channels_=3),
     "n_channels_ is 3 but the network reads 2"),
    ("other_code_width", _set("fitted", _n_features_out=5),
     "codes are 5 wide but the network's are 4"),
    ("sequence_features", _set("fitted", n_features_in_=4),
     "n_features_in_ 4 does not fit n_channels_ 2"),
    ("names_without_table", _set("fitted", feature_names_in_=["a", "b"]),
     "feature_names_in_ must list the 2 columns of a table"),
    ("unknown_loss", _set("fitted", loss_="hinge"), "loss_ must be one of"),
    ("loss_against_output", _set("fitted", loss_="binary_crossentropy"),
     "loss_ 'binary_crossentropy' does not match the network's 'linear' output"),
    ("n_iter_against_curve", _set("fitted", n_iter_=99),
     "loss_curve_ must hold 99 numbers"),
    ("history_against_curve", _set("fitted", loss_curve_=[1.0, 2.0]),
     r"history_\['loss'\] differs from loss_curve_"),
    ("history_values", _set("fitted", history_={"loss": "ab"}),
     r"history_\['loss'\] must be a list of numbers"),
    # Parameters validated as fit validates them.
    ("n_components_text", _set("params", n_components="abc"),
     "The 'n_components' parameter of LSTMAutoencoderTransformer must be"),
    ("callbacks", _set("params", callbacks=[1]), r"callbacks must be null"),
    ("dropout", _set("params", dropout=5), "The 'dropout' parameter"),
    ("cell_param", _set("params", cell="evil"), "The 'cell' parameter"),
    ("pooling_other_code", _set("params", pooling="last_mean_max"),
     "params say pooling='last_mean_max' but the network's code is "
     "pooling='mean_max'"),
    ("pooling_none", _set("params", pooling=None),
     "params say pooling=None but the network's code is pooling='mean_max'"),
    ("hidden_sizes", _set("params", hidden_layer_sizes=[0]),
     "hidden_layer_sizes must be a sequence of positive integers"),
    ("unknown_param", _set("params", evil=1), r"params holds unknown entries"),
    ("random_state", _set("params", random_state=1.5), "'random_state' parameter"),
    ("optimizer_elsewhere", _rogue_optimizer("os", "system"),
     "the optimizer must be one of Keras's"),
    ("optimizer_wrapper", _rogue_optimizer("keras.optimizers", "LossScaleOptimizer"),
     "the optimizer must be one of Keras's"),
    ("optimizer_object_in_config",
     _rogue_optimizer("keras.optimizers", "Adam", {"beta_1": {"class_name": "x"}}),
     "the optimizer's beta_1 must be a number"),
    ("optimizer_bad_argument",
     _rogue_optimizer("keras.optimizers", "Adam", {"evil": 1}),
     "its optimizer cannot be rebuilt"),
    # Loss objects: Keras's own classes with plain arguments only.
    ("loss_elsewhere", _rogue_loss("params", "os", "system"),
     "the loss must be one of Keras's"),
    ("loss_wrapper",
     _rogue_loss("params", "keras.losses", "LossFunctionWrapper", {"fn": "mse"}),
     "the loss must be one of Keras's"),
    ("loss_base_class", _rogue_loss("params", "keras.losses", "Loss"),
     "the loss must be one of Keras's"),
    ("loss_object_in_config",
     _rogue_loss("params", "keras.losses", "Huber", {"dtype": {"class_name": "x"}}),
     "the loss's dtype must be a number"),
    ("loss_bad_argument", _rogue_loss("params", "keras.losses", "Huber", {"evil": 1}),
     "the loss cannot be rebuilt"),
    ("fitted_loss_elsewhere", _rogue_loss("fitted", "builtins", "eval", key="loss_"),
     "loss_ must be one of Keras's"),
    ("fitted_loss_sigmoid", _rogue_loss("fitted", "keras.losses", "Huber", key="loss_"),
     "loss_ .*Huber.* does not match the network's 'sigmoid' output"),
    # The architecture, field by field.
    ("cell_architecture", _set("architecture", cell="evil"),
     r"cell must be one of \['lstm', 'gru'\], not 'evil'"),
    ("unknown_field", _set("architecture", evil=1), "architecture holds unknown"),
    ("dropout_architecture", _set("architecture", dropout=1.0),
     r"dropout must be a number in \[0, 1\)"),
    # Malformed structure.
    ("fitted_list", _replace("fitted", []), "fitted must be a JSON object, not"),
    ("loss_missing", _drop("fitted", "loss_"), r"fitted lacks \['loss_'\]"),
    ("versions_list", _replace("versions", ["1.0"]),
     "versions must map names to strings"),
    ("params_list", _replace("params", []), "params must be a JSON object"),
    ("architecture_missing", lambda m: m.pop("architecture"),
     r"the file lacks \['architecture'\]"),
    ("version_bool", _replace("format_version", True),
     "format_version must be a positive int"),
    # Sizes that would cost memory: refused from the declared numbers alone.
    ("wider_network", _wider_network,
     "too few for the 29262732 weights of its architecture"),
]  # fmt: skip


@pytest.fixture
def nothing_built(monkeypatch):
    """Fail the test if load borrows or builds a network."""
    from sklearn_lstm_ae import _training

    def refuse(*args, **kwargs):
        raise AssertionError("load built a network for a file it should refuse")

    monkeypatch.setattr(_training, "lend_entry", refuse)


@pytest.mark.parametrize(
    "edit, match", [case[1:] for case in BAD_JSON], ids=[case[0] for case in BAD_JSON]
)
def test_load_checks_every_value_before_building(
    tmp_path, saved, nothing_built, edit, match
):
    _, _, path = saved
    bad = _rewrite(path, tmp_path / "bad.lstmae", meta_update=edit)
    with pytest.raises(ValueError, match=match) as error:
        LSTMAutoencoderTransformer.load(bad)
    assert "not a readable sklearn-lstm-ae model file" in str(error.value)


@pytest.mark.parametrize(
    "text, match",
    [(b"[" * 200_000, "nests too deeply"),
     (b'{"format": "a", "format": "sklearn-lstm-ae"}', "same key twice"),
     (b"\xff\xfe\xfa", "is not valid JSON")],
    ids=["nested", "duplicate_key", "not_text"],
)  # fmt: skip
def test_malformed_json_is_a_value_error(tmp_path, saved, text, match):
    _, _, path = saved
    bad = _rewrite(path, tmp_path / "bad.lstmae", meta_bytes=text)
    with pytest.raises(ValueError, match=match):
        LSTMAutoencoderTransformer.load(bad)


def test_a_missing_path_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No file at .*nowhere.lstmae"):
        LSTMAutoencoderTransformer.load(tmp_path / "nowhere.lstmae")
    with pytest.raises(ValueError, match="it is a folder"):
        LSTMAutoencoderTransformer.load(tmp_path)


def test_members_are_refused_from_their_declared_sizes(
    tmp_path, saved, nothing_built, monkeypatch
):
    _, _, path = saved
    # A megabyte that unpacks to a gigabyte, here 64 MiB from 64 kB.
    zeros = _rewrite(path, tmp_path / "zeros.lstmae", model_bytes=bytes(64 * 2**20))
    with pytest.raises(ValueError, match="autoencoder.keras would unpack to 67108864"):
        LSTMAutoencoderTransformer.load(zeros)
    padded = json.dumps({"format": "sklearn-lstm-ae", "pad": " " * 2**25})
    padded = _rewrite(path, tmp_path / "padded.lstmae", meta_bytes=padded)
    with pytest.raises(ValueError, match="estimator.json would unpack to 3355"):
        LSTMAutoencoderTransformer.load(padded)
    # Random bytes do not compress: too many for the declared architecture.
    noise = np.random.RandomState(0).bytes(4 * 2**20)
    noise = _rewrite(
        path, tmp_path / "noise.lstmae", model_bytes=noise,
        compression=zipfile.ZIP_STORED,
    )  # fmt: skip
    with pytest.raises(ValueError, match="more than the [0-9]+ its architecture"):
        LSTMAutoencoderTransformer.load(noise)
    monkeypatch.setattr(_persistence, "_MAX_META_BYTES", 1000)
    with pytest.raises(ValueError, match="model files hold at most 1000"):
        LSTMAutoencoderTransformer.load(path)


def _with_weights(src, dst, edit):
    """A copy of ``src`` whose Keras weight file ``edit(h5file, folder)`` changed."""
    with zipfile.ZipFile(src) as outer:
        keras_bytes = outer.read("autoencoder.keras")
    with zipfile.ZipFile(io.BytesIO(keras_bytes)) as inner:
        members = {name: inner.read(name) for name in inner.namelist()}
    weights = dst.parent / "weights.h5"
    weights.write_bytes(members["model.weights.h5"])
    with h5py.File(weights, "a") as h5:
        edit(h5, dst.parent)
    members["model.weights.h5"] = weights.read_bytes()
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as inner:
        for name, data in members.items():
            inner.writestr(name, data)
    return _rewrite(src, dst, model_bytes=rebuilt.getvalue())


BIAS = "layers/dense_1/vars/1"  # the existence logit's bias, one float


def _as(**dataset):
    def edit(h5, folder):
        del h5[BIAS]
        h5.create_dataset(BIAS, **dataset)

    return edit


def _unallocated(h5, folder):
    _as(shape=(10**7,), dtype="f4", chunks=(2**16,))(h5, folder)


def _read_from_another_file(h5, folder):
    (folder / "secret.bin").write_bytes(np.float32([7.0]).tobytes())
    _as(shape=(1,), dtype="f4", external=[(str(folder / "secret.bin"), 0, 4)])(
        h5, folder
    )


def _linked_to_another_file(h5, folder):
    with h5py.File(folder / "other.h5", "w") as other:
        other["bias"] = np.float32([7.0])
    del h5[BIAS]
    h5[BIAS] = h5py.ExternalLink(str(folder / "other.h5"), "/bias")


BAD_WEIGHT_FILES = [
    ("unallocated_dataset", _unallocated,
     "declares [0-9]{8} bytes of weights in [0-9]+ bytes"),
    ("compressed_dataset", _as(data=np.zeros(1, "f4"), compression="gzip"),
     "dataset 'layers/dense_1/vars/1' is virtual, external or filtered"),
    ("external_storage", _read_from_another_file, "virtual, external or filtered"),
    ("external_link", _linked_to_another_file,
     "'layers/dense_1/vars/1' is a ExternalLink"),
    ("text_dataset", _as(data=np.array([b"abc"])), "does not hold numbers"),
]  # fmt: skip


@pytest.mark.parametrize(
    "edit, match",
    [case[1:] for case in BAD_WEIGHT_FILES],
    ids=[case[0] for case in BAD_WEIGHT_FILES],
)
def test_weight_files_that_reach_beyond_themselves_are_refused(
    tmp_path, saved, nothing_built, edit, match
):
    _, _, path = saved
    bad = _with_weights(path, tmp_path / "bad.lstmae", edit)
    with pytest.raises(ValueError, match=match):
        LSTMAutoencoderTransformer.load(bad)


def _nan_bias(h5, folder):
    h5[BIAS][...] = np.nan


def _other_shape(h5, folder):
    _as(data=np.zeros(2, "f4"))(h5, folder)


def _no_encoder(h5, folder):
    del h5["layers/lstm"]


@pytest.mark.parametrize(
    "edit, match",
    [(_nan_bias, "weight dense_1/bias holds NaN or infinity|decoder_exists/bias"),
     (_other_shape, "its weights do not fit its architecture"),
     (_no_encoder, "its weights do not fit its architecture")],
    ids=["nan", "other_shape", "missing_layer"],
)  # fmt: skip
def test_weights_that_do_not_fit_are_refused_and_the_network_returned(
    tmp_path, saved, edit, match
):
    from sklearn_lstm_ae import _training

    _, _, path = saved
    bad = _with_weights(path, tmp_path / "bad.lstmae", edit)
    key = LSTMAutoencoderTransformer.load(path)._entry.key  # now back in the cache
    free = _training.MODELS.n_free(key)
    with pytest.raises(ValueError, match=match):
        LSTMAutoencoderTransformer.load(bad)
    assert _training.MODELS.n_free(key) == free


def test_every_architecture_field_has_a_check():
    import dataclasses

    from sklearn_lstm_ae._network import Architecture

    fields = {field.name for field in dataclasses.fields(Architecture)}
    assert set(_persistence._ARCHITECTURE) == fields


def test_damaged_bytes_give_value_errors(tmp_path, saved):
    _, _, path = saved
    good = path.read_bytes()
    rng = np.random.RandomState(0)
    damaged = [good[:n] for n in np.linspace(0, len(good) - 1, 12).astype(int)]
    for _ in range(12):  # a few bytes of the directory at the end, changed
        data = bytearray(good)
        for i in rng.randint(len(good) - 300, len(good), size=3):
            data[i] = rng.randint(256)
        damaged.append(bytes(data))
    bad = tmp_path / "bad.lstmae"
    for data in damaged:
        bad.write_bytes(data)
        try:
            LSTMAutoencoderTransformer.load(bad)
        except ValueError as exc:
            assert "not a readable sklearn-lstm-ae model file" in str(exc)


def test_an_optimizer_with_a_schedule_round_trips(tmp_path, X3):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
    est = tiny(optimizer=keras.optimizers.Adam(schedule)).fit(X3)
    est.save(tmp_path / "schedule.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "schedule.lstmae")
    assert loaded.optimizer.get_config() == est.optimizer.get_config()
    np.testing.assert_array_equal(loaded.transform(X3), est.transform(X3))


def test_save_refuses_an_optimizer_load_would_not_rebuild(tmp_path, saved):
    est = pickle.loads(pickle.dumps(saved[0]))
    est.set_params(
        optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())
    )
    with pytest.raises(ValueError, match="save can store optimizer as a name or"):
        est.save(tmp_path / "x.lstmae")
    assert not (tmp_path / "x.lstmae").exists()


def _encrypted(data):
    # Set the "encrypted" flag of every member in the central directory.
    data = bytearray(data)
    start = data.find(b"PK\x01\x02")
    while start != -1:
        data[start + 8] |= 0x1
        start = data.find(b"PK\x01\x02", start + 4)
    return bytes(data)


def test_archives_holding_other_members_are_refused(tmp_path, saved, nothing_built):
    _, _, path = saved
    extra = tmp_path / "extra.lstmae"
    extra.write_bytes(path.read_bytes())
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("notes.txt", "hello")
    twice = tmp_path / "twice.lstmae"
    twice.write_bytes(path.read_bytes())
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(twice, "a") as archive:
            archive.writestr("estimator.json", "{}")
    encrypted = tmp_path / "encrypted.lstmae"
    encrypted.write_bytes(_encrypted(path.read_bytes()))
    for bad, match in [
        (extra, r"should hold \['autoencoder.keras', 'estimator.json'\]; it holds"),
        (twice, "holds a member name twice"),
        (encrypted, "estimator.json is encrypted"),
    ]:
        with pytest.raises(ValueError, match=match):
            LSTMAutoencoderTransformer.load(bad)


def test_a_keras_loss_object_is_saved_in_keras_form_with_all_its_arguments(
    tmp_path, X3
):
    est = tiny(loss=keras.losses.Huber(delta=0.25)).fit(X3)
    est.save(tmp_path / "huber.lstmae")
    with zipfile.ZipFile(tmp_path / "huber.lstmae") as zf:
        meta = json.loads(zf.read("estimator.json"))
    stored = {
        "module": "keras.losses", "class_name": "Huber", "registered_name": None,
        "config": {"name": "huber_loss", "reduction": "sum_over_batch_size",
                   "delta": 0.25},
    }  # fmt: skip
    assert meta["params"]["loss"] == meta["fitted"]["loss_"] == {"keras": stored}
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "huber.lstmae")
    assert type(loaded.loss) is type(loaded.loss_) is keras.losses.Huber
    assert loaded.loss_._fn_kwargs == {"delta": 0.25}
    np.testing.assert_array_equal(loaded.transform(X3), est.transform(X3))


class _MyLoss(keras.losses.MeanSquaredError):
    pass


def test_save_refuses_a_loss_load_would_not_rebuild(tmp_path, X3):
    est = tiny(loss=_MyLoss()).fit(X3)
    with pytest.raises(
        ValueError, match="save can store loss as a name .* not .*_MyLoss"
    ):
        est.save(tmp_path / "x.lstmae")
    assert not (tmp_path / "x.lstmae").exists()


def test_the_trained_optimizer_handed_back_is_saved_as_keras_adam(tmp_path, X3):
    # model_.optimizer is the package's Adam; given back as a parameter, it is
    # described and saved as the Keras Adam it trains as.
    first = tiny().fit(X3)
    est = tiny(optimizer=first.model_.optimizer).fit(X3)
    np.testing.assert_array_equal(est.transform(X3), first.transform(X3))
    path = tmp_path / "handed_back.lstmae"
    est.save(path)
    loaded = LSTMAutoencoderTransformer.load(path)
    assert type(loaded.optimizer) is keras.optimizers.Adam
    assert loaded.optimizer.get_config() == first.model_.optimizer.get_config()
    np.testing.assert_array_equal(loaded.transform(X3), est.transform(X3))
