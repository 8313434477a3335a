"""
=============================================
Padded one-hot sequences to vectors and back
=============================================

The scenario this project started from: sequences of one-hot steps, each of a
random length, post-padded with all-zero steps to a common length (what
``keras.preprocessing.sequence.pad_sequences(..., padding="post")`` gives).
We want one fixed-size vector per sequence, good enough to rebuild the
sequence from it.

:class:`~sklearn_lstm_ae.LSTMAutoencoderTransformer` learns the vectors
(``transform``), rebuilds the sequences from them (``inverse_transform``), and
feeds any scikit-learn estimator, here :class:`~sklearn.cluster.KMeans`.
"""

# %%
# The data
# --------
# :func:`~sklearn_lstm_ae.datasets.make_moving_onehot` draws sequences whose
# single 1 moves one position per step, with a random start and a random
# length from 1 to 10 steps, then pads them with 0.0 steps to 10 steps. There
# are only 5 starts x 10 lengths = 50 distinct sequences, and ``y`` names
# them. We keep 100 sequences aside to test the model on sequences it was not
# trained on.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans

from sklearn_lstm_ae import LSTMAutoencoderTransformer
from sklearn_lstm_ae.datasets import make_moving_onehot

X, y = make_moving_onehot(400, n_timesteps=10, n_channels=5, random_state=0)
X_train, X_test = X[:300], X[300:]
print("X:", X.shape, X.dtype)
print("first sequence (steps x channels), zero-padded at the end:")
print(X[0].astype(int))

# %%
# Fit, embed, decode
# ------------------
# ``mask_value=0.0`` says the all-zero steps at the end are padding: the
# encoder skips them and the loss ignores them. The data is all 0 and 1, so
# the default ``loss="auto"`` trains with binary cross-entropy, the loss the
# original question used. We train 50 epochs at a larger learning rate than
# the default, to keep this example quick.
embed = LSTMAutoencoderTransformer(
    n_components=32,
    mask_value=0.0,
    learning_rate_init=1e-2,
    batch_size=8,
    max_iter=50,
    random_state=0,
)
embed.fit(X_train)
codes = embed.transform(X_test)
decoded = embed.inverse_transform(codes)
print(f"trained {embed.n_iter_} epochs with loss={embed.loss_!r}")
print("codes:", codes.shape, codes.dtype)
print("decoded:", decoded.shape)

# %%
# ``transform`` returned one 32-value ``float32`` vector per sequence, whatever
# its length. ``inverse_transform`` decoded each vector into a sequence of at
# most 10 steps; after the step where the decoder predicts the sequence ends,
# it fills the padding with ``mask_value`` again.
#
# How many held-out sequences came back exactly? A sequence counts when its
# decoded length matches and every value, thresholded at 0.5, matches.
real = X_test.any(axis=2)  # the real steps (every real step holds a 1)
# Decoded padding is exactly 0.0 (mask_value); decoded real steps are sigmoid
# outputs, never exactly 0 in every channel.
decoded_real = decoded.any(axis=2)
same_length = (real == decoded_real).all(axis=1)
same_values = ((decoded > 0.5) == (X_test > 0.5)).all(axis=(1, 2))
print(f"rebuilt exactly: {np.mean(same_length & same_values):.0%} of held-out")

# %%
# Inputs and reconstructions
# --------------------------
# Each column shows one held-out sequence: on top the input (steps downwards,
# channels across), below the decoded values. Hatched rows are padding.
fig, axes = plt.subplots(2, 6, figsize=(9, 4.2), sharex=True, sharey=True)
for j, i in enumerate([0, 1, 2, 3, 5, 8]):
    for row, (data, title) in enumerate(
        [(X_test[i], "input"), (decoded[i], "decoded")]
    ):
        ax = axes[row, j]
        ax.imshow(data, vmin=0, vmax=1, cmap="Blues", aspect="auto")
        n_real = int(real[i].sum())
        if n_real < data.shape[0]:
            ax.axhspan(n_real - 0.5, data.shape[0] - 0.5, fill=False, hatch="//",
                       edgecolor="0.6", lw=0)  # fmt: skip
        ax.set_title(f"{title} #{i}\n{n_real} steps", fontsize=8)
        ax.set_xticks(range(5))
        ax.set_yticks([0, 4, 9])
axes[0, 0].set_ylabel("step")
axes[1, 0].set_ylabel("step")
for ax in axes[1]:
    ax.set_xlabel("channel")
fig.suptitle("Held-out sequences and their reconstructions from 32 numbers")
fig.tight_layout()

# %%
# The vectors as features
# -----------------------
# The codes go into any estimator that takes a 2-D array. KMeans with 8
# clusters groups the 50 distinct sequences; sequences with the same content
# get the same code, so they always share a cluster.
clusters = KMeans(n_clusters=8, n_init=10, random_state=0).fit_predict(codes)
print("cluster sizes:", np.bincount(clusters))
same_content = y[300:][:, None] == y[300:][None, :]
same_cluster = clusters[:, None] == clusters[None, :]
print("same content -> same cluster:", bool(same_cluster[same_content].all()))

# %%
# In a :class:`~sklearn.pipeline.Pipeline` the two steps become one estimator,
# ``make_pipeline(LSTMAutoencoderTransformer(...), KMeans(...)).fit_predict(X)``.
# See :ref:`sphx_glr_auto_examples_plot_clustering.py` for clustering where
# the classes are not known in advance.
