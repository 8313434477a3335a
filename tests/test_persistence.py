"""save/load: one file, no pickle, clear errors for files that are not ours."""

import json
import pickle
import zipfile

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


def _rewrite(src, dst, meta_update=None, drop=None, model_bytes=None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name == drop:
                continue
            data = zin.read(name)
            if name == "estimator.json" and meta_update is not None:
                meta = json.loads(data)
                meta_update(meta)
                data = json.dumps(meta)
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
