"""The sktime adapter: sktime's own checks, its panel formats, pipelines, search."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, assert_searched
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sktime.classification.model_selection import TSCGridSearchCV
from sktime.datasets import load_basic_motions
from sktime.datatypes import convert_to
from sktime.utils.estimator_checks import check_estimator, parametrize_with_checks

from sklearn_lstm_ae import LSTMAutoencoderTransformer
from sklearn_lstm_ae.sktime import SktimeLSTMAutoencoder


@parametrize_with_checks(SktimeLSTMAutoencoder)
def test_sktime_estimator_checks(obj, test_name):
    check_estimator(obj, tests_to_run=test_name, raise_exceptions=True, verbose=0)


RNG = np.random.RandomState(0)
X3 = RNG.normal(size=(10, 2, 8))  # sktime's numpy3D: (instances, columns, time)
# Unequal lengths: one (n_timepoints, n_columns) DataFrame per instance.
DF_LIST = [pd.DataFrame(RNG.normal(size=(n, 2))) for n in (3, 8, 5, 6, 4) * 2]


def _codes(X):
    return SktimeLSTMAutoencoder(**TINY).fit_transform(X)


def test_transform_returns_one_row_per_instance_as_the_estimator_would():
    codes = _codes(X3)
    assert isinstance(codes, pd.DataFrame)
    assert codes.shape == (10, TINY["n_components"])
    expected = LSTMAutoencoderTransformer(**TINY, data_format="channels_first")
    np.testing.assert_array_equal(codes.to_numpy(), expected.fit_transform(X3))


@pytest.mark.parametrize("mtype", ["pd-multiindex", "nested_univ", "df-list"])
def test_sktime_panel_formats_give_the_same_codes_as_numpy3d(mtype):
    np.testing.assert_array_equal(
        _codes(convert_to(X3, to_type=mtype)).to_numpy(), _codes(X3).to_numpy()
    )


@pytest.mark.parametrize("mtype", ["pd-multiindex", "nested_univ"])
def test_codes_keep_the_panels_instance_labels_in_its_order(mtype):
    labels = ["c", "a", "e", "b", "d", "j", "f", "i", "g", "h"]
    X = convert_to(X3, to_type=mtype)
    if mtype == "nested_univ":
        X.index = labels
    else:
        X.index = X.index.set_levels(labels, level=0, verify_integrity=False)
    embed = SktimeLSTMAutoencoder(**TINY).fit(X)
    codes = embed.transform(X)
    assert list(codes.index) == labels
    np.testing.assert_array_equal(codes.to_numpy(), _codes(X3).to_numpy())
    # Instances in another order: the same code under each label.
    order = [3, 0, 9, 1, 2, 8, 4, 7, 5, 6]
    reordered = convert_to(X3[order], to_type=mtype)
    if mtype == "nested_univ":
        reordered.index = [labels[i] for i in order]
    else:
        reordered.index = reordered.index.set_levels(
            [labels[i] for i in order], level=0, verify_integrity=False
        )
    again = embed.transform(reordered)
    assert list(again.index) == [labels[i] for i in order]
    np.testing.assert_array_equal(again.loc[labels].to_numpy(), codes.to_numpy())


@pytest.mark.parametrize("mtype", ["df-list", "pd-multiindex", "nested_univ"])
def test_unequal_lengths_in_every_sktime_format_match_the_estimator(mtype):
    X = convert_to(DF_LIST, to_type=mtype)
    expected = LSTMAutoencoderTransformer(**TINY).fit_transform(
        [frame.to_numpy() for frame in DF_LIST]
    )
    np.testing.assert_array_equal(_codes(X).to_numpy(), expected)


@pytest.fixture(scope="module")
def basic_motions():
    # sktime's default return type: a nested DataFrame, one Series per cell.
    X_train, y_train = load_basic_motions(split="train")
    X_test, y_test = load_basic_motions(split="test")
    return X_train, y_train, X_test, y_test


def _numpy3d(X):
    return convert_to(X, to_type="numpy3D")


def test_basic_motions_in_an_sktime_pipeline_scores_like_hand_transposed_data(
    basic_motions,
):
    X_train, y_train, X_test, y_test = basic_motions
    pipeline = SktimeLSTMAutoencoder(**TINY) * KNeighborsClassifier(1)
    predicted = pipeline.fit(X_train, y_train).predict(X_test)
    by_hand = make_pipeline(LSTMAutoencoderTransformer(**TINY), KNeighborsClassifier(1))
    by_hand.fit(_numpy3d(X_train).transpose(0, 2, 1), y_train)
    expected = by_hand.predict(_numpy3d(X_test).transpose(0, 2, 1))
    np.testing.assert_array_equal(predicted, expected)


def test_sktime_grid_search_over_both_steps_of_a_pipeline(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    pipeline = SktimeLSTMAutoencoder(**TINY) * KNeighborsClassifier()
    grid = {
        "SktimeLSTMAutoencoder__n_components": [2, 3],
        "classifier__n_neighbors": [1, 3],
    }
    search = TSCGridSearchCV(pipeline, grid, cv=2).fit(X_train, y_train)
    assert_searched(search, grid, X_test, y_test)
