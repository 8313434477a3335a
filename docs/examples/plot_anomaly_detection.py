"""
=============================================
Anomaly detection with reconstruction scores
=============================================

An autoencoder trained on normal sequences rebuilds normal sequences well and
unusual ones badly. :meth:`~sklearn_lstm_ae.LSTMAutoencoderTransformer.score_samples`
turns that into one number per sequence: the negative mean squared
reconstruction error, so **lower means more unusual** (scikit-learn's sign
convention, as in :class:`~sklearn.ensemble.IsolationForest`).

Here the normal sequences are noisy sine waves. The anomalies are the same
waves with a spike, with a stretch where the signal drops out, or with a
frequency well outside the normal range.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score

from sklearn_lstm_ae import LSTMAutoencoderTransformer

rng = np.random.RandomState(0)
N_STEPS = 30


def normal(n):
    period = rng.uniform(11, 13, size=(n, 1))
    phase = rng.uniform(0, 1, size=(n, 1))
    x = np.sin(2 * np.pi * (np.arange(N_STEPS) / period + phase))
    return (x + rng.normal(scale=0.1, size=x.shape))[..., None]


def anomalous(kind, n):
    X = normal(n)
    for x in X:
        start = rng.randint(5, N_STEPS - 10)
        if kind == "spike":
            x[start] += rng.choice([-1, 1]) * rng.uniform(2, 3)
        elif kind == "dropout":
            x[start : start + 8] = 0.0
    if kind == "fast":
        period = rng.uniform(4, 5, size=(n, 1))
        phase = rng.uniform(0, 1, size=(n, 1))
        x = np.sin(2 * np.pi * (np.arange(N_STEPS) / period + phase))
        X = (x + rng.normal(scale=0.1, size=x.shape))[..., None]
    return X


X_train = normal(200)
KINDS = ["spike", "dropout", "fast"]
X_test = np.concatenate([normal(100)] + [anomalous(k, 10) for k in KINDS])
group = np.array(["normal"] * 100 + [k for k in KINDS for _ in range(10)])
print("train:", X_train.shape, " test:", X_test.shape)

# %%
# Train on normal data only
# -------------------------
# The waves lie in [-1, 1] already. A GRU cell trains quickly on them.
detector = LSTMAutoencoderTransformer(
    n_components=16,
    cell="gru",
    learning_rate_init=3e-3,
    batch_size=16,
    max_iter=60,
    random_state=0,
).fit(X_train)

# %%
# Score
# -----
# A threshold at the 1st percentile of the training scores flags about 1% of
# normal data by construction; the area under the ROC curve summarises how
# well the scores separate normal from anomalous without any threshold.
train_scores = detector.score_samples(X_train)
scores = detector.score_samples(X_test)
threshold = np.quantile(train_scores, 0.01)
flagged = scores < threshold
is_anomaly = group != "normal"
print(f"ROC AUC: {roc_auc_score(is_anomaly, -scores):.3f}")
for g in ["normal", *KINDS]:
    print(f"{g:>8}: {flagged[group == g].mean():4.0%} flagged")

# %%
# Plot the scores
# ---------------
fig, ax = plt.subplots(figsize=(7, 3.6))
for i, g in enumerate(["normal", *KINDS]):
    s = scores[group == g]
    ax.scatter(i + rng.uniform(-0.15, 0.15, len(s)), s, s=14, alpha=0.7)
ax.axhline(threshold, color="k", ls="--", lw=1, label="threshold (1% of train)")
ax.set_xticks(range(4), ["normal", *KINDS])
ax.set_ylabel("score_samples (higher = more normal)")
ax.legend(loc="lower left")
ax.set_title("Reconstruction scores of held-out sequences")
fig.tight_layout()

# %%
# What the model rebuilt
# ----------------------
# ``inverse_transform(transform(X))`` shows why the anomalies score low: the
# decoder can only produce what it learned from normal waves.
examples = [0] + [int(np.flatnonzero(group == k)[0]) for k in KINDS]
rebuilt = detector.inverse_transform(detector.transform(X_test[examples]))
fig, axes = plt.subplots(1, 4, figsize=(11, 2.6), sharey=True)
for ax, i, x, r in zip(axes, examples, X_test[examples], rebuilt, strict=True):
    ax.plot(x[:, 0], lw=1.2, label="input")
    ax.plot(r[:, 0], lw=1.2, ls="--", label="reconstruction")
    ax.set_title(f"{group[i]}: score {scores[i]:.3f}", fontsize=9)
    ax.set_xlabel("step")
axes[0].legend(fontsize=8, loc="lower left")
fig.tight_layout()

# sphinx_gallery_thumbnail_number = 1
