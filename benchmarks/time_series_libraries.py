"""Data loaded by aeon, classified in an aeon pipeline, against the same by hand.

For BasicMotions (multivariate) and GunPoint (univariate) as aeon's loaders
return them, ``(n_cases, n_channels, n_timepoints)``, three ways to classify
the test split with a 1-nearest-neighbour classifier on the codes (default
settings, only ``random_state`` set; 1-NN has no parameter to tune, and an
RBF SVC at its default ``C=1`` predicted one class for GunPoint's codes):

- ``aeon pipeline``: ``ClassifierPipeline(AeonLSTMAutoencoder(), 1-NN)``;
- ``transposed by hand``: ``make_pipeline(LSTMAutoencoderTransformer(), 1-NN)``
  on ``X.transpose(0, 2, 1)``;
- ``channels_last misread``: the same pipeline on aeon's arrays as they
  come, read as channels-last: what users got before ``data_format``.

Needs aeon (``pip install -e ".[aeon]"``). Prints a markdown table and writes
it to ``docs/benchmarks/time_series_libraries.md``::

    python benchmarks/time_series_libraries.py            # seeds 0, 1, 2
    python benchmarks/time_series_libraries.py --seeds 0
"""

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sklearn_lstm_ae import LSTMAutoencoderTransformer

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"


def load(name):
    from aeon.datasets import load_basic_motions, load_gunpoint

    loader = {"BasicMotions": load_basic_motions, "GunPoint": load_gunpoint}[name]
    return (*loader(split="train"), *loader(split="test"))


def accuracies(name, seed):
    """``{way: (test accuracy, n_timesteps_, n_channels_)}`` for one seed."""
    from aeon.classification.compose import ClassifierPipeline

    from sklearn_lstm_ae.aeon import AeonLSTMAutoencoder

    X_train, y_train, X_test, y_test = load(name)

    def one_nn():
        return KNeighborsClassifier(n_neighbors=1)

    aeon_pipeline = ClassifierPipeline(AeonLSTMAutoencoder(random_state=seed), one_nn())
    by_hand = make_pipeline(LSTMAutoencoderTransformer(random_state=seed), one_nn())
    misread = make_pipeline(LSTMAutoencoderTransformer(random_state=seed), one_nn())
    results = {}
    aeon_pipeline.fit(X_train, y_train)
    embed = aeon_pipeline.steps_[0][1].estimator_
    results["aeon pipeline"] = (
        aeon_pipeline.score(X_test, y_test), embed.n_timesteps_, embed.n_channels_
    )  # fmt: skip
    for way, pipeline, layout in [
        ("transposed by hand", by_hand, (0, 2, 1)),
        ("channels_last misread", misread, (0, 1, 2)),
    ]:
        pipeline.fit(X_train.transpose(layout), y_train)
        embed = pipeline[0]
        score = pipeline.score(X_test.transpose(layout), y_test)
        results[way] = (score, embed.n_timesteps_, embed.n_channels_)
    return results


def main(seeds):
    start = time.perf_counter()
    lines = [
        "# aeon data in an aeon pipeline, against the same transposed by hand",
        "",
        "1-nearest-neighbour accuracy on the codes of the test split; default "
        "settings, only "
        f"`random_state` set; seeds {', '.join(map(str, seeds))}; "
        f"{platform.machine()}, {os.cpu_count()} cores.",
        "",
        "| dataset | way | read as (steps, channels) | accuracy (mean) | per seed |",
        "|---|---|---|---|---|",
    ]
    for name in ("BasicMotions", "GunPoint"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)  # the misread's warning
            runs = [accuracies(name, seed) for seed in seeds]
        for way in runs[0]:
            scores = [run[way][0] for run in runs]
            _, steps, channels = runs[0][way]
            lines.append(
                f"| {name} | {way} | ({steps}, {channels}) | {np.mean(scores):.3f} "
                f"| {', '.join(f'{s:.3f}' for s in scores)} |"
            )
            print(lines[-1], flush=True)
    lines += ["", f"Total time {time.perf_counter() - start:.0f} s."]
    text = "\n".join(lines) + "\n"
    print(text)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "time_series_libraries.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    main(parser.parse_args().seeds)
