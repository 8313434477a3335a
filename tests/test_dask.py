"""Scale-out on Dask: grid search, chunked transform, chunked training, pickles.

One ``LocalCluster`` of two worker processes serves the whole module. Each
worker starts TensorFlow with one thread per pool, so that two workers on a
two-core machine do not fight over the cores; TensorFlow reads these variables
once, when it starts, so they must be in the worker's environment beforehand.
The workers are fresh processes, so every estimator they use arrives pickled
and rebuilds its Keras model there.
"""

import os
import pickle

import dask.array as da
import joblib
import numpy as np
import pytest
from dask.distributed import Client, LocalCluster, get_task_stream
from dask_ml.wrappers import ParallelPostFit
from sklearn.model_selection import GridSearchCV

from sklearn_lstm_ae import LSTMAutoencoderTransformer

THREADS = {
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}
N_STEPS, N_CHANNELS = 5, 2


@pytest.fixture(scope="module")
def client():
    # processes=True: the workers are spawned by Dask's nannies, never forked
    # from this process, which may already run TensorFlow.
    environ = os.environ.copy()
    try:
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                env=THREADS,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
    finally:
        # The nannies also put their pre-spawn settings (OMP_NUM_THREADS=1,
        # PYTHONHASHSEED, ...) into this process's environment; later tests'
        # subprocesses should not inherit them.
        os.environ.clear()
        os.environ.update(environ)


@pytest.fixture(scope="module")
def X():
    """Sequences ``(24, 5, 2)``; ``X.reshape(24, -1)`` are the same as 2-D rows."""
    rng = np.random.RandomState(0)
    return rng.normal(size=(24, N_STEPS, N_CHANNELS)).astype(np.float32)


@pytest.fixture(scope="module")
def fitted_on_rows(X):
    """A model fitted on 2-D rows, each read as ``(5, 2)`` through n_timesteps."""
    est = LSTMAutoencoderTransformer(
        n_components=3, n_timesteps=N_STEPS, max_iter=1, random_state=0
    )
    return est.fit(X.reshape(len(X), -1))


def test_workers_start_tensorflow_with_bounded_threads(client):
    seen = client.run(lambda: {name: os.environ.get(name) for name in THREADS})
    assert len(seen) == 2
    assert all(env == THREADS for env in seen.values())


def test_grid_search_on_dask_matches_local_search(client, X):
    grid = {"n_components": [2, 3], "max_iter": [1, 2]}
    est = LSTMAutoencoderTransformer(random_state=0)
    local = GridSearchCV(est, grid, cv=2, refit=False, n_jobs=1).fit(X)
    with get_task_stream(client) as tasks:
        with joblib.parallel_config(backend="dask"):
            remote = GridSearchCV(est, grid, cv=2, refit=False).fit(X)
    assert tasks.data, "the search did not run on the cluster"
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )


def test_parallel_post_fit_embeds_2d_dask_array_chunk_by_chunk(
    client, X, fitted_on_rows
):
    rows = X.reshape(len(X), -1)
    dask_rows = da.from_array(rows, chunks=(7, -1))
    codes = ParallelPostFit(fitted_on_rows).transform(dask_rows)
    assert codes.numblocks[0] == dask_rows.numblocks[0] == 4
    result = codes.compute()
    assert result.shape == (24, 3) and result.dtype == np.float32
    np.testing.assert_allclose(result, fitted_on_rows.transform(rows), atol=1e-6)


def test_map_blocks_embeds_3d_dask_array_by_sample_chunks(client, X, fitted_on_rows):
    # Chunked along the samples only: every chunk holds whole sequences.
    dask_seqs = da.from_array(X, chunks=(7, -1, -1))
    n_components = fitted_on_rows.n_components
    codes = dask_seqs.map_blocks(
        fitted_on_rows.transform,
        drop_axis=(1, 2),
        new_axis=1,
        chunks=(dask_seqs.chunks[0], (n_components,)),
        meta=np.empty((0, 0), dtype=np.float32),
    )
    assert codes.shape == (24, n_components)
    result = codes.compute()
    assert result.shape == (24, n_components) and result.dtype == np.float32
    np.testing.assert_allclose(result, fitted_on_rows.transform(X), atol=1e-6)


def test_partial_fit_over_dask_chunks_trains_one_epoch_per_chunk(client):
    # Lazy data: only one chunk at a time is ever computed.
    shape = (50, N_STEPS, 4)
    X = da.random.RandomState(0).normal(size=shape, chunks=(10, -1, -1))
    X = X.astype(np.float32)
    *train_blocks, held_out = range(X.numblocks[0])
    est = LSTMAutoencoderTransformer(n_components=16, random_state=0)
    for block in train_blocks:
        est.partial_fit(X.blocks[block].compute())
    assert est.n_iter_ == len(train_blocks) == 4
    assert len(est.loss_curve_) == 4
    codes = est.transform(X.blocks[held_out].compute())
    assert codes.shape == (10, 16)
    assert np.isfinite(codes).all()


def test_pickles_hold_little_besides_the_weights():
    X = np.random.RandomState(0).normal(size=(20, N_STEPS, 4)).astype(np.float32)
    est = LSTMAutoencoderTransformer(n_components=16, max_iter=1, random_state=0)
    assert len(pickle.dumps(est)) < 1024
    est.fit(X)
    weights = sum(v.numpy().nbytes for v in est.model_.variables)
    size = len(pickle.dumps(est))
    assert weights < size < 1.2 * weights
