"""scikit-learn's own estimator checks, on tiny seeded configurations."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lstm_ae import LSTMAutoencoderTransformer

TINY = dict(n_components=3, max_iter=2, batch_size=16, random_state=0)
# The first trains on batches of 4, so that the checks' weighted and repeated
# fits (about 12 distinct sequences) take several mini-batch steps per epoch.
CONFIGURATIONS = [
    LSTMAutoencoderTransformer(**{**TINY, "batch_size": 4}),
    LSTMAutoencoderTransformer(**TINY, cell="gru", code_scaling="batch"),
    LSTMAutoencoderTransformer(**{**TINY, "n_components": 4}, bidirectional=True),
    LSTMAutoencoderTransformer(**TINY, hidden_layer_sizes=(4,)),
]


@parametrize_with_checks(CONFIGURATIONS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
