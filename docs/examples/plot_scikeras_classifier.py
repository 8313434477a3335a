"""
==============================================
A Keras classifier on the codes, with scikeras
==============================================

`scikeras <https://adriangb.com/scikeras/>`_ wraps a Keras model as a
scikit-learn classifier. Put it after the autoencoder in a
:class:`~sklearn.pipeline.Pipeline` and the two networks become one
estimator: ``fit`` trains the autoencoder on the sequences (without labels)
and then the classifier on their codes, ``predict`` embeds and classifies,
:class:`~sklearn.model_selection.GridSearchCV` tunes both, and the whole
pipeline pickles.

The task: from the moving one-hot sequences of
:func:`~sklearn_lstm_ae.datasets.make_moving_onehot`, predict each sequence's
length (1 to 10 steps) from its code alone. The autoencoder never sees the
lengths, but its code must carry them to decode each sequence's end.
"""

# %%
# Data
# ----
# Zero-padded one-hot sequences; a sequence's length is its number of
# non-zero steps.
import pickle

import keras
import matplotlib.pyplot as plt
import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

from sklearn_lstm_ae import LSTMAutoencoderTransformer
from sklearn_lstm_ae.datasets import make_moving_onehot

X, _ = make_moving_onehot(300, random_state=0)
lengths = (X.sum(axis=2) > 0).sum(axis=1)
X_train, X_test, y_train, y_test = train_test_split(
    X, lengths, test_size=0.5, stratify=lengths, random_state=0
)
print("sequences:", X_train.shape, "lengths:", np.unique(y_train))


# %%
# The classifier head
# -------------------
# scikeras calls this function to build the Keras model, passing ``meta``
# (what it learned from the data: input width, number of classes) and any
# parameter routed to it as ``model__<name>``.
def build_head(meta, hidden_units=32):
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(1e-2),
        metrics=["accuracy"],
    )
    return model


# %%
# One pipeline, two networks, one grid
# ------------------------------------
# The grid tries two code widths and two hidden layer sizes: parameters of
# both steps, by their ``step__parameter`` names. Short training keeps the
# example fast.
pipe = Pipeline(
    [
        (
            "embed",
            LSTMAutoencoderTransformer(
                mask_value=0.0, learning_rate_init=1e-2, max_iter=12, random_state=0
            ),
        ),
        (
            "classify",
            KerasClassifier(
                build_head, epochs=60, batch_size=32, verbose=0, random_state=0
            ),
        ),
    ]
)
grid = {
    "embed__n_components": [6, 12],
    "classify__model__hidden_units": [8, 32],
}
search = GridSearchCV(pipe, grid, cv=2).fit(X_train, y_train)
print("best:", search.best_params_)
print(f"test accuracy: {search.score(X_test, y_test):.3f}")

# %%
# A pickle round trip
# -------------------
# Both networks travel inside the pickle: the copy predicts exactly what the
# original does.
restored = pickle.loads(pickle.dumps(search.best_estimator_))
same = np.array_equal(restored.predict(X_test), search.predict(X_test))
print("restored pipeline predicts the same:", same)

# %%
# Which lengths are confused
# --------------------------
ConfusionMatrixDisplay.from_predictions(y_test, search.predict(X_test), colorbar=False)
plt.title("Sequence length, from the code alone")
plt.xlabel("predicted length")
plt.ylabel("true length")
plt.tight_layout()
