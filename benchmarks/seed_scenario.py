"""Quality and fit time of the estimator's defaults on the user's scenario.

Not a test: a script that trains full-size models (minutes on a laptop CPU).
For each seed it holds out 20% of the sequences, fits
``LSTMAutoencoderTransformer`` with its default settings plus
``mask_value=0.0`` and ``loss="binary_crossentropy"`` (the user's loss) on the
rest, and measures on the held-out sequences:

- moving one-hot data ``(1200, 10, 5)``, variable length: the share rebuilt
  exactly, every real step thresholded at 0.5 and the decoded length right
  (target >= 98%);
- the same data with every sequence 10 steps long, ``n_components=20``: the
  share whose every decoded step has the input's argmax (target >= 99%);
- the user's 8-position generator (5000 sequences): the adjusted Rand index
  between KMeans clusters of the codes (one cluster per distinct sequence)
  and the distinct sequences (target >= 0.9).

It prints a markdown table and writes it to ``docs/benchmarks/seed_scenario.md``.

Run from the repository root::

    python benchmarks/seed_scenario.py            # 3 seeds, about half an hour
    python benchmarks/seed_scenario.py --seeds 0  # one seed
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sklearn_lstm_ae.__main__ import run_scenario
from sklearn_lstm_ae.datasets import make_moving_onehot, make_seed_sequences

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks" / "seed_scenario.md"
BASE = {"mask_value": 0.0, "loss": "binary_crossentropy"}


def argmax_matches(report, X_test, X_decoded):
    """Share of sequences whose every decoded step has the input's argmax."""
    same = X_test.argmax(axis=2) == X_decoded.argmax(axis=2)
    return float(same.all(axis=1).mean())


@dataclass(frozen=True)
class Task:
    """One data set, the settings added to the defaults, and its measure."""

    name: str
    make_data: Callable  # seed -> (X, y)
    params: dict
    metric: str
    score: Callable  # (report, X_test, X_decoded) -> float
    target: float
    is_rate: bool = True

    def format(self, value):
        if isinstance(value, BaseException):
            return f"error: {type(value).__name__}"
        return f"{100 * value:.1f}%" if self.is_rate else f"{value:.3f}"


TASKS = [
    Task(
        "moving one-hot (1200, 10, 5), variable length",
        lambda seed: make_moving_onehot(1200, random_state=seed),
        {},
        "held-out exact reconstruction incl. length",
        lambda report, X_test, X_decoded: report.exact_rate,
        0.98,
    ),
    Task(
        "moving one-hot (1200, 10, 5), fixed length",
        lambda seed: make_moving_onehot(1200, min_length=10, random_state=seed),
        {"n_components": 20},
        "held-out sequences with every step's argmax right",
        argmax_matches,
        0.99,
    ),
    Task(
        "seed generator (5000, 10, 8)",
        lambda seed: make_seed_sequences(5000, random_state=seed),
        {},
        "held-out KMeans ARI vs distinct sequences",
        lambda report, X_test, X_decoded: report.ari,
        0.9,
        is_rate=False,
    ),
]


def measure(task, seed):
    """``(measured value, fit seconds, epochs)`` of one task on one seed."""
    X, y = task.make_data(seed)
    report, X_test, X_decoded = run_scenario(
        task.name, X, y, seed=seed, verbose=0, estimator_params={**BASE, **task.params}
    )
    return task.score(report, X_test, X_decoded), report.fit_seconds, report.n_iter


def table(rows, seeds):
    """The markdown table of ``rows``: ``(task, values, seconds, epochs)``.

    A value that is an exception is a run that failed; it shows as an error and
    the task counts as not meeting its target.
    """
    seed_columns = " | ".join(f"seed {s}" for s in seeds)
    lines = [
        f"| data | settings | metric | target | {seed_columns} | mean | met "
        "| fit time (s, mean) | epochs (mean) |",
        "|" + " --- |" * (9 + len(seeds) - 1),
    ]
    for task, values, seconds, epochs in rows:
        params = task.params.items()
        settings = ", ".join(f"{k}={v!r}" for k, v in params) or "defaults"
        measured = [v for v in values if not isinstance(v, BaseException)]
        failed = len(measured) < len(values)
        mean = float(np.mean(measured)) if measured else float("nan")
        cells = [
            task.name,
            settings,
            task.metric,
            f">= {task.format(task.target)}",
            *(task.format(v) for v in values),
            task.format(mean) + (" (of runs that ended)" if failed else ""),
            "yes" if mean >= task.target and not failed else "**no**",
            f"{np.mean(seconds):.1f}" if seconds else "-",
            f"{np.mean(epochs):.0f}" if epochs else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _summary(exc):
    """One line naming an exception (TensorFlow's messages run to pages)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = next((line for line in lines if "Error: " in line), None)
    detail = detail or (lines[0] if lines else "")
    return f"{type(exc).__name__}: {detail}"


def _revision():
    """The checked-out commit, and whether the tree differs from it outside
    docs/benchmarks (the tables these scripts write, this one's included)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"]
            + ["--", ".", ":(exclude)docs/benchmarks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"commit {commit}" + (" with uncommitted changes" if changes else "")


def environment(revision):
    """One line naming the code, the machine and the library versions."""
    import keras
    import sklearn
    import tensorflow as tf

    return (
        f"sklearn_lstm_ae at {revision}; "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__} ({keras.backend.backend()} backend), "
        f"scikit-learn {sklearn.__version__}; {os.cpu_count()} CPU cores "
        f"({platform.machine()}), no GPU used."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    # Taken before training: the code measured is the code imported now.
    revision = _revision()
    rows, failures = [], []
    start = time.perf_counter()
    for task in TASKS:
        values, seconds, epochs = [], [], []
        for seed in args.seeds:
            try:
                value, fit_seconds, n_iter = measure(task, seed)
            except Exception as exc:  # noqa: BLE001 - a failed run is a result
                failures.append(f"- {task.name}, seed {seed}: {_summary(exc)}")
                print(failures[-1][2:], flush=True)
                values.append(exc)
                continue
            print(
                f"{task.name}, seed {seed}: {task.format(value)} "
                f"({fit_seconds:.1f} s, {n_iter} epochs)",
                flush=True,
            )
            values.append(value)
            seconds.append(fit_seconds)
            epochs.append(n_iter)
        rows.append((task, values, seconds, epochs))
    total = time.perf_counter() - start

    markdown = "\n".join(
        [
            "# Seed scenario benchmark",
            "",
            "Written by `python benchmarks/seed_scenario.py`. Each run holds out 20% "
            "of the sequences and fits `LSTMAutoencoderTransformer` with its default "
            "settings plus `mask_value=0.0` and `loss='binary_crossentropy'` (and "
            "the settings named below) on the rest, then KMeans with one cluster "
            "per distinct sequence on the codes. Fit time is the pipeline's fit.",
            "",
            table(rows, args.seeds),
            "",
            *(["Failed runs:", "", *failures, ""] if failures else []),
            environment(revision) + f" Total time {total:.0f} s.",
            "",
        ]
    )
    print()
    print(markdown)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
