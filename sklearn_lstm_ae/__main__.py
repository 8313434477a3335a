"""``python -m sklearn_lstm_ae``: the user's scenario, end to end.

For two generated data sets (the user's moving one-hot data, shape
``(1200, 10, 5)``, and their 8-position generator) the demo splits off held-out
sequences, fits ``Pipeline([("embed", LSTMAutoencoderTransformer(...)),
("cluster", KMeans(...))])`` on the rest, embeds and decodes the held-out
sequences, and prints how many were rebuilt exactly (every real step and the
length) and how well the clusters of their codes agree with the true distinct
sequences. The estimator runs with its default settings plus
``mask_value=0.0``, the padding of the data.
"""

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

from .datasets import make_moving_onehot, make_seed_sequences

MASK_VALUE = 0.0
THRESHOLD = 0.5
MOVING_ONEHOT_SAMPLES = 1200
# The user's generator made 5000 sequences; the demo uses fewer to stay short.
SEED_GENERATOR_SAMPLES = 1000
NOTES = {
    "seed generator": (
        "  note: steps after position 7 are all zeros, like the padding, so the "
        "drawn lengths 8, 9 and 10 are one sequence of length 8 (9 distinct "
        "sequences, not 11)"
    ),
}


@dataclass
class ScenarioReport:
    """What one scenario measured on its held-out sequences."""

    name: str
    shape: tuple
    n_distinct: int
    n_clusters: int
    n_train: int
    n_test: int
    n_exact: int
    ari: float
    fit_seconds: float
    n_iter: int

    @property
    def exact_rate(self):
        return self.n_exact / max(self.n_test, 1)

    def lines(self):
        """The report, as printed."""
        return [
            f"{self.name} {self.shape}: {self.n_distinct} distinct sequences, "
            f"{self.n_train} train / {self.n_test} held out",
            f"  fit: {self.fit_seconds:.1f} s, {self.n_iter} epochs",
            f"  held-out exact reconstruction (steps and length): "
            f"{100 * self.exact_rate:.1f}% ({self.n_exact}/{self.n_test})",
            f"  clustering agreement (adjusted Rand index, KMeans "
            f"k={self.n_clusters}): {self.ari:.3f}",
        ]


def sequence_lengths(X, mask_value=MASK_VALUE):
    """Real lengths of post-padded sequences: steps before trailing padding.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels)
        Sequences padded at the end with steps whose every channel equals
        ``mask_value``.
    mask_value : float, default=0.0
        The padding value.

    Returns
    -------
    lengths : ndarray of shape (n_samples,)
        Number of steps up to and including the last step that is not padding.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstm_ae.__main__ import sequence_lengths
    >>> X = np.array([[[1.0], [0.0], [2.0], [0.0]], [[0.0], [0.0], [0.0], [0.0]]])
    >>> sequence_lengths(X).tolist()
    [3, 0]
    """
    is_data = ~(np.asarray(X) == mask_value).all(axis=2)
    n_steps = is_data.shape[1]
    last_from_end = is_data[:, ::-1].argmax(axis=1)
    return np.where(is_data.any(axis=1), n_steps - last_from_end, 0)


def pad_steps(X, n_steps, *, mask_value=MASK_VALUE):
    """Post-pad sequences with ``mask_value`` steps up to ``n_steps`` steps.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels)
        Sequences with ``n_timesteps <= n_steps``.
    n_steps : int
        Number of steps of the result.
    mask_value : float, default=0.0
        The padding value.

    Returns
    -------
    X_padded : ndarray of shape (n_samples, n_steps, n_channels)
        ``X`` followed by padding steps.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstm_ae.__main__ import pad_steps
    >>> pad_steps(np.ones((2, 3, 4)), 5).shape
    (2, 5, 4)
    """
    X = np.asarray(X)
    padding = np.full((len(X), n_steps - X.shape[1], X.shape[2]), mask_value)
    return np.concatenate([X, padding.astype(X.dtype)], axis=1)


def exact_reconstructions(X, X_decoded, *, mask_value=MASK_VALUE):
    """Which decoded sequences equal their input, length included.

    A decoded sequence is exact when its length (steps before its trailing
    ``mask_value`` padding) equals the input's and every value of every real
    step, thresholded at 0.5, equals the input's.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels)
        Post-padded 0/1 input sequences.
    X_decoded : ndarray of shape (n_samples, n_timesteps, n_channels)
        The output of ``inverse_transform`` for the codes of ``X``.
    mask_value : float, default=0.0
        The padding value of both arrays.

    Returns
    -------
    exact : ndarray of shape (n_samples,), dtype bool
        True where the sequence was rebuilt exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstm_ae.__main__ import exact_reconstructions
    >>> X = np.array([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]])
    >>> decoded = np.array([[[0.9, 0.2], [0.0, 0.0]], [[0.1, 0.8], [0.0, 0.0]]])
    >>> exact_reconstructions(X, decoded).tolist()
    [True, False]
    """
    # A model decodes up to the longest training sequence, which may be shorter
    # or longer than ``X``'s padded width; the missing steps are padding.
    n_steps = max(np.shape(X)[1], np.shape(X_decoded)[1])
    X = pad_steps(X, n_steps, mask_value=mask_value)
    X_decoded = pad_steps(X_decoded, n_steps, mask_value=mask_value)
    lengths = sequence_lengths(X, mask_value)
    same_length = lengths == sequence_lengths(X_decoded, mask_value)
    real = np.arange(X.shape[1]) < lengths[:, None]
    same_steps = ((X_decoded >= THRESHOLD) == (X >= THRESHOLD)).all(axis=2)
    return same_length & (same_steps | ~real).all(axis=1)


def make_pipeline(n_clusters, *, seed=0, verbose=1, estimator_params=None):
    """The user's pipeline: the autoencoder's codes, clustered by KMeans.

    Parameters
    ----------
    n_clusters : int
        Number of KMeans clusters.
    seed : int, default=0
        ``random_state`` of both steps.
    verbose : int, default=1
        ``verbose`` of the autoencoder (1 shows training progress).
    estimator_params : dict, default=None
        Parameters of ``LSTMAutoencoderTransformer`` that replace its
        defaults; ``mask_value=0.0`` is always set unless given here.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        ``Pipeline([("embed", ...), ("cluster", KMeans(...))])``, unfitted.

    Examples
    --------
    >>> from sklearn_lstm_ae.__main__ import make_pipeline
    >>> [name for name, _ in make_pipeline(5).steps]
    ['embed', 'cluster']
    """
    from sklearn.cluster import KMeans
    from sklearn.pipeline import Pipeline

    from . import LSTMAutoencoderTransformer

    params = {"mask_value": MASK_VALUE, "random_state": seed, "verbose": verbose}
    params.update(estimator_params or {})
    return Pipeline(
        [
            ("embed", LSTMAutoencoderTransformer(**params)),
            ("cluster", KMeans(n_clusters=n_clusters, n_init=10, random_state=seed)),
        ]
    )


def run_scenario(
    name, X, y, *, seed=0, test_size=0.2, verbose=1, estimator_params=None, log=None
):
    """Split, fit the pipeline, embed, decode and score one data set.

    Parameters
    ----------
    name : str
        Name of the data set, for the report.
    X : ndarray of shape (n_samples, n_timesteps, n_channels)
        Post-padded 0/1 sequences.
    y : ndarray of shape (n_samples,)
        Label of each distinct sequence.
    seed : int, default=0
        Seeds the split, the autoencoder and KMeans.
    test_size : float, default=0.2
        Fraction of sequences held out.
    verbose : int, default=1
        ``verbose`` of the autoencoder.
    estimator_params : dict, default=None
        Parameters of ``LSTMAutoencoderTransformer`` that replace its
        defaults (see :func:`make_pipeline`).
    log : callable, default=None
        Called with progress messages; ``None`` prints nothing.

    Returns
    -------
    report : ScenarioReport
        The held-out measurements.
    X_test : ndarray of shape (n_test, n_timesteps, n_channels)
        The held-out sequences.
    X_decoded : ndarray of shape (n_test, n_timesteps, n_channels)
        Their reconstructions (``inverse_transform`` of their codes), post-padded
        to the width of ``X_test``.
    """
    from sklearn.metrics import adjusted_rand_score
    from sklearn.model_selection import train_test_split

    log = log or (lambda message: None)
    X_train, X_test, _, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed
    )
    n_distinct = int(np.unique(y).size)
    # One cluster per distinct sequence, as long as there are enough sequences.
    n_clusters = min(n_distinct, len(X_train))
    pipeline = make_pipeline(
        n_clusters, seed=seed, verbose=verbose, estimator_params=estimator_params
    )
    log(f"[{name}] fitting the autoencoder and KMeans on {len(X_train)} sequences")
    start = time.perf_counter()
    pipeline.fit(X_train)
    fit_seconds = time.perf_counter() - start

    embed = pipeline.named_steps["embed"]
    log(f"[{name}] embedding and decoding {len(X_test)} held-out sequences")
    codes = embed.transform(X_test)
    mask_value = embed.mask_value if embed.mask_value is not None else MASK_VALUE
    X_decoded = pad_steps(
        embed.inverse_transform(codes), X_test.shape[1], mask_value=mask_value
    )
    clusters = pipeline.named_steps["cluster"].predict(codes)
    exact = exact_reconstructions(X_test, X_decoded, mask_value=mask_value)
    report = ScenarioReport(
        name=name,
        shape=X.shape,
        n_distinct=n_distinct,
        n_clusters=n_clusters,
        n_train=len(X_train),
        n_test=len(X_test),
        n_exact=int(exact.sum()),
        ari=float(adjusted_rand_score(y_test, clusters)),
        fit_seconds=fit_seconds,
        n_iter=int(embed.n_iter_),
    )
    return report, X_test, X_decoded


def scenarios(*, seed=0, n_samples=None):
    """The demo's data sets: ``[(name, X, y), ...]``.

    Parameters
    ----------
    seed : int, default=0
        Seeds the generators.
    n_samples : int, default=None
        Sequences per data set; ``None`` uses 1200 moving one-hot sequences
        (the user's data) and 1000 from the user's 8-position generator.

    Returns
    -------
    data : list of tuple (str, ndarray, ndarray)
        Name, sequences and labels of each data set.

    Examples
    --------
    >>> from sklearn_lstm_ae.__main__ import scenarios
    >>> [(name, X.shape) for name, X, y in scenarios()]
    [('moving one-hot', (1200, 10, 5)), ('seed generator', (1000, 10, 8))]
    """
    n_onehot = MOVING_ONEHOT_SAMPLES if n_samples is None else n_samples
    n_seed = SEED_GENERATOR_SAMPLES if n_samples is None else n_samples
    return [
        ("moving one-hot", *make_moving_onehot(n_onehot, random_state=seed)),
        ("seed generator", *make_seed_sequences(n_seed, random_state=seed)),
    ]


def _import_matplotlib_figure():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


_NO_MATPLOTLIB = (
    "--plot needs matplotlib, which is not installed; install it with "
    "`pip install matplotlib` (or run without --plot)."
)


def plot_reconstructions(path, examples, *, n_per_set=3):
    """Write a PNG of a few inputs next to their reconstructions.

    Parameters
    ----------
    path : str or path-like
        Where to write the PNG.
    examples : list of tuple (str, ndarray, ndarray)
        ``(name, X, X_decoded)`` per data set, 3-D arrays of the same shape,
        post-padded with 0.0. A dashed line marks where each sequence ends.
    n_per_set : int, default=3
        Sequences shown per data set.

    Returns
    -------
    path : str or path-like
        The path written.
    """
    Figure = _import_matplotlib_figure()
    if Figure is None:
        raise ImportError(_NO_MATPLOTLIB)
    rows = [
        (name, i, X[i], X_decoded[i])
        for name, X, X_decoded in examples
        for i in range(min(n_per_set, len(X)))
    ]
    fig = Figure(figsize=(7, 1.6 * max(len(rows), 1)), layout="constrained")
    axes = fig.subplots(max(len(rows), 1), 2, squeeze=False)
    for (name, i, original, decoded), (left, right) in zip(rows, axes, strict=False):
        for ax, values, title in (
            (left, original, f"{name} #{i}: input"),
            (right, decoded, f"{name} #{i}: reconstruction"),
        ):
            length = int(sequence_lengths(values[None])[0])
            ax.imshow(values.T, vmin=0, vmax=1, cmap="Greys", aspect="auto")
            if length < len(values):
                ax.axvline(length - 0.5, color="tab:red", linestyle="--")
            ax.set_title(f"{title}, length {length}", fontsize=8)
            ax.set_xlabel("step", fontsize=7)
            ax.set_ylabel("channel", fontsize=7)
            ax.tick_params(labelsize=6)
    fig.savefig(path, dpi=100)
    return path


def build_parser():
    """The command line parser.

    Returns
    -------
    parser : argparse.ArgumentParser
        Parser for ``--seed``, ``--n-samples``, ``--plot`` and ``--quiet``.

    Examples
    --------
    >>> from sklearn_lstm_ae.__main__ import build_parser
    >>> build_parser().parse_args(["--seed", "3"]).seed
    3
    """
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_lstm_ae",
        description=(
            "Embed generated one-hot sequences with an LSTM autoencoder "
            "(default settings, mask_value=0.0), decode held-out sequences, "
            "cluster the codes with KMeans, and report the exact reconstruction "
            "rate and the adjusted Rand index."
        ),
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of data, split and model"
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        metavar="N",
        help=(
            f"sequences per data set (default: {MOVING_ONEHOT_SAMPLES} moving "
            f"one-hot, {SEED_GENERATOR_SAMPLES} from the 8-position generator)"
        ),
    )
    parser.add_argument(
        "--plot",
        metavar="PATH",
        default=None,
        help="write a PNG of a few inputs and reconstructions (needs matplotlib)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print only the report, no training progress",
    )
    return parser


def main(argv=None, *, estimator_params=None):
    """Run the demo; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Command line arguments; ``None`` reads ``sys.argv``.
    estimator_params : dict, default=None
        Parameters of ``LSTMAutoencoderTransformer`` that replace its
        defaults (for quick runs from Python, not the command line).

    Returns
    -------
    status : int
        0 on success, 1 when ``--plot`` cannot be honoured.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.n_samples is not None and args.n_samples < 10:
        parser.error(f"--n-samples must be at least 10; got {args.n_samples}.")
    if args.plot is not None and _import_matplotlib_figure() is None:
        print(_NO_MATPLOTLIB, file=sys.stderr)
        return 1

    def log(message):
        if not args.quiet:
            print(message, flush=True)

    examples = []
    start = time.perf_counter()
    for name, X, y in scenarios(seed=args.seed, n_samples=args.n_samples):
        report, X_test, X_decoded = run_scenario(
            name,
            X,
            y,
            seed=args.seed,
            verbose=0 if args.quiet else 1,
            estimator_params=estimator_params,
            log=log,
        )
        print("\n".join(report.lines()), flush=True)
        if name in NOTES:
            print(NOTES[name])
        examples.append((name, X_test, X_decoded))
    if args.plot is not None:
        plot_reconstructions(args.plot, examples)
        print(f"wrote {args.plot}")
    log(f"total time: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
