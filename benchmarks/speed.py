"""Speed of LSTMAutoencoderTransformer against the same network written by hand.

Every timing runs in a fresh Python process (so build, compile and tracing are
counted, as a user meets them) and is the median of --repeat runs. Prints one
markdown table and writes it to docs/benchmarks/speed.md.

    python benchmarks/speed.py            # the full table (several minutes)
    python benchmarks/speed.py --quick    # fewer repeats, smaller transform
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "benchmarks" / "speed.md"
N, STEPS, CHANNELS, CODE, BATCH, EPOCHS = 4000, 40, 8, 32, 128, 3


# ----------------------------------------------------------------- workloads
def _data(variable):
    import numpy as np

    rng = np.random.RandomState(0)
    if not variable:
        return rng.normal(size=(N, STEPS, CHANNELS)).astype("float32")
    lengths = rng.randint(5, 101, size=N)
    return [rng.normal(size=(n, CHANNELS)).astype("float32") for n in lengths]


def _post_pad(seqs):
    import numpy as np

    out = np.zeros((len(seqs), max(map(len, seqs)), CHANNELS), "float32")
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out


def case_keras(variable):
    """The network a user writes by hand: LSTM, RepeatVector, LSTM, Dense."""
    X = _data(variable)
    if variable:
        X = _post_pad(X)
    t0 = time.perf_counter()
    import keras
    from keras import layers

    inputs = keras.Input(X.shape[1:])
    x = layers.Masking(0.0)(inputs) if variable else inputs
    code = layers.LSTM(CODE)(x)
    x = layers.RepeatVector(X.shape[1])(code)
    x = layers.LSTM(CODE, return_sequences=True)(x)
    outputs = layers.TimeDistributed(layers.Dense(CHANNELS))(x)
    model = keras.Model(inputs, outputs)
    encoder = keras.Model(inputs, code)
    model.compile("adam", "mse")
    model.fit(X, X, batch_size=BATCH, epochs=EPOCHS, verbose=0)
    t1 = time.perf_counter()
    encoder.predict(X, batch_size=BATCH, verbose=0)
    t2 = time.perf_counter()
    return {"fit": t1 - t0, "transform": t2 - t1}


def _ours(**params):
    from sklearn_lstm_ae import LSTMAutoencoderTransformer

    # pooling=None: the code is the encoder LSTM's final state, as in the
    # hand-written network (the default pooling makes the encoder a third as
    # wide, which would flatter us); patch_size=1: it reads every step, as
    # the hand-written network does (patches would take fewer steps).
    settings = dict(
        n_components=CODE, pooling=None, patch_size=1, batch_size=BATCH,
        max_iter=EPOCHS, loss="mse", tol=0.0, random_state=0,
    )  # fmt: skip
    return LSTMAutoencoderTransformer(**{**settings, **params})


def case_ours(variable):
    X = _data(variable)
    t0 = time.perf_counter()
    est = _ours().fit(X)
    t1 = time.perf_counter()
    est.transform(X)
    t2 = time.perf_counter()
    return {"fit": t1 - t0, "transform": t2 - t1}


def case_torch(variable):
    """A plain PyTorch LSTM autoencoder of the same size."""
    import torch
    from torch import nn

    X = torch.from_numpy(_data(False))
    torch.manual_seed(0)
    t0 = time.perf_counter()

    class AE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.LSTM(CHANNELS, CODE, batch_first=True)
            self.dec = nn.LSTM(CODE, CODE, batch_first=True)
            self.out = nn.Linear(CODE, CHANNELS)

        def encode(self, x):
            return self.enc(x)[1][0][-1]

        def forward(self, x):
            code = self.encode(x)
            rep = code[:, None, :].expand(-1, x.shape[1], -1)
            return self.out(self.dec(rep)[0])

    model = AE()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(EPOCHS):
        for idx in torch.randperm(len(X)).split(BATCH):
            opt.zero_grad()
            loss = ((model(X[idx]) - X[idx]) ** 2).mean()
            loss.backward()
            opt.step()
    t1 = time.perf_counter()
    with torch.no_grad():
        torch.cat([model.encode(b) for b in X.split(BATCH)])
    t2 = time.perf_counter()
    return {"fit": t1 - t0, "transform": t2 - t1}


def case_repeated(_):
    """16 fits of a tiny model in one process, as a grid search does."""
    import contextlib
    import gc
    import logging
    import resource

    import numpy as np

    from sklearn_lstm_ae import LSTMAutoencoderTransformer, _backend

    _, training = _backend.keras_modules()
    # Count TensorFlow's own retracing warnings: switch off the filter that
    # normally hides them during our calls.
    training.retracing_notes_silenced = contextlib.nullcontext
    warnings_seen = []

    class Count(logging.Handler):
        def emit(self, record):
            if "retracing" in record.getMessage():
                warnings_seen.append(len(times))

    logging.getLogger("tensorflow").addHandler(Count())
    X = np.random.RandomState(0).normal(size=(200, 10, 2)).astype("float32")

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20

    times, rss, traces = [], [], []
    for i in range(16):
        est = LSTMAutoencoderTransformer(
            n_components=4 + i % 2, max_iter=2, random_state=i
        )  # two architectures, alternating, as a grid over n_components
        t0 = time.perf_counter()
        est.fit(X).transform(X)
        times.append(time.perf_counter() - t0)
        # The private entry: reading encoder_ would hand the model to user
        # code, which keeps it out of the cache.
        encoder = est._entry.encoder
        traces.append(encoder.predict_function.experimental_get_tracing_count())
        del est
        gc.collect()
        rss.append(rss_mb())
    return {
        "first": times[0],
        "per_fit": statistics.median(times[2:]),
        "rss_growth_12": rss[15] - rss[3],
        "new_traces_after_warmup": traces[15] - traces[3],
        "retracing_warnings": len(warnings_seen),
    }


def case_import(which):
    code = (
        "import tensorflow"
        if which == "tensorflow"
        else "from sklearn_lstm_ae import LSTMAutoencoderTransformer"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return {"import": time.perf_counter() - t0}


def case_stream(n):
    """transform of many sequences: throughput and peak memory over input size."""
    import numpy as np

    est = _ours(max_iter=1).fit(_data(False)[:256])
    X = (
        np.random.RandomState(1)
        .normal(size=(int(n), STEPS, CHANNELS))
        .astype("float32")
    )

    def status_mb(field):  # VmHWM: peak resident memory, VmRSS: current
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
        return float("nan")

    with open("/proc/self/clear_refs", "w") as f:  # reset the high-water mark
        f.write("5")
    before = status_mb("VmRSS")
    t0 = time.perf_counter()
    est.transform(X)
    seconds = time.perf_counter() - t0
    return {
        "seq_per_s": len(X) / seconds,
        "peak_over_input": (status_mb("VmHWM") - before) / (X.nbytes / 2**20),
    }


def case_matmul(_):
    """This machine's float32 matrix-multiply rate, and the training rate."""
    import numpy as np

    a = np.random.rand(2048, 2048).astype("float32")
    a @ a
    t0 = time.perf_counter()
    for _ in range(5):
        a @ a
    rate = 5 * 2 * 2048**3 / (time.perf_counter() - t0)
    return {"gflops": rate / 1e9}


def training_flops():
    """Multiply-adds of one training pass (forward + backward ~ 3x forward)."""
    per_step = (
        8 * CODE * (CHANNELS + CODE)  # encoder LSTM: 4 gates, input + recurrent
        + 8 * CODE * (CODE + CODE)  # decoder LSTM
        + 2 * CODE * (CHANNELS + 1)  # output and existence heads
    )
    return 3 * per_step * N * STEPS * EPOCHS


CASES = {
    "keras": case_keras, "ours": case_ours, "torch": case_torch,
    "repeated": case_repeated, "import": case_import, "stream": case_stream,
    "matmul": case_matmul,
}  # fmt: skip


# --------------------------------------------------------------- the runner
def run(case, arg, repeat, backend="tensorflow"):
    env = {**os.environ, "KERAS_BACKEND": backend}
    results = []
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, __file__, "--case", case, "--arg", str(arg)],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        if proc.returncode != 0:
            return {"error": proc.stderr.strip().splitlines()[-1:]}
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def _have(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def main(quick):
    repeat = 1 if quick else 3
    rows = []

    def add(name, ours, reference=None, note=""):
        ratio = ours / reference if reference else None
        rows.append((name, ours, reference, ratio, note))

    kf, of = run("keras", "", repeat), run("ours", "", repeat)
    add("1. fixed length, fit (s)", of["fit"], kf["fit"], "<= 1.10")
    add("1. fixed length, transform (s)", of["transform"], kf["transform"], "<= 1.10")
    kv, ov = run("keras", "variable", repeat), run("ours", "variable", repeat)
    add("2. lengths 5..100, fit (s)", ov["fit"], kv["fit"], "<= 0.75")
    add("2. lengths 5..100, transform (s)", ov["transform"], kv["transform"], "<= 0.75")
    rep = run("repeated", "", 1)
    add("3. repeated fits: first fit (s)", rep["first"])
    add("3. repeated fits: per later fit (s)", rep["per_fit"])
    add("3. RSS growth over 12 fits (MB)", rep["rss_growth_12"], note="<= 60")
    add("3. new transform traces, fits 4..16", rep["new_traces_after_warmup"], note="0")
    add("3. TF retracing warnings, 16 fits", rep["retracing_warnings"], note="0")
    imports = 2 if quick else 5
    mine, tf = run("import", "ours", imports), run("import", "tensorflow", imports)
    add("4. import (s): ours / tensorflow", mine["import"], tf["import"], "<= 0.40")
    for backend in ("jax", "torch"):
        if not _have(backend):
            add(f"5. {backend} backend", None, note=f"{backend} not installed")
            continue
        kb, ob = run("keras", "", repeat, backend), run("ours", "", repeat, backend)
        if "error" in kb or "error" in ob:
            add(
                f"5. {backend} backend",
                None,
                note=str(kb.get("error") or ob.get("error")),
            )
            continue
        add(f"5. fixed, {backend} backend, fit (s)", ob["fit"], kb["fit"])
        add(
            f"5. fixed, {backend} backend, transform (s)",
            ob["transform"],
            kb["transform"],
        )
    if _have("torch"):
        pt = run("torch", "", repeat)
        add(
            "5. plain PyTorch autoencoder, fit (s)",
            pt["fit"],
            kf["fit"],
            "vs Keras (TF)",
        )
    n_stream = 20_000 if quick else 200_000
    st = run("stream", n_stream, 1)
    if "error" in st:
        raise RuntimeError(f"stream case failed: {st['error']}")
    add(f"6. transform {n_stream} sequences (seq/s)", st["seq_per_s"])
    add("6. transform peak memory / input size", st["peak_over_input"])
    mm = run("matmul", "", 1)
    achieved = training_flops() / of["fit"] / 1e9
    add("7. numpy float32 matmul (GFLOP/s)", mm["gflops"])
    share = f"{100 * achieved / mm['gflops']:.1f}% of the matmul rate"
    add("7. our fixed-length training (GFLOP/s)", achieved, note=share)

    def fmt(v):
        return "" if v is None else f"{v:.3g}"

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; median of {repeat} fresh-process runs.",
        "",
        "| measurement | ours | hand-written Keras | ratio | target / note |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {n} | {fmt(a)} | {fmt(b)} | {fmt(r)} | {t} |" for n, a, b, r, t in rows
    ]
    table = "\n".join(lines)
    print(table)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("# Speed\n\n" + table + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--arg", default="")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case](args.arg)))
    else:
        main(args.quick)
