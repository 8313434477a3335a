"""How many bytes a pickled estimator takes, against the bytes of its weights.

Not a test: a script that measures what joblib and Dask ship to a worker for
each estimator they move. A fitted ``LSTMAutoencoderTransformer`` pickles its
parameters, fitted attributes and the values of ``model_``'s variables, never
the Keras model itself (the worker rebuilds it), so the pickle should be about
the size of the weights. For comparison the table also gives the size of the
pickle-free file that ``save`` writes.

Each model is fitted for one epoch (``max_iter=1``) on random data
``(200, 20, 4)``: the weights' size does not depend on training. It prints a
markdown table and writes it to ``docs/benchmarks/pickle_size.md``.

Run from the repository root::

    python benchmarks/pickle_size.py
"""

import argparse
import os
import pickle
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

from sklearn_lstm_ae import LSTMAutoencoderTransformer

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks" / "pickle_size.md"
# The default model, then the small one that tests/test_dask.py checks.
MODELS = [("defaults", {}), ("n_components=16", {"n_components": 16})]


def measure(params, X):
    """``(weight bytes, pickle bytes, save() file bytes)`` of a fitted model."""
    est = LSTMAutoencoderTransformer(random_state=0, max_iter=1, **params).fit(X)
    weights = sum(v.numpy().nbytes for v in est.model_.variables)
    pickled = len(pickle.dumps(est))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.lstmae"
        est.save(path)
        saved = path.stat().st_size
    return weights, pickled, saved


def table(rows):
    """The markdown table of ``rows``: ``(label, weights, pickled, saved)``."""
    lines = [
        "| estimator | weights (bytes) | `pickle.dumps` (bytes) | pickle / weights "
        "| `save` file (bytes) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, weights, pickled, saved in rows:
        if not weights:  # unfitted: no weights, no file
            lines.append(f"| {label} | 0 | {pickled:,} | - | - |")
            continue
        ratio = f"{pickled / weights:.3f}"
        cells = [label, f"{weights:,}", f"{pickled:,}", ratio, f"{saved:,}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def environment():
    """One line naming the machine and the library versions."""
    import keras
    import sklearn

    return (
        f"Python {platform.python_version()}, Keras {keras.__version__} "
        f"({keras.backend.backend()} backend), scikit-learn {sklearn.__version__}, "
        f"protocol {pickle.DEFAULT_PROTOCOL} pickles; {os.cpu_count()} CPU cores "
        f"({platform.machine()})."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    X = np.random.RandomState(0).normal(size=(200, 20, 4)).astype(np.float32)
    unfitted = len(pickle.dumps(LSTMAutoencoderTransformer(random_state=0)))
    rows = [("defaults, unfitted", 0, unfitted, 0)]
    for label, params in MODELS:
        rows.append((f"{label}, fitted", *measure(params, X)))

    markdown = "\n".join(
        [
            "# Pickle size benchmark",
            "",
            "Written by `python benchmarks/pickle_size.py`. What joblib and Dask "
            "ship to a worker per estimator: `len(pickle.dumps(est))` against the "
            "bytes of the model's weights (`sum(v.numpy().nbytes for v in "
            "est.model_.variables)`) for `LSTMAutoencoderTransformer(random_state=0, "
            "max_iter=1)` fitted on random data `(200, 20, 4)`. The pickle holds "
            "the weights and a fixed overhead of parameters and fitted attributes; "
            "the `save` file (a zipped Keras `.keras` model plus JSON, no pickle) is "
            "given for comparison.",
            "",
            table(rows),
            "",
            environment(),
            "",
        ]
    )
    print(markdown)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
