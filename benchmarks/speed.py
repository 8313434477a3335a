"""Speed of LSTMAutoencoderTransformer against the same network written by hand.

Every timing runs in a fresh Python process (so build, compile and tracing are
counted, as a user meets them) and is the median of --repeat runs. Prints two
markdown tables and writes them to docs/benchmarks/speed.md: against the same
network in hand-written Keras, and against a plain PyTorch training loop of the
same size, one thread each (rows 8 to 13).

    python benchmarks/speed.py               # both tables (some 20 minutes on 2 cores)
    python benchmarks/speed.py --quick       # fewer repeats, smaller transform
    python benchmarks/speed.py --only torch  # the PyTorch table alone
    python benchmarks/speed.py --quick --only torch --n 400  # a smoke test

--only rewrites its own table in speed.md and keeps the other; --n (fewer
sequences) only prints. The PyTorch rows need a CPU build of PyTorch, which is
not in the ``benchmark`` extra (the default index's build is for CUDA):

    pip install torch --index-url https://download.pytorch.org/whl/cpu

(measured with torch 2.13.0+cpu). Without it those rows say "torch not
installed"; the JAX rows need ``jax`` (in the extra).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _machine  # noqa: E402

OUT = HERE.parent / "docs" / "benchmarks" / "speed.md"
N, STEPS, CHANNELS, CODE, BATCH, EPOCHS = 4000, 40, 8, 32, 128, 3
FIT_EPOCHS = 8  # epochs of each fit against plain PyTorch (rows 8 to 13)
THREADS = None  # --threads: the thread limit of a case's process (see run)


# ----------------------------------------------------------------- workloads
def _variable(arg):
    """The workload an --arg names: "variable" lengths or "" (fixed)."""
    if arg in ("", "fixed", False, None):
        return False
    if arg in ("variable", True):
        return True
    raise SystemExit(f"--arg must be 'variable' or '' (fixed lengths), not {arg!r}")


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
    variable = _variable(variable)
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
    variable = _variable(variable)
    X = _data(variable)
    t0 = time.perf_counter()
    est = _ours().fit(X)
    t1 = time.perf_counter()
    est.transform(X)
    t2 = time.perf_counter()
    return {"fit": t1 - t0, "transform": t2 - t1}


# One thread (or --threads) each, against plain PyTorch. Imports happen before
# the clock starts (PyTorch's lazy import of torch._dynamo by its optimizers
# too); the whole fit counts building, tracing and compilation.
def _cpu_seconds():
    times = os.times()
    return times.user + times.system


def _keras():
    """Import Keras quietly; under --threads hold TensorFlow to that many
    threads before it runs any op (the environment set by run() does too)."""
    from sklearn_lstm_ae import _backend

    _backend.keras_modules()
    import keras

    if THREADS and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    return keras


def _torch():
    import torch
    import torch._dynamo  # noqa: F401  (the first optimizer imports it: ~1.5 s)

    if THREADS:
        torch.set_num_threads(THREADS)
        torch.set_num_interop_threads(1)
    return torch


def _epoch_results(epochs, fit_seconds, cpu_seconds):
    return {
        "first_epoch": epochs[0],
        "epoch": statistics.median(epochs[1:]),
        "fit": fit_seconds,
        "cpu_per_wall": cpu_seconds / fit_seconds,
    }


def case_ours_epochs(variable):
    """Ours for FIT_EPOCHS epochs, each timed by a Keras callback; transform."""
    variable = _variable(variable)
    keras = _keras()
    X = _data(variable)
    epochs = []

    class EpochTimer(keras.callbacks.Callback):
        # fit copies its callbacks; the times go to the enclosing list.
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epochs.append(time.perf_counter() - self.start)

    cpu, t0 = _cpu_seconds(), time.perf_counter()
    est = _ours(max_iter=FIT_EPOCHS, callbacks=[EpochTimer()]).fit(X)
    t1 = time.perf_counter()
    out = _epoch_results(epochs, t1 - t0, _cpu_seconds() - cpu)
    if not variable:
        est.transform(X)
        t2 = time.perf_counter()
        est.transform(X)
        out.update(transform=t2 - t1, transform_again=time.perf_counter() - t2)
    return out


def case_torch_epochs(variable):
    """A plain PyTorch LSTM autoencoder for FIT_EPOCHS epochs; transform.

    Variable lengths: each batch is padded to its own longest sequence, the
    encoder reads a packed sequence (real steps only) and the loss is the mean
    over real steps."""
    variable = _variable(variable)
    torch = _torch()
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    data = _data(variable)
    X = torch.from_numpy(_post_pad(data) if variable else data)
    lengths = torch.tensor([len(s) for s in data]) if variable else None
    torch.manual_seed(0)
    cpu, t0 = _cpu_seconds(), time.perf_counter()

    class AE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.LSTM(CHANNELS, CODE, batch_first=True)
            self.dec = nn.LSTM(CODE, CODE, batch_first=True)
            self.out = nn.Linear(CODE, CHANNELS)

        def encode(self, x, n=None):
            if n is not None:
                x = pack_padded_sequence(x, n, batch_first=True, enforce_sorted=False)
            return self.enc(x)[1][0][-1]

        def forward(self, x, n=None):
            code = self.encode(x, n)
            rep = code[:, None, :].expand(-1, x.shape[1], -1)
            return self.out(self.dec(rep)[0])

    model = AE()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    epochs = []
    for _ in range(FIT_EPOCHS):
        start = time.perf_counter()
        for idx in torch.randperm(len(X)).split(BATCH):
            opt.zero_grad()
            if lengths is None:
                x = X[idx]
                loss = ((model(x) - x) ** 2).mean()
            else:
                n = lengths[idx]
                x = X[idx, : int(n.max())]
                real = torch.arange(x.shape[1])[None, :, None] < n[:, None, None]
                err = (model(x, n) - x) ** 2 * real
                loss = err.sum() / (real.sum() * CHANNELS)
            loss.backward()
            opt.step()
        epochs.append(time.perf_counter() - start)
    t1 = time.perf_counter()
    out = _epoch_results(epochs, t1 - t0, _cpu_seconds() - cpu)
    if not variable:
        with torch.inference_mode():
            torch.cat([model.encode(b) for b in X.split(BATCH)])
            t2 = time.perf_counter()
            torch.cat([model.encode(b) for b in X.split(BATCH)])
        out.update(transform=t2 - t1, transform_again=time.perf_counter() - t2)
    return out


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
    """This machine's float32 matrix-multiply rate (threads: see run)."""
    import numpy as np

    a = np.random.rand(2048, 2048).astype("float32")
    a @ a
    t0 = time.perf_counter()
    for _ in range(5):
        a @ a
    rate = 5 * 2 * 2048**3 / (time.perf_counter() - t0)
    return {"gflops": rate / 1e9}


def training_flops(epochs=EPOCHS):
    """Floating-point operations of training on the fixed-length data for
    ``epochs`` epochs (forward + backward ~ 3x forward; a multiply-add is 2)."""
    per_step = (
        8 * CODE * (CHANNELS + CODE)  # encoder LSTM: 4 gates, input + recurrent
        + 8 * CODE * (CODE + CODE)  # decoder LSTM
        + 2 * CODE * (CHANNELS + 1)  # output and existence heads
    )
    return 3 * per_step * N * STEPS * epochs


CASES = {
    "keras": case_keras, "ours": case_ours,
    "repeated": case_repeated, "import": case_import, "stream": case_stream,
    "matmul": case_matmul, "ours_epochs": case_ours_epochs,
    "torch_epochs": case_torch_epochs,
}  # fmt: skip


# --------------------------------------------------------------- the runner
def run(case, arg, repeat, backend="tensorflow", threads=None, env=None):
    """Median of ``repeat`` runs of a case, each in a fresh process. With
    ``threads``, OpenMP, BLAS, TensorFlow, XLA and PyTorch in it are held to
    that many threads (PyTorch's inter-op pool to one); ``env``: more
    environment variables."""
    env = {**os.environ, "KERAS_BACKEND": backend, **(env or {})}
    command = [sys.executable, __file__, "--case", case, "--arg", str(arg)]
    command += ["--n", str(N)]
    if threads:
        n = str(threads)
        eigen = "false" if threads == 1 else "true"
        xla = f"--xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={n}"
        env.update(
            OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n,
            TF_NUM_INTRAOP_THREADS=n, TF_NUM_INTEROP_THREADS=n,
            XLA_FLAGS=f"{os.environ.get('XLA_FLAGS', '')} {xla}".strip(),
        )  # fmt: skip
        command += ["--threads", n]
    results = []
    for _ in range(repeat):
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
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


def _version(package):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _row(name, ours, reference=None, note="", ratio=True):
    ratio = ours / reference if ratio and ours is not None and reference else None
    return (name, ours, reference, ratio, note)


def keras_rows(repeat, quick):
    """Rows 1 to 7: against the same network in hand-written Keras."""
    rows = []

    def add(name, ours, reference=None, note=""):
        rows.append(_row(name, ours, reference, note))

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
    return rows


TORCH_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


def torch_rows(repeat):
    """Rows 8 to 13: against a plain PyTorch loop, one thread each."""
    rows = []
    missing = {"error": "torch not installed (see above)"}
    have_torch = _have("torch")

    def pair(arg, threads, backend="tensorflow"):
        ours = run("ours_epochs", arg, repeat, backend, threads)
        if not have_torch:
            return ours, missing
        return ours, run("torch_epochs", arg, repeat, threads=threads)

    def add(name, ours, torch, key, note="", ratio=True):
        errors = [str(r["error"]) for r in (ours, torch) if "error" in r]
        note = "; ".join(filter(None, [note, *errors]))
        rows.append(_row(name, ours.get(key), torch.get(key), note, ratio))

    def cpu(name, ours, torch):
        add(f"{name}: CPU s per wall s in the fit", ours, torch, "cpu_per_wall",
            "threads busy (at most the limit)", ratio=False)  # fmt: skip

    of, tf = pair("", 1)
    name = "8. fixed length, 1 thread"
    add(f"{name}: steady epoch (s)", of, tf, "epoch",
        f"<= 1.0; median of epochs 2..{FIT_EPOCHS}")  # fmt: skip
    add(f"{name}: first epoch (s)", of, tf, "first_epoch")
    add(f"{name}: whole fit, {FIT_EPOCHS} epochs (s)", of, tf, "fit",
        "<= 1.5; build, tracing, compilation included")  # fmt: skip
    add(f"{name}: transform {N} sequences (s)", of, tf, "transform",
        "<= 1.0; first call, tracing included")  # fmt: skip
    add(f"{name}: transform again (s)", of, tf, "transform_again")
    cpu(name, of, tf)
    ov, tv = pair("variable", 1)
    name = "9. lengths 5..100, 1 thread"
    add(f"{name}: steady epoch (s)", ov, tv, "epoch",
        "PyTorch: packed encoder, loss on real steps")  # fmt: skip
    add(f"{name}: whole fit, {FIT_EPOCHS} epochs (s)", ov, tv, "fit")
    o2, t2 = pair("", 2)
    name = "10. fixed length, 2 threads"
    add(f"{name}: steady epoch (s)", o2, t2, "epoch",
        "on a busy 2-core machine PyTorch's OpenMP threads can spin and run "
        "far slower, which is why 1 thread is the headline")  # fmt: skip
    add(f"{name}: whole fit, {FIT_EPOCHS} epochs (s)", o2, t2, "fit")
    add(f"{name}: transform {N} sequences (s)", o2, t2, "transform")
    cpu(name, o2, t2)

    mm = run("matmul", "", 1, threads=1)
    rows.append(_row("11. numpy float32 matmul, 1 thread (GFLOP/s)", mm.get("gflops"),
                     note=str(mm.get("error", ""))))  # fmt: skip
    flops = training_flops(1) / 1e9
    rates = [flops / r["epoch"] if "epoch" in r else None for r in (of, tf)]
    shares = ", ".join(
        f"{who} {100 * rate / mm['gflops']:.1f}%"
        for who, rate in zip(("ours", "PyTorch"), rates, strict=True)
        if rate and "gflops" in mm
    )
    rows.append(_row(
        "11. steady epoch, fixed, 1 thread (GFLOP/s)", *rates,
        f"higher is faster; of the 1-thread matmul rate: {shares or 'n/a'}; "
        "one operation count for both",
    ))  # fmt: skip

    if not _have("jax"):
        rows.append(_row("12. JAX backend", None, note="jax not installed"))
        return rows
    oj = run("ours_epochs", "", repeat, "jax", 1)
    name = "12. ours on JAX vs PyTorch, fixed, 1 thread"
    overhead = ""
    if "error" not in oj and "error" not in of:
        overhead = (
            f"overhead (first minus steady epoch): JAX "
            f"{oj['first_epoch'] - oj['epoch']:.3g} s, TensorFlow "
            f"{of['first_epoch'] - of['epoch']:.3g} s"
        )
    add(f"{name}: first epoch (s)", oj, tf, "first_epoch", overhead)
    add(f"{name}: steady epoch (s)", oj, tf, "epoch")
    add(f"{name}: whole fit, {FIT_EPOCHS} epochs (s)", oj, tf, "fit")
    add(f"{name}: CPU s per wall s in the fit", oj, tf, "cpu_per_wall",
        "XLA computes on one thread; Python makes the next batch beside it",
        ratio=False)  # fmt: skip
    # JAX's persistent compilation cache, which a user can switch on (see the
    # performance page): one fit fills it, the measured ones read it.
    with tempfile.TemporaryDirectory() as cache:
        cached = {
            "JAX_COMPILATION_CACHE_DIR": cache,
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
        }
        run("ours_epochs", "", 1, "jax", 1, env=cached)
        ojc = run("ours_epochs", "", repeat, "jax", 1, env=cached)
    name = "12. ours on JAX, compilation cache filled by an earlier process"
    overhead = ""
    if "error" not in ojc:
        overhead = f"overhead: {ojc['first_epoch'] - ojc['epoch']:.3g} s"
    add(f"{name}: first epoch (s)", ojc, tf, "first_epoch", overhead)
    add(f"{name}: whole fit, {FIT_EPOCHS} epochs (s)", ojc, tf, "fit")
    # Variable lengths: JAX compiles a step per batch length it meets (a few:
    # see Batches' grid_steps).
    ojv = run("ours_epochs", "variable", repeat, "jax", 1)
    name = "13. ours on JAX vs PyTorch, lengths 5..100, 1 thread"
    add(f"{name}: first epoch (s)", ojv, tv, "first_epoch",
        "compiles a step for each of a few batch lengths")  # fmt: skip
    add(f"{name}: steady epoch (s)", ojv, tv, "epoch")
    add(f"{name}: whole fit, {FIT_EPOCHS} epochs (s)", ojv, tv, "fit")
    return rows


SECTION = "## Against a plain PyTorch loop"


def _markdown(rows, reference):
    def fmt(v):
        return "" if v is None else f"{v:.3g}"

    lines = [
        f"| measurement | ours | {reference} | ratio | target / note |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {n} | {fmt(a)} | {fmt(b)} | {fmt(r)} | {t} |" for n, a, b, r, t in rows
    ]
    return "\n".join(lines)


def main(quick, only=None, write=True):
    repeat = 1 if quick else 3
    machine = (
        f"Machine: {_machine.describe()}, Python "
        f"{platform.python_version()}; median of {repeat} fresh-process runs."
    )
    old = OUT.read_text() if OUT.is_file() else ""
    keras_part, _, torch_part = old.partition(SECTION)
    keras_part = keras_part.removeprefix("# Speed").strip()
    torch_part = torch_part.strip()
    if only != "torch":
        table = _markdown(keras_rows(repeat, quick), "hand-written Keras")
        keras_part = f"{machine}\n\n{table}"
        print(keras_part)
    if only != "keras":
        versions = ", ".join(
            f"{p} {_version(p)}" for p in ("tensorflow", "keras", "torch", "jax")
        )
        torch_part = (
            f"{machine} {versions}. One thread each unless the row says "
            f"otherwise; ours on TensorFlow unless it says JAX; {FIT_EPOCHS} "
            f"epochs of {N} sequences, batch {BATCH}, code {CODE}, MSE, Adam; "
            "imports are not timed; ratio: ours / PyTorch. PyTorch needs a CPU "
            f"build: `{TORCH_INSTALL}`.\n\n"
            + _markdown(torch_rows(repeat), "plain PyTorch")
        )
        print(f"\n{SECTION}\n\n{torch_part}")
    if write:
        text = "# Speed\n\n" + keras_part
        if torch_part:
            text += f"\n\n{SECTION}\n\n{torch_part}"
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--arg", default="")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only", choices=("keras", "torch"),
        help="run one table; speed.md keeps the other as it was",
    )  # fmt: skip
    parser.add_argument(
        "--n", type=int,
        help=f"sequences per workload (default {N}); the tables are then only printed",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, help="thread limit of a --case")
    args = parser.parse_args()
    N = args.n or N
    THREADS = args.threads
    if args.case:
        print(json.dumps(CASES[args.case](args.arg)))
    else:
        main(args.quick, args.only, write=args.n is None)
