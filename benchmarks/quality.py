"""Embedding quality on real time-series datasets, against published numbers.

Protocol (TS2Vec, T-Loss): fit the transformer on the train split only with
default settings (only ``random_state`` set), embed train and test, train an
RBF SVC on the train embeddings with C chosen by cross-validation on train,
report test accuracy averaged over seeds; also KMeans (k = number of classes)
on the test embeddings, scored by adjusted Rand index. Datasets ship inside the
``sktime`` wheel (``pip install -e ".[benchmark]"``).

    python benchmarks/quality.py                 # 4 datasets x 3 seeds
    python benchmarks/quality.py --seeds 0 --datasets GunPoint
    python benchmarks/quality.py --set code_scaling=batch

Prints one markdown table and writes it to docs/benchmarks/quality.md, or,
for a run with ``--set`` options, to quality-<name>-<value>.md beside it.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from sklearn_lstm_ae import LSTMAutoencoderTransformer

OUT_DIR = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"

# name: (floor = max(raw RBF-SVM, 1NN-DTW), TS2Vec, T-Loss), from the anchors
# the project measures against (T-Loss and DTW: the T-Loss authors' result
# files; TS2Vec: its paper's tables).
ANCHORS = {
    "JapaneseVowels": (0.984, 0.984, 0.986),
    "BasicMotions": (0.975, 0.975, 1.000),
    "GunPoint": (0.953, 0.980, 0.980),
    "ItalyPowerDemand": (0.956, 0.925, 0.954),
}


def _read_ts(path):
    """Sequences (length, channels) and labels from a .ts file."""
    X, y, in_data = [], [], False
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.lower().startswith("@data"):
                in_data = True
                continue
            if in_data:
                *channels, label = line.split(":")
                X.append(
                    np.array([[float(v) for v in c.split(",")] for c in channels]).T
                )
                y.append(label)
    return X, np.array(y)


def load(name):
    """``(X_train, y_train, X_test, y_test)``; X as lists of (length, channels)."""
    import sktime

    folder = Path(sktime.__file__).parent / "datasets" / "data" / name
    train = _read_ts(folder / f"{name}_TRAIN.ts")
    test = _read_ts(folder / f"{name}_TEST.ts")
    return (*train, *test)


def _as_input(X):
    """Equal lengths as one 3-D array; ragged (JapaneseVowels) as the list."""
    if len({len(x) for x in X}) == 1:
        return np.stack(X).astype(np.float32)
    return [x.astype(np.float32) for x in X]


def evaluate(name, seed, params=None):
    X_train, y_train, X_test, y_test = load(name)
    est = LSTMAutoencoderTransformer(random_state=seed, **(params or {}))
    t0 = time.perf_counter()
    est.fit(_as_input(X_train))
    fit_seconds = time.perf_counter() - t0
    Z_train, Z_test = (
        est.transform(_as_input(X_train)),
        est.transform(_as_input(X_test)),
    )
    folds = min(5, np.bincount(np.unique(y_train, return_inverse=True)[1]).min())
    svc = GridSearchCV(
        SVC(kernel="rbf", gamma="scale"),
        {"C": 10.0 ** np.arange(-3, 5)},
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
    ).fit(Z_train, y_train)
    accuracy = float((svc.predict(Z_test) == y_test).mean())
    k = len(np.unique(y_train))
    clusters = KMeans(k, n_init=10, random_state=seed).fit_predict(Z_test)
    ari = adjusted_rand_score(y_test, clusters)
    return accuracy, ari, fit_seconds, est.n_iter_


def _option(text):
    """``name=value`` from the command line; the value is read as JSON if it can be."""
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def main(datasets, seeds, params=None):
    params = params or {}
    setting = ", ".join(f"`{k}={v!r}`" for k, v in params.items())
    lines = [
        (f"Defaults except {setting}" if params else "Defaults")
        + f", only `random_state` set; seeds {', '.join(map(str, seeds))}; "
        f"{platform.machine()}, {os.cpu_count()} cores.",
        "",
        "| dataset | ours: accuracy (mean) | per seed | floor | TS2Vec | T-Loss "
        "| KMeans ARI | fit (s) | epochs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in datasets:
        runs = [evaluate(name, seed, params) for seed in seeds]
        acc = [r[0] for r in runs]
        floor, ts2vec, tloss = ANCHORS[name]
        lines.append(
            f"| {name} | {np.mean(acc):.3f} | {', '.join(f'{a:.3f}' for a in acc)} "
            f"| {floor:.3f} | {ts2vec:.3f} | {tloss:.3f} "
            f"| {np.mean([r[1] for r in runs]):.3f} "
            f"| {np.mean([r[2] for r in runs]):.1f} "
            f"| {np.mean([r[3] for r in runs]):.0f} |"
        )
        print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    suffix = "".join(f"-{k}-{v}" for k, v in params.items())
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"quality{suffix}.md"
    out.write_text("# Embedding quality\n\n" + table + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(ANCHORS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--set", nargs="+", type=_option, default=[], metavar="NAME=VALUE",
        help="estimator parameters other than the defaults, e.g. code_scaling=batch",
    )  # fmt: skip
    args = parser.parse_args()
    main(args.datasets, args.seeds, dict(args.set))
