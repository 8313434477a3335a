"""What the aeon and sktime adapters share: the estimator's parameters."""

import inspect
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_lstm_ae import LSTMAutoencoderTransformer, _adapters
from sklearn_lstm_ae.aeon import AeonLSTMAutoencoder
from sklearn_lstm_ae.sktime import SktimeLSTMAutoencoder

ADAPTERS = [AeonLSTMAutoencoder, SktimeLSTMAutoencoder]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_take_the_estimators_parameters_and_defaults(adapter):
    ours = inspect.signature(LSTMAutoencoderTransformer).parameters
    theirs = inspect.signature(adapter).parameters
    assert list(theirs) == [name for name in ours if name not in _adapters.FIXED]
    for name, parameter in theirs.items():
        assert parameter.default == ours[name].default, name
        assert parameter.kind == ours[name].kind, name
    assert set(_adapters.FIXED) <= set(ours)  # nothing fixed that does not exist
    assert adapter().get_params() == {name: p.default for name, p in theirs.items()}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_store_parameters_unchanged_and_pass_them_on(adapter):
    callbacks = []
    est = adapter(7, cell="gru", callbacks=callbacks, random_state=3)
    assert est.n_components == 7 and est.callbacks is callbacks
    inner = _adapters.make_estimator(est)
    assert isinstance(inner, LSTMAutoencoderTransformer)
    params = inner.get_params()
    assert params["n_components"] == 7 and params["cell"] == "gru"
    assert params["callbacks"] is callbacks and params["random_state"] == 3
    assert {name: params[name] for name in _adapters.FIXED} == _adapters.FIXED
    assert clone(est).get_params() == est.get_params()


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_refuse_unknown_and_fixed_parameters(adapter):
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_epochs'"):
        adapter(n_epochs=3)
    name = adapter.__name__
    with pytest.raises(
        TypeError,
        match=rf"{name} does not take data_format: it always passes "
        "data_format='channels_first' to LSTMAutoencoderTransformer",
    ):
        adapter(data_format="channels_last")
    with pytest.raises(
        TypeError,
        match=rf"{name} does not take n_timesteps, warm_start: it always passes "
        "n_timesteps=None, warm_start=False to",
    ):
        adapter(warm_start=True, n_timesteps=4)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_document_each_of_their_parameters(adapter):
    doc = adapter.__doc__
    documented = [
        line.split(" :")[0] for line in doc.splitlines() if " : " in line
    ]  # "name : type" lines, Attributes included
    assert documented[: len(_adapters.PARAMETERS)] == _adapters.PARAMETERS
    assert "{parameters}" not in doc and "\ndata_format :" not in doc


@pytest.mark.parametrize("framework", ["aeon", "sktime"])
def test_a_missing_framework_names_the_extra_that_installs_it(framework, monkeypatch):
    monkeypatch.setitem(sys.modules, framework, None)  # "not installed"
    with pytest.raises(
        ImportError, match=rf"pip install 'sklearn-lstm-ae\[{framework}\]'"
    ):
        _adapters.require(framework)


TINY_ONE_EPOCH = {"n_components": 2, "max_iter": 1, "random_state": 0}


@pytest.mark.parametrize(
    "fit",
    [
        lambda X: LSTMAutoencoderTransformer(**TINY_ONE_EPOCH).fit(X),
        lambda X: make_pipeline(
            FunctionTransformer(), LSTMAutoencoderTransformer(**TINY_ONE_EPOCH)
        ).fit(X),
        lambda X: AeonLSTMAutoencoder(**TINY_ONE_EPOCH).fit(X.transpose(0, 2, 1)),
        lambda X: SktimeLSTMAutoencoder(**TINY_ONE_EPOCH).fit(X.transpose(0, 2, 1)),
    ],
    ids=["estimator", "pipeline", "aeon", "sktime"],
)
def test_warnings_point_at_the_users_code_through_every_caller(fit):
    X = np.random.RandomState(0).normal(size=(8, 6, 2))
    with pytest.warns(ConvergenceWarning, match="ran all max_iter=1 epochs") as record:
        fit(X)
    # This file's lambda, not the package, scikit-learn, aeon or sktime.
    assert [w.filename for w in record] == [__file__]
