"""
==================================
Clustering series of any length
==================================

Four shapes of noisy series (rising, falling, peak and valley) with random
amplitudes and lengths. The autoencoder never sees which shape a series has:
we embed every series as an 8-value code, look at the codes in a 2-D PCA
projection coloured by the true shape, and cluster them with KMeans.

The series have different lengths, so they are passed as a plain list of
``(length, 1)`` arrays: no padding needed.
"""

# %%
# Data: a ragged list of univariate series
# ----------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from sklearn_lstm_ae import LSTMAutoencoderTransformer

rng = np.random.RandomState(0)
SHAPES = ["rising", "falling", "peak", "valley"]


def series(shape, length):
    t = np.linspace(0, 1, length)
    amplitude = rng.uniform(0.6, 1.0)
    x = {
        "rising": 2 * t - 1,
        "falling": 1 - 2 * t,
        "peak": 1 - 2 * np.abs(2 * t - 1),
        "valley": 2 * np.abs(2 * t - 1) - 1,
    }[shape]
    noise = rng.normal(scale=0.1, size=length)
    return (amplitude * x + noise).reshape(-1, 1)


y = np.repeat(np.arange(4), 40)
X = [series(SHAPES[k], rng.randint(15, 31)) for k in y]
print(len(X), "series, lengths", min(map(len, X)), "to", max(map(len, X)))

fig, axes = plt.subplots(1, 4, figsize=(10, 2.4), sharey=True)
for k, ax in enumerate(axes):
    for i in np.flatnonzero(y == k)[:4]:
        ax.plot(X[i][:, 0], lw=1)
    ax.set_title(SHAPES[k])
    ax.set_xlabel("step")
fig.tight_layout()

# %%
# Embed
# -----
# The values already lie in about [-1, 1], a good scale for a recurrent
# network, so no preprocessing is needed. A GRU cell has fewer weights than an
# LSTM of the same width, so each epoch is cheaper.
embed = LSTMAutoencoderTransformer(
    n_components=8,
    cell="gru",
    learning_rate_init=1e-2,
    batch_size=16,
    max_iter=50,
    random_state=0,
)
codes = embed.fit_transform(X)
print("codes:", codes.shape, f"after {embed.n_iter_} epochs")

# %%
# Look at the codes
# -----------------
# PCA projects the 8-value codes onto their two main directions. The colours
# are the true shapes, which the autoencoder never saw.
projected = PCA(n_components=2).fit_transform(codes)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
for k, shape in enumerate(SHAPES):
    ax.scatter(*projected[y == k].T, s=18, label=shape, alpha=0.8)
ax.set_xlabel("first principal component of the codes")
ax.set_ylabel("second principal component")
ax.legend(title="true shape")
ax.set_title(f"Codes of {len(X)} series, projected to 2-D")
fig.tight_layout()

# %%
# Cluster
# -------
# KMeans with four clusters on the codes, compared with the true shapes by the
# adjusted Rand index (1 is perfect agreement, 0 is chance level).
kmeans = KMeans(n_clusters=4, n_init=10, random_state=0).fit(codes)
print(f"adjusted Rand index: {adjusted_rand_score(y, kmeans.labels_):.2f}")

# %%
# Every series got a code of the same size whatever its length, and lengths
# from 15 to 30 steps are mixed within each shape; the adjusted Rand index
# above says how closely the clusters follow the shapes all the same. The
# encoder reads only the real steps of each series: no padding was involved
# at any point.

# sphinx_gallery_thumbnail_number = 2
