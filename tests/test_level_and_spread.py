"""level_and_spread: each channel's mean and standard deviation in the code."""

import pickle

import numpy as np
import pytest
from conftest import tiny
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from sklearn_lstm_ae import LSTMAutoencoderTransformer


@pytest.fixture(scope="module")
def levels():
    """3 channels, lengths 0..9, each sequence at its own level and spread."""
    rng = np.random.RandomState(3)
    return [
        (rng.normal(size=(n, 3)) * rng.uniform(0.5, 3.0, 3) + rng.normal(size=3) * 4)
        for n in [4, 9, 1, 0, 6, 2, 8, 3, 7, 5] * 2
    ]


def _network_codes(est, sequences):
    """The codes the network makes, before transform centres them."""
    return est.transform(sequences) * est.code_scale_ + est.code_mean_


def _statistics(est, sequences):
    """Each sequence's standardised per-channel mean and standard deviation."""
    rows = []
    for seq in sequences:
        z = (seq - est.channel_mean_) / est.channel_scale_
        rows.append(np.r_[z.mean(axis=0), z.std(axis=0)] if len(z) else np.zeros(6))
    return np.array(rows)


@pytest.mark.parametrize("share", [0.5, 2.0])
def test_the_code_ends_with_the_weighted_level_and_spread(levels, share):
    est = tiny(n_components=10, level_and_spread=share).fit(levels)
    codes = _network_codes(est, levels)
    assert codes.shape == (len(levels), 10)
    stats = _statistics(est, levels)
    real = np.array([len(seq) > 0 for seq in levels])
    center, spread = stats[real].mean(axis=0), stats[real].std(axis=0)
    weight = np.sqrt(share * (10 - 6) / 6) / spread
    expected = np.where(real[:, None], (stats - center) * weight, 0.0)
    np.testing.assert_allclose(codes[:, 4:], expected, atol=2e-4)
    # Together the statistics' squared size is share times the learned
    # part's: exactly share * 4 on average over the training sequences, and
    # the learned part is scaled to 1 per unit (its scale trained 2 epochs).
    np.testing.assert_allclose(
        np.square(codes[real, 4:]).sum(axis=1).mean(), share * 4, rtol=1e-4
    )
    learned = np.square(codes[real, :4]).sum(axis=1)
    np.testing.assert_allclose(learned, 4.0, rtol=0.05)


def test_padding_never_reaches_the_statistics(levels):
    est = tiny(n_components=10, level_and_spread=1.0).fit(levels)
    padded = np.full((len(levels), 12, 3), np.nan, np.float32)
    for i, seq in enumerate(levels):
        padded[i, : len(seq)] = seq
    np.testing.assert_allclose(est.transform(padded), est.transform(levels), atol=1e-6)
    codes = _network_codes(est, levels)
    np.testing.assert_allclose(codes[3], 0.0, atol=1e-6)  # the empty sequence


def test_the_code_still_carries_the_length():
    # Sequences that differ in length and level: the decoder reads the
    # statistics with the learned part and still rebuilds each length.
    rng = np.random.RandomState(0)
    lengths = rng.randint(1, 7, size=60)
    levels = rng.normal(size=60)
    seqs = [np.full((n, 1), level) for n, level in zip(lengths, levels, strict=True)]
    est = tiny(
        n_components=6, max_iter=150, batch_size=30, learning_rate_init=0.01,
        level_and_spread=1.0,
    )  # fmt: skip
    decoded = est.fit(seqs).inverse_transform(est.transform(seqs))
    assert est.model_.get_layer("level_and_spread").weight.numpy()[0] > 0
    decoded_lengths = (~np.isnan(decoded[..., 0])).sum(axis=1)
    assert (decoded_lengths == lengths).mean() >= 0.95


def test_a_statistic_that_never_varies_is_zero_in_every_code():
    rng = np.random.RandomState(0)
    steps = rng.normal(size=(24, 8, 2))
    # Channel 0 z-normalised in each sequence; channel 1 at its own level.
    steps[..., 0] -= steps[..., 0].mean(axis=1, keepdims=True)
    steps[..., 0] /= steps[..., 0].std(axis=1, keepdims=True)
    steps[..., 1] += rng.normal(size=(24, 1)) * 5
    est = tiny(n_components=8, level_and_spread=1.0).fit(steps)
    layer = est.model_.get_layer("level_and_spread")
    weight = layer.weight.numpy()
    # Channel 0's mean and spread are 0 and 1 in every sequence; channel 1's
    # both vary, and share the code's four statistics' size between them.
    assert weight[0] == 0.0 and weight[2] == 0.0
    assert weight[1] > 0.0 and weight[3] > 0.0
    np.testing.assert_array_equal(est.transform(steps)[:, [4, 6]], 0.0)
    codes = _network_codes(est, steps)
    np.testing.assert_array_equal(codes[:, [4, 6]], 0.0)
    np.testing.assert_allclose(np.square(codes[:, [5, 7]]).sum(axis=1).mean(), 4.0)


@pytest.mark.parametrize("standardize", [True, "sequence"])
def test_statistics_that_never_vary_are_named_in_a_warning(standardize):
    # z-normalised series, or any series standardised each by itself.
    steps = np.random.RandomState(0).normal(size=(24, 8, 1)) * 3 + 1
    if standardize is True:
        steps -= steps.mean(axis=1, keepdims=True)
        steps /= steps.std(axis=1, keepdims=True)
    est = tiny(n_components=6, level_and_spread=1.0, standardize=standardize)
    with pytest.warns(UserWarning, match=r"level_and_spread=1.0 adds nothing"):
        est.fit(steps)
    np.testing.assert_array_equal(est.transform(steps)[:, 4:], 0.0)


def test_zero_leaves_the_statistics_out(X3):
    names = [layer.name for layer in tiny().fit(X3).model_.layers]
    assert "level_and_spread" not in names
    with_stats = tiny(n_components=6, level_and_spread=1.0).fit(X3)
    assert "level_and_spread" in [layer.name for layer in with_stats.model_.layers]
    # The encoder learns the rest: two of six units (half each for the mean
    # and the max) beside the four statistics.
    assert with_stats.model_.get_layer("pooling").width == 2


def test_too_many_statistics_for_the_code_is_a_value_error(X3):
    est = tiny().fit(X3)
    before = est.transform(X3)
    # 2 channels: 4 statistics leave nothing of a 4-wide code.
    with pytest.raises(ValueError, match=r"level_and_spread=1.*n_components above 4"):
        est.set_params(level_and_spread=1).fit(X3)
    np.testing.assert_array_equal(est.transform(X3), before)
    with pytest.raises(ValueError, match="level_and_spread"):
        tiny(level_and_spread=-1.0).fit(X3)


def test_more_training_keeps_the_first_fits_statistics(levels):
    est = tiny(n_components=10, level_and_spread=1.0, warm_start=True).fit(levels)
    layer = est.model_.get_layer("level_and_spread")
    center, weight = layer.center.numpy(), layer.weight.numpy()
    est.fit([seq * 3 + 10 for seq in levels])
    np.testing.assert_array_equal(layer.center.numpy(), center)
    np.testing.assert_array_equal(layer.weight.numpy(), weight)
    est.partial_fit(levels[:5])
    np.testing.assert_array_equal(layer.weight.numpy(), weight)


@pytest.mark.parametrize("first, then", [(0.0, 1.0), (1.0, 0.0)])
def test_a_warm_start_that_adds_or_drops_the_statistics_is_refused(levels, first, then):
    est = tiny(n_components=10, level_and_spread=first, warm_start=True).fit(levels)
    before = est.transform(levels)
    with pytest.raises(ValueError, match="level_and_spread.*warm_start=False"):
        est.set_params(level_and_spread=then).fit(levels)
    with pytest.raises(ValueError, match="level_and_spread.*warm_start=False"):
        est.partial_fit(levels)
    np.testing.assert_array_equal(est.transform(levels), before)
    # Another share of the same kind trains on, with the first fit's weights.
    est.set_params(level_and_spread=first * 2).fit(levels)
    assert est.n_iter_ == 4


def test_save_load_and_pickle_keep_the_statistics(levels, tmp_path):
    est = tiny(n_components=10, level_and_spread=2.0).fit(levels)
    est.save(tmp_path / "est.lstmae")
    loaded = LSTMAutoencoderTransformer.load(tmp_path / "est.lstmae")
    np.testing.assert_array_equal(loaded.transform(levels), est.transform(levels))
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.transform(levels), est.transform(levels))


def test_a_grid_search_chooses_the_share_with_a_classifier():
    # Whole periods of a sine wave at random phases; the classes differ only
    # in level, by a sixth of the wave's height. The codes with the
    # statistics read them apart, those without less well (0.8 on
    # TensorFlow, 0.9 on JAX: at least two more of the 40 series wrong).
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 20)
    t = np.arange(20) * 2 * np.pi / 20
    phase = rng.uniform(0, 2 * np.pi, (40, 1))
    X = 3 * np.sin(t + phase) + 0.5 * y[:, None] + 0.1 * rng.normal(size=(40, 20))
    X = X[..., None]
    search = GridSearchCV(
        make_pipeline(tiny(n_components=6), SVC()),
        {"lstmautoencodertransformer__level_and_spread": [0.0, 4.0]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_ == {"lstmautoencodertransformer__level_and_spread": 4.0}
    without, with_stats = search.cv_results_["mean_test_score"]
    assert with_stats == 1.0 and without < 0.95
