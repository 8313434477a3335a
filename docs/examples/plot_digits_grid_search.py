"""
===================================================
Classifying handwritten digits read as sequences
===================================================

scikit-learn's :func:`~sklearn.datasets.load_digits` holds 8x8 images of
handwritten digits, one image per row of 64 pixel values. With
``n_timesteps=8`` the autoencoder reads each row as a sequence of 8 steps
(the image rows, top to bottom) of 8 channels (the pixels in a row).

We chain scaling, the autoencoder and a logistic regression in a
:class:`~sklearn.pipeline.Pipeline` and let
:class:`~sklearn.model_selection.GridSearchCV` choose the code width. The
autoencoder learns without labels; only the classifier sees them.
"""

# %%
# Data
# ----
# A subset keeps this example fast: 400 images to train on (with
# cross-validation inside), 400 to test.
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_lstm_ae import LSTMAutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=400, test_size=400, stratify=y, random_state=0
)
print("table:", X_train.shape, "-> sequences of 8 steps x 8 channels")

# %%
# Pipeline and grid
# -----------------
# Pixel values run from 0 to 16; :class:`~sklearn.preprocessing.MinMaxScaler`
# brings them into [0, 1], a comfortable range for a recurrent network. The
# grid tries two code widths; with ``cv=2`` that is 4 fits plus the final
# refit on all 400 images. Fits of the same architecture reuse one built Keras
# model, so only the first fit of each width pays for building it. A GRU cell
# keeps the epochs cheap.
pipe = Pipeline(
    [
        ("scale", MinMaxScaler()),
        (
            "embed",
            LSTMAutoencoderTransformer(
                n_timesteps=8,
                cell="gru",
                learning_rate_init=1e-2,
                batch_size=16,
                max_iter=25,
                random_state=0,
            ),
        ),
        ("classify", LogisticRegression(max_iter=2000)),
    ]
)
grid = {"embed__n_components": [8, 32]}
search = GridSearchCV(pipe, grid, cv=2).fit(X_train, y_train)
print("best:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy: {search.score(X_test, y_test):.3f}")

# %%
# The grid's results
# ------------------
# ``cv_results_`` holds every candidate's scores, as in any scikit-learn
# search.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(5, 3.2))
widths = [p["embed__n_components"] for p in results["params"]]
ax.bar([str(w) for w in widths], results["mean_test_score"],
       yerr=results["std_test_score"], capsize=4, color="tab:blue")  # fmt: skip
ax.set_xlabel("n_components")
ax.set_ylabel("cross-validated accuracy")
ax.set_ylim(0, 1)
ax.set_title("Grid search over the code width")
fig.tight_layout()

# %%
# A baseline
# ----------
# How good is that? The same classifier on the 64 scaled pixels directly.
# Digits are small, clean images, and a linear model on raw pixels is
# already strong; the codes compress each image into far fewer numbers
# learned without labels, and the comparison shows what that costs or gains
# here. The settings above are cut down so that the documentation builds
# quickly; more images and more epochs give better codes (with 600 training
# images and 40 epochs, a single fit of the same pipeline with a 32-value
# code reached about 0.93 test accuracy in our runs).
baseline = Pipeline(
    [("scale", MinMaxScaler()), ("classify", LogisticRegression(max_iter=2000))]
).fit(X_train, y_train)
print(f"baseline (raw pixels) test accuracy: {baseline.score(X_test, y_test):.3f}")

# %%
# What the codes keep
# -------------------
# The best pipeline's autoencoder can also decode: the rebuilt images are
# what its code kept of each test image.
best = search.best_estimator_
scaled = best.named_steps["scale"].transform(X_test[:8])
rebuilt = best.named_steps["embed"].inverse_transform(
    best.named_steps["embed"].transform(scaled)
)
fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
for j in range(8):
    axes[0, j].imshow(scaled[j].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    axes[1, j].imshow(rebuilt[j].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    axes[0, j].set_axis_off()
    axes[1, j].set_axis_off()
axes[0, 0].set_title("input", loc="left", fontsize=9)
axes[1, 0].set_title("decoded", loc="left", fontsize=9)
fig.tight_layout()
