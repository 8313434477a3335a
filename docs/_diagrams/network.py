"""Diagram of the autoencoder: encoder, code, decoder (drawn, not traced).

Run by the ``.. plot::`` directive in ``docs/user_guide/network.rst``.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

ENCODER, CODE, DECODER, IO = "#cfe2f3", "#f9cb9c", "#d9ead3", "#eeeeee"

fig, ax = plt.subplots(figsize=(10, 4.6))
ax.set_xlim(0, 10)
ax.set_ylim(0, 4.6)
ax.axis("off")


def box(x, y, w, h, text, color, size=9):
    ax.add_patch(
        FancyBboxPatch(
            (x, y), w, h, boxstyle="round,pad=0.04", fc=color, ec="#444444", lw=1
        )
    )
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size)


def arrow(x0, y0, x1, y1):
    ax.add_patch(
        FancyArrowPatch(
            (x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, color="#444444"
        )
    )


# The input: a few real steps followed by padding.
steps = 6
for t in range(steps):
    padding = t >= 4
    box(
        0.2,
        3.75 - 0.6 * t,
        1.1,
        0.42,
        "padding" if padding else f"step {t + 1}",
        "white" if padding else IO,
        size=8,
    )
ax.text(0.75, 4.38, "sequence\n(steps x channels)", ha="center", fontsize=8)
ax.text(
    0.75, 0.05, "padded steps are\nmasked out", ha="center", fontsize=8, style="italic"
)

box(
    2.0,
    1.5,
    1.9,
    1.6,
    "encoder\nLSTM / GRU stack\n(many-to-one)\nskips padded steps",
    ENCODER,
)
for t in range(4):
    arrow(1.35, 3.96 - 0.6 * t, 2.0, 2.3)

ax.text(2.95, 1.2, "encoder_", ha="center", fontsize=9, family="monospace")
box(4.4, 1.9, 1.2, 0.8, "code\nn_components", CODE)
arrow(3.9, 2.3, 4.4, 2.3)
ax.text(
    5.0, 1.45, "transform(X)\nreturns this", ha="center", fontsize=8, style="italic"
)

box(
    6.1,
    1.5,
    1.7,
    1.6,
    "repeat code\n+ step position\n+ decoder stack\n(one-to-many)",
    DECODER,
)
arrow(5.6, 2.3, 6.1, 2.3)
ax.text(6.95, 1.2, "decoder_", ha="center", fontsize=9, family="monospace")

box(8.3, 2.65, 1.5, 0.8, "step values\n(n_channels)", IO, size=8)
box(8.3, 1.15, 1.5, 0.8, "step exists?\n(1 logit)", IO, size=8)
arrow(7.8, 2.5, 8.3, 3.05)
arrow(7.8, 2.1, 8.3, 1.55)
ax.text(
    9.05, 0.45, "inverse_transform(codes)\ndecodes both", ha="center", fontsize=8,
    style="italic",
)  # fmt: skip

ax.annotate(
    "",
    xy=(2.0, 4.2),
    xytext=(7.8, 4.2),
    arrowprops={"arrowstyle": "<->", "color": "#888888"},
)
ax.text(
    4.9, 4.3, "model_ (encoder_ + decoder_, shared weights)", ha="center", fontsize=8
)
fig.tight_layout()
