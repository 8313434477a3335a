"""The estimator in front of a scikeras KerasClassifier, in one Pipeline."""

import pickle

import keras
import numpy as np
import pytest
from conftest import tiny
from scikeras.wrappers import KerasClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline


def _classifier_head(meta, hidden_units=8):
    """A Keras classifier of codes; scikeras fills ``meta`` from the data."""
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


def _pipeline():
    return Pipeline(
        [
            ("embed", tiny()),
            (
                "classify",
                KerasClassifier(
                    _classifier_head, epochs=3, batch_size=16, verbose=0, random_state=0
                ),
            ),
        ]
    )


@pytest.fixture(scope="module")
def data():
    X = np.random.RandomState(0).normal(size=(32, 6, 2)).astype(np.float32)
    y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    return _pipeline().fit(*data)


def test_pipeline_fits_and_predicts_the_labels_it_saw(data, fitted):
    X, y = data
    predicted = fitted.predict(X)
    assert predicted.shape == y.shape and set(predicted) <= set(y)
    proba = fitted.predict_proba(X)
    assert proba.shape == (32, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_grid_search_sets_parameters_of_both_steps(data):
    grid = {"embed__n_components": [2, 3], "classify__model__hidden_units": [5]}
    search = GridSearchCV(_pipeline(), grid, cv=2).fit(*data)
    widths = [params["embed__n_components"] for params in search.cv_results_["params"]]
    assert widths == [2, 3]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    codes = best.named_steps["embed"].transform(data[0])
    assert codes.shape[1] == search.best_params_["embed__n_components"]
    # The head was built with the hidden layer the grid asked for.
    assert best.named_steps["classify"].model_.layers[0].units == 5


def test_pickle_round_trip_predicts_the_same(data, fitted):
    X, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    np.testing.assert_allclose(
        restored.predict_proba(X), fitted.predict_proba(X), rtol=1e-6
    )
    np.testing.assert_array_equal(
        restored.named_steps["embed"].transform(X),
        fitted.named_steps["embed"].transform(X),
    )
