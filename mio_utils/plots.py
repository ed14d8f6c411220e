"""Plots that several chapters share: training curves, an image grid, a confusion matrix.

Each returns the matplotlib ``Figure`` so a chapter can save or adjust it.
"""
from __future__ import annotations

import numpy as np


def plot_history(history, metrics=("loss",), title=None):
    """Training and validation curves from ``model.fit(...)`` (a History or its ``.history`` dict).

    Taught in chapter 04; reused in chapter 06.
    """
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"History has no {missing}; it has {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], marker="o", label="train")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], marker="o", label="validation")
        ax.set(xlabel="epoch", ylabel=metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_images(images, labels=None, class_names=None, ncols=8, size=1.2, title=None):
    """A grid of images (``(n, h, w)`` or ``(n, h, w, c)``), each titled with its label.

    Taught in chapter 00; used wherever a chapter shows its data.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"Expected images shaped (n, h, w) or (n, h, w, c); got {images.shape}.")
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        image = images[i]
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
        if labels is not None:
            label = labels[i]
            ax.set_title(class_names[label] if class_names is not None else str(label), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize=False, title=None):
    """A confusion matrix (rows: true class, columns: predicted class) with counts in the cells.

    ``y_true`` and ``y_pred`` are class indices, not probabilities. Taught in chapter 05.
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim != 1 or y_true.ndim != 1:
        raise ValueError(
            "plot_confusion_matrix takes class indices shaped (n,); got "
            f"{y_true.shape} and {y_pred.shape}. For probabilities use y_prob.argmax(axis=-1)."
        )
    labels = np.arange(len(class_names)) if class_names is not None else None
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    n = len(matrix)
    fig, ax = plt.subplots(figsize=(0.45 * n + 2.5, 0.45 * n + 2))
    ax.imshow(shown, cmap="Blues")
    names = class_names if class_names is not None else [str(i) for i in range(n)]
    ax.set(xticks=range(n), yticks=range(n), xticklabels=names, yticklabels=names,
           xlabel="predicted", ylabel="true", title=title or "confusion matrix")
    threshold = shown.max() / 2
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.2f}" if normalize else str(matrix[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > threshold else "black")
    fig.tight_layout()
    return fig
