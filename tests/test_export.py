"""export: transform as a serving artifact, read where the package is absent."""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from conftest import tiny, user_env
from sklearn.exceptions import NotFittedError

# Runs in a fresh interpreter: -I ignores PYTHONPATH, the working folder and
# the user's site-packages, and a finder refuses this package (installed in
# development mode, it would still be found) and scikit-learn, so that the
# artifact is shown to need neither.
LOADER = textwrap.dedent(
    """
    import json, sys

    class NoPackage:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in ("sklearn_lstm_ae", "sklearn"):
                raise ModuleNotFoundError(f"{name} is blocked here")

    sys.meta_path.insert(0, NoPackage())
    for name in ("sklearn_lstm_ae", "sklearn"):
        try:
            __import__(name)
        except ModuleNotFoundError:
            pass
        else:
            sys.exit(f"{name} could be imported")

    import numpy as np

    folder, fmt = sys.argv[1], sys.argv[2]
    with open(f"{folder}/cases.json") as f:
        cases = json.load(f)
    if fmt == "onnx":
        import onnxruntime

        def runner(path):
            session = onnxruntime.InferenceSession(
                path, providers=["CPUExecutionProvider"]
            )
            return lambda values: session.run(None, {"values": values})[0]
    else:
        import tensorflow as tf

        def runner(path):
            served = tf.saved_model.load(path)
            default = served.signatures["serving_default"]

            def run(values, mask=None):
                if mask is not None:
                    return served.serve_with_mask(values, mask).numpy()
                # TF Serving's endpoint, checked against the Python one.
                codes = served.serve(values).numpy()
                signed = default(values=values)["output_0"].numpy()
                assert np.array_equal(codes, signed)
                return codes
            return run

    for case in cases:
        run = runner(f"{folder}/{case['artifact']}")
        for name in case["inputs"]:
            arrays = np.load(f"{folder}/{name}.npz")
            np.save(f"{folder}/{name}.out.npy", run(*arrays.values()))
    """
)


def _pad(sequences, steps, fill):
    out = np.full((len(sequences), steps, sequences[0].shape[1]), fill, np.float32)
    for i, seq in enumerate(sequences):
        out[i, : len(seq)] = seq
    return out


@pytest.fixture(scope="module")
def ragged3():
    """Variable-length sequences of 3 channels, lengths 0..9, none ending in 0."""
    rng = np.random.RandomState(2)
    return [
        rng.uniform(0.5, 2.0, size=(n, 3)).astype(np.float32)
        for n in [4, 9, 1, 0, 6, 2, 8, 3, 7, 5] * 3
    ]


def _cases(X3, ragged3):
    """``{name: (estimator, its data, {input name: arrays})}``: fixed and
    variable lengths, NaN and mask_value padding, dropout layers, the second
    endpoint, per-sequence standardisation, the channels' levels and spreads
    in the code and the channels-first layout."""
    X3 = X3.astype(np.float32)
    ragged_nan = _pad(ragged3, 12, np.nan)  # 3 more padding steps than needed
    ragged_zero = _pad(ragged3, 10, 0.0)
    mask = ~np.isnan(ragged_nan).all(axis=2)
    # Every option that changes the graph: GRU, both directions, a stacked
    # layer, patches of steps, one batch-wide code scale.
    wide = dict(
        cell="gru", bidirectional=True, hidden_layer_sizes=(3,), patch_size=2,
        code_scaling="batch",
    )  # fmt: skip
    return {
        "fixed": (tiny().fit(X3), X3, {"fixed": (X3,)}),
        # With the channels' levels and spreads in the code.
        "nan_padded": (
            tiny(random_state=1, n_components=8, level_and_spread=1.0).fit(ragged3),
            ragged3,
            {
                "nan_padded": (ragged_nan,),
                "nan_padded_short": (ragged_nan[:, :9],),
                # Values under the mask are never read, NaN or not.
                "with_mask": (np.where(mask[..., None], ragged_nan, 7.0), mask),
            },
        ),
        "zero_padded": (
            tiny(mask_value=0.0, dropout=0.2, random_state=2).fit(ragged_zero),
            ragged3,
            {"zero_padded": (ragged_zero,)},
        ),
        "wide": (
            tiny(**wide, random_state=3).fit(ragged3),
            ragged3,
            {"wide": (ragged_nan,)},
        ),
        # Each sequence standardised by itself, inside the artifact too.
        "per_sequence": (
            tiny(standardize="sequence", random_state=4).fit(ragged3),
            ragged3,
            {"per_sequence": (ragged_nan,)},
        ),
        # aeon's layout in, and in the artifact: (batch, channels, steps).
        "channels_first": (
            tiny(data_format="channels_first", random_state=5).fit(
                [seq.T for seq in ragged3]
            ),
            [seq.T for seq in ragged3],
            {
                "channels_first": (ragged_nan.transpose(0, 2, 1),),
                "channels_first_mask": (ragged_nan.transpose(0, 2, 1), mask),
            },
        ),
    }


@pytest.mark.parametrize("fmt", ["tf_saved_model", "onnx"])
def test_the_artifact_gives_transform_in_a_process_without_the_package(
    tmp_path, X3, ragged3, fmt, caplog
):
    if fmt == "onnx" and keras.backend.backend() != "tensorflow":
        est = tiny().fit(X3)
        with pytest.raises(ValueError, match="needs the TensorFlow backend"):
            est.export(tmp_path / "refused.onnx", format=fmt)
        assert not (tmp_path / "refused.onnx").exists()
        return
    cases, expected = [], {}
    for name, (est, data, inputs) in _cases(X3, ragged3).items():
        artifact = name + (".onnx" if fmt == "onnx" else "")
        codes = est.transform(data)
        assert est.export(tmp_path / artifact, format=fmt) is est
        np.testing.assert_array_equal(est.transform(data), codes)  # unchanged
        if fmt == "onnx":  # one endpoint: values padded as at fit
            inputs = {k: arrays for k, arrays in inputs.items() if len(arrays) == 1}
        for input_name, arrays in inputs.items():
            np.savez(tmp_path / f"{input_name}.npz", *arrays)
            expected[input_name] = codes, est.code_scale_
        cases.append({"artifact": artifact, "inputs": list(inputs)})
    # tf2onnx's notes (it drops the dropout layers' seed updates) stay quiet.
    assert not [r for r in caplog.records if r.name.startswith("tf2onnx")]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    out = subprocess.run(
        [sys.executable, "-I", "-c", LOADER, str(tmp_path), fmt],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    for input_name, (codes, code_scale) in expected.items():
        served = np.load(tmp_path / f"{input_name}.out.npy")
        assert served.dtype == np.float32 and served.shape == codes.shape
        # Within 1e-5 in the encoder's units, before code_scale_ divides; on
        # JAX (XLA computes transform, TensorFlow the artifact) 5e-5.
        atol = 5e-5 if keras.backend.backend() == "jax" else 1e-5
        np.testing.assert_allclose(served, codes, rtol=0, atol=atol / code_scale)


JAX_EXPORT = textwrap.dedent(
    """
    import json, sys, warnings
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn_lstm_ae import LSTMAutoencoderTransformer

    warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs

    folder = sys.argv[1]
    seqs = list(np.load(f"{folder}/seqs.npz").values())
    padded = np.load(f"{folder}/padded.npy")
    mask = ~np.isnan(padded).all(axis=2)
    est = LSTMAutoencoderTransformer(
        n_components=4, max_iter=2, batch_size=16, patch_size=2, random_state=0
    ).fit(seqs)
    est.export(f"{folder}/served")
    print("exported", file=sys.stderr, flush=True)
    import tensorflow as tf

    served = tf.saved_model.load(f"{folder}/served")
    codes = est.transform(seqs)
    differences = [
        float(np.abs(out.numpy() - codes).max() * est.code_scale_)
        for out in (served.serve(padded), served.serve_with_mask(padded, mask))
    ]
    try:
        est.export(f"{folder}/served.onnx", format="onnx")
    except ValueError as exc:
        assert "needs the TensorFlow backend" in str(exc), exc
    else:
        sys.exit("format='onnx' was not refused on JAX")
    print(json.dumps(differences))
    """
)


def test_export_on_jax_serves_the_codes_of_transform(tmp_path, ragged3):
    # On JAX, Keras converts the endpoints with jax2tf, for shapes with
    # symbolic dimensions: the mask's steps and the values' steps must be
    # one, and patches must divide the padded steps they are cut from. The
    # conversion imports TensorFlow, quietly.
    np.savez(tmp_path / "seqs.npz", *ragged3)
    np.save(tmp_path / "padded.npy", _pad(ragged3, 12, np.nan))
    out = subprocess.run(
        [sys.executable, "-c", JAX_EXPORT, str(tmp_path)],
        capture_output=True, text=True, env=user_env(KERAS_BACKEND="jax"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stderr.startswith("exported\n"), out.stderr[-3000:]
    differences = json.loads(out.stdout.strip().splitlines()[-1])
    # In the encoder's units: XLA computed transform, TensorFlow the artifact.
    assert max(differences) < 1e-5, differences


def test_the_loader_cannot_import_the_package(tmp_path):
    code = LOADER.split("import numpy as np")[0]
    blocked = subprocess.run(
        [sys.executable, "-I", "-c", code + "import sklearn_lstm_ae"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert blocked.returncode != 0
    assert "sklearn_lstm_ae is blocked here" in blocked.stderr


def test_export_refuses_an_unknown_format_and_an_unfitted_estimator(tmp_path, X3):
    with pytest.raises(NotFittedError):
        tiny().export(tmp_path / "m")
    est = tiny().fit(X3)
    with pytest.raises(ValueError, match=r"format must be one of \['tf_saved_model'"):
        est.export(tmp_path / "m", format="torch")
    assert not (tmp_path / "m").exists()


def test_export_leaves_the_models_to_the_cache_and_cudnn_as_it_was(tmp_path, X3):
    est = tiny().fit(X3)
    entry = est._entry
    est.export(tmp_path / "m")
    assert not entry.exposed  # exporting hands no model to user code
    recurrent = [
        layer for layer in entry.model.layers if isinstance(layer, keras.layers.RNN)
    ]
    assert recurrent and all(layer.use_cudnn == "auto" for layer in recurrent)
