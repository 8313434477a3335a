"""The aeon adapter: aeon's own checks, aeon's formats, pipelines and searches."""

import numpy as np
import pytest
from aeon.classification.compose import ClassifierPipeline
from aeon.datasets import load_basic_motions
from aeon.testing.data_generation import (
    make_example_3d_numpy,
    make_example_3d_numpy_list,
)
from aeon.testing.estimator_checking import parametrize_with_checks
from aeon.utils.conversion import convert_collection
from conftest import TINY, assert_searched
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sklearn_lstm_ae import LSTMAutoencoderTransformer
from sklearn_lstm_ae.aeon import AeonLSTMAutoencoder


@parametrize_with_checks([AeonLSTMAutoencoder])
def test_aeon_estimator_checks(check):
    check()


def test_html_repr_links_to_the_adapters_api_page():
    link = AeonLSTMAutoencoder()._get_doc_link()
    assert link.endswith("gen_modules/sklearn_lstm_ae.aeon.AeonLSTMAutoencoder.html")


def _codes(X, **params):
    return AeonLSTMAutoencoder(**{**TINY, **params}).fit_transform(X)


@pytest.mark.parametrize("form", ["np-list", "df-list", "pd-multiindex"])
def test_aeon_collection_types_give_the_same_codes_as_numpy3d(form):
    X, _ = make_example_3d_numpy(n_cases=10, n_channels=2, n_timepoints=8)
    np.testing.assert_array_equal(_codes(convert_collection(X, form)), _codes(X))


@pytest.mark.parametrize("form", ["numpy2D", "pd-wide"])
def test_aeon_univariate_tables_are_one_channel_series(form):
    X, _ = make_example_3d_numpy(n_cases=10, n_channels=1, n_timepoints=8)
    embed = AeonLSTMAutoencoder(**TINY)
    codes = embed.fit_transform(convert_collection(X, form))
    assert (embed.estimator_.n_timesteps_, embed.estimator_.n_channels_) == (8, 1)
    np.testing.assert_array_equal(codes, _codes(X))


@pytest.mark.parametrize("form", ["np-list", "df-list", "pd-multiindex"])
def test_unequal_lengths_in_every_aeon_type_match_the_estimator(form):
    X, _ = make_example_3d_numpy_list(
        n_cases=10, n_channels=2, min_n_timepoints=3, max_n_timepoints=9,
        random_state=0,
    )  # fmt: skip
    expected = LSTMAutoencoderTransformer(**TINY, data_format="channels_first")
    np.testing.assert_array_equal(
        _codes(convert_collection(X, form)), expected.fit_transform(X)
    )


def test_transform_takes_other_lengths_and_refuses_other_channel_counts():
    X, _ = make_example_3d_numpy(n_cases=10, n_channels=2, n_timepoints=8)
    embed = AeonLSTMAutoencoder(**TINY).fit(X)
    longer, _ = make_example_3d_numpy(n_cases=3, n_channels=2, n_timepoints=12)
    assert embed.transform(longer).shape == (3, TINY["n_components"])
    wider, _ = make_example_3d_numpy(n_cases=3, n_channels=3, n_timepoints=8)
    with pytest.raises(ValueError, match="channels"):
        embed.transform(wider)


@pytest.fixture(scope="module")
def basic_motions():
    X_train, y_train = load_basic_motions(split="train")
    X_test, y_test = load_basic_motions(split="test")
    return X_train, y_train, X_test, y_test


def test_basic_motions_in_an_aeon_pipeline_scores_like_hand_transposed_data(
    basic_motions,
):
    X_train, y_train, X_test, y_test = basic_motions
    assert X_train.shape == (40, 6, 100)  # aeon's (n_cases, n_channels, n_timepoints)
    pipeline = ClassifierPipeline(AeonLSTMAutoencoder(**TINY), KNeighborsClassifier(1))
    predicted = pipeline.fit(X_train, y_train).predict(X_test)
    embed = pipeline.steps_[0][1].estimator_
    assert (embed.n_timesteps_, embed.n_channels_) == (100, 6)
    by_hand = make_pipeline(LSTMAutoencoderTransformer(**TINY), KNeighborsClassifier(1))
    by_hand.fit(X_train.transpose(0, 2, 1), y_train)
    np.testing.assert_array_equal(predicted, by_hand.predict(X_test.transpose(0, 2, 1)))
    assert pipeline.score(X_test, y_test) == by_hand.score(
        X_test.transpose(0, 2, 1), y_test
    )


def test_grid_search_over_both_steps_of_an_aeon_pipeline(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    pipeline = ClassifierPipeline(AeonLSTMAutoencoder(**TINY), KNeighborsClassifier())
    grid = {
        "AeonLSTMAutoencoder__n_components": [2, 3],
        "KNeighborsClassifier__n_neighbors": [1, 3],
    }
    search = GridSearchCV(pipeline, grid, cv=2).fit(X_train, y_train)
    assert_searched(search, grid, X_test, y_test)
    best = search.best_estimator_.steps_[0][1].estimator_
    assert best.n_components == search.best_params_["AeonLSTMAutoencoder__n_components"]
