"""Tests of the ``python -m sklearn_lstm_ae`` demo, on tiny data and models."""

import doctest
import re
import sys

import numpy as np
import pytest

from sklearn_lstm_ae import __main__ as demo
from sklearn_lstm_ae.datasets import make_moving_onehot

# The estimator's defaults train for minutes; tests pass these instead.
TINY = dict(n_components=4, max_iter=2, batch_size=16)
# A 2-epoch model can give equal codes to different sequences, and KMeans then
# warns that it found fewer distinct points than clusters.
fewer_points_than_clusters = pytest.mark.filterwarnings(
    "ignore:Number of distinct clusters:sklearn.exceptions.ConvergenceWarning"
)
REPORT_LINES = [
    r"moving one-hot \(40, 10, 5\): \d+ distinct sequences, 32 train / 8 held out",
    r"  fit: \d+\.\d s, 2 epochs",
    r"  held-out exact reconstruction \(steps and length\): "
    r"\d+\.\d% \(\d/8\)",
    r"  clustering agreement \(adjusted Rand index, KMeans k=\d+\): -?\d\.\d{3}",
    r"seed generator \(40, 10, 8\): \d distinct sequences, 32 train / 8 held out",
    r"  fit: \d+\.\d s, 2 epochs",
    r"  held-out exact reconstruction \(steps and length\): "
    r"\d+\.\d% \(\d/8\)",
    r"  clustering agreement \(adjusted Rand index, KMeans k=\d\): -?\d\.\d{3}",
    r"  note: steps after position 7 are all zeros, like the padding, so the drawn "
    r"lengths 8, 9 and 10 are one sequence of length 8 \(9 distinct sequences, not "
    r"11\)",
]


def test_docstring_examples_run():
    # pytest's --doctest-modules skips files named __main__.py.
    results = doctest.testmod(demo, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 6
    assert results.failed == 0


def test_sequence_lengths_count_steps_before_trailing_padding():
    X = np.zeros((3, 4, 2))
    X[0, :2, 0] = 1  # length 2
    X[1, 2, 1] = 1  # zero steps before a real step are data: length 3
    lengths = demo.sequence_lengths(X)
    np.testing.assert_array_equal(lengths, [2, 3, 0])
    np.testing.assert_array_equal(
        demo.sequence_lengths(X - 1, mask_value=-1), [2, 3, 0]
    )


def test_exact_reconstructions_needs_every_step_and_the_length():
    lengths = np.array([3, 2, 4, 3])
    X = np.zeros((4, 5, 3), dtype=np.float32)
    for i, length in enumerate(lengths):
        X[i, np.arange(length), np.arange(length) % 3] = 1
    np.testing.assert_array_equal(demo.sequence_lengths(X), lengths)
    decoded = np.where(X == 1, 0.9, 0.1).astype(np.float32)
    real = np.arange(5) < lengths[:, None]
    decoded[~real] = 0.0  # inverse_transform fills decoded padding with 0.0
    np.testing.assert_array_equal(demo.exact_reconstructions(X, decoded), True)

    wrong_step = decoded.copy()
    wrong_step[0, 0] = 1 - wrong_step[0, 0]
    too_long = decoded.copy()
    too_long[1, lengths[1] :] = 0.2  # one more step, below threshold
    too_short = decoded.copy()
    too_short[2, lengths[2] - 1] = 0.0
    for bad, row in ((wrong_step, 0), (too_long, 1), (too_short, 2)):
        expected = np.ones(4, dtype=bool)
        expected[row] = False
        np.testing.assert_array_equal(demo.exact_reconstructions(X, bad), expected)


def test_exact_reconstructions_accepts_a_shorter_decoding():
    # A model decodes up to its longest training sequence, which can be
    # shorter than the input's padded width (the seed data's last steps).
    X = np.zeros((2, 5, 2), dtype=np.float32)
    X[:, :2, 0] = 1
    decoded = np.full((2, 3, 2), 0.2, dtype=np.float32)
    decoded[:, :2, 0] = 0.8
    decoded[:, 2] = 0.0
    decoded[1, 2] = 0.3
    assert demo.exact_reconstructions(X, decoded).tolist() == [True, False]
    assert demo.pad_steps(decoded, 5).shape == (2, 5, 2)


def test_make_pipeline_uses_defaults_plus_mask_value():
    from sklearn_lstm_ae import LSTMAutoencoderTransformer

    pipeline = demo.make_pipeline(7, seed=3, verbose=1)
    embed, cluster = (step for _, step in pipeline.steps)
    params = embed.get_params()
    defaults = LSTMAutoencoderTransformer().get_params()
    changed = {k: v for k, v in params.items() if v != defaults[k]}
    assert changed == {"mask_value": 0.0, "random_state": 3, "verbose": 1}
    assert (cluster.n_clusters, cluster.n_init, cluster.random_state) == (7, 10, 3)
    overridden = demo.make_pipeline(7, estimator_params={"n_components": 3})
    assert overridden.named_steps["embed"].n_components == 3


def test_run_scenario_reports_held_out_measurements():
    # 5 channels, as in main's first data set: the tests share one built model.
    X, y = make_moving_onehot(40, 4, 5, min_length=4, random_state=0)
    messages = []
    report, X_test, X_decoded = demo.run_scenario(
        "fixed", X, y, seed=0, verbose=0, estimator_params=TINY, log=messages.append
    )
    assert (report.n_train, report.n_test, report.n_distinct) == (32, 8, 5)
    assert report.n_iter == 2
    assert X_test.shape == X_decoded.shape == (8, 4, 5)
    exact = demo.exact_reconstructions(X_test, X_decoded)
    assert report.n_exact == exact.sum()
    assert report.exact_rate == pytest.approx(exact.mean())
    assert -1 <= report.ari <= 1
    assert messages == [
        "[fixed] fitting the autoencoder and KMeans on 32 sequences",
        "[fixed] embedding and decoding 8 held-out sequences",
    ]
    assert (
        report.lines()[0]
        == "fixed (40, 4, 5): 5 distinct sequences, 32 train / 8 held out"
    )


def test_scenarios_are_the_users_data_sets():
    (name1, X1, _), (name2, X2, y2) = demo.scenarios(seed=1)
    assert (name1, X1.shape) == ("moving one-hot", (1200, 10, 5))
    assert (name2, X2.shape) == ("seed generator", (1000, 10, 8))
    assert np.unique(y2).size == 9
    shapes = [X.shape for _, X, _ in demo.scenarios(n_samples=30)]
    assert shapes == [(30, 10, 5), (30, 10, 8)]


def test_parser_reads_the_options():
    args = demo.build_parser().parse_args(
        ["--seed", "4", "--n-samples", "50", "--plot", "out.png", "--quiet"]
    )
    assert (args.seed, args.n_samples, args.plot, args.quiet) == (
        4,
        50,
        "out.png",
        True,
    )
    args = demo.build_parser().parse_args([])
    assert (args.seed, args.n_samples, args.plot, args.quiet) == (0, None, None, False)


@fewer_points_than_clusters
def test_main_prints_the_report_and_writes_the_plot(tmp_path, capsys):
    path = tmp_path / "reconstructions.png"
    argv = ["--n-samples", "40", "--seed", "1", "--quiet", "--plot", str(path)]
    assert demo.main(argv, estimator_params=TINY) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(REPORT_LINES) + 1
    for line, pattern in zip(out, REPORT_LINES, strict=False):
        assert re.fullmatch(pattern, line), line
    assert out[-1] == f"wrote {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@fewer_points_than_clusters
def test_main_shows_progress_unless_quiet(capsys):
    assert demo.main(["--n-samples", "40"], estimator_params=TINY) == 0
    out = capsys.readouterr().out
    assert "[moving one-hot] fitting the autoencoder and KMeans on 32 sequences" in out
    assert "[seed generator] embedding and decoding 8 held-out sequences" in out
    assert re.search(r"^total time: \d+\.\d s$", out, flags=re.M)
    for pattern in REPORT_LINES:
        assert re.search("^" + pattern + "$", out, flags=re.M), pattern


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    path = tmp_path / "never.png"
    status = demo.main(["--n-samples", "40", "--plot", str(path)])
    captured = capsys.readouterr()
    assert status == 1
    assert "pip install matplotlib" in captured.err
    assert captured.out == ""  # refused before any training
    assert not path.exists()
    with pytest.raises(ImportError, match="pip install matplotlib"):
        demo.plot_reconstructions(path, [])


def test_main_rejects_too_few_samples(capsys):
    with pytest.raises(SystemExit) as exc:
        demo.main(["--n-samples", "3"])
    assert exc.value.code == 2
    assert "--n-samples must be at least 10; got 3" in capsys.readouterr().err
