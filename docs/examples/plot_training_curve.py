"""
=====================================
Training curves and early stopping
=====================================

``fit`` records the loss of every epoch in ``history_``. With
``early_stopping=True`` it also holds out part of the sequences, records the
loss on them as ``val_loss``, stops when that stops improving, and keeps the
weights of the best epoch. The rule is the one of scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor`: stop after
``n_iter_no_change`` epochs that fail to beat the best value by ``tol``.

The data is the generator from the question this project started with
(:func:`~sklearn_lstm_ae.datasets.make_seed_sequences`): one-hot steps with
the 1 at the step's position, random lengths, zero-padded at the end.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_lstm_ae import LSTMAutoencoderTransformer
from sklearn_lstm_ae.datasets import make_seed_sequences

X, y = make_seed_sequences(500, random_state=0)
print("X:", X.shape, " distinct sequences:", len(np.unique(y)))

# %%
# Fit with early stopping
# -----------------------
# ``max_iter`` is only an upper bound here; 20% of the sequences are held out
# for validation (chosen with ``random_state``).
est = LSTMAutoencoderTransformer(
    n_components=16,
    mask_value=0.0,
    learning_rate_init=1e-2,
    batch_size=16,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=5,
    max_iter=100,
    random_state=0,
).fit(X)

loss, val_loss = est.history_["loss"], est.history_["val_loss"]
best = int(np.argmin(val_loss))
print(f"ran {est.n_iter_} of at most {est.max_iter} epochs")
print(f"best validation loss {val_loss[best]:.4f} at epoch {best + 1}; "
      "those weights were restored")  # fmt: skip

# %%
# The curves
# ----------
# ``history_`` is a plain ``dict`` of lists, ready to plot. The losses include
# both terms the network is trained on: rebuilding the values of the real
# steps, and predicting which steps exist. Early stopping compares the
# validation loss only with its own earlier values: what matters is its trend.
epochs = np.arange(1, est.n_iter_ + 1)
fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(epochs, loss, label="training loss (loss)")
ax.plot(epochs, val_loss, label="validation loss (val_loss)")
ax.axvline(best + 1, color="k", ls="--", lw=1, label="best epoch, weights kept")
ax.axvspan(best + 1, est.n_iter_, color="0.9", label="patience (n_iter_no_change)")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
ax.legend()
ax.set_title("Early stopping on held-out sequences")
fig.tight_layout()

# %%
# Training more
# -------------
# To continue from these weights, set ``warm_start=True`` and call ``fit``
# again, or call ``partial_fit`` for one epoch at a time: ``history_`` and
# ``n_iter_`` keep counting.
est.set_params(warm_start=True, early_stopping=False, max_iter=3)
est.fit(X)
print("epochs after a warm start of 3 more:", est.n_iter_)
