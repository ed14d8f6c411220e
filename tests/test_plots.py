import numpy as np
import pytest

from mio_utils import plots


def test_plot_history_draws_train_and_validation():
    fig = plots.plot_history({"loss": [1, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]},
                             metrics=("loss", "accuracy"))
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 1


def test_plot_history_names_missing_metric():
    with pytest.raises(ValueError, match="has no \\['auc'\\]"):
        plots.plot_history({"loss": [1]}, metrics=("auc",))


def test_show_images_grid_and_titles():
    fig = plots.show_images(np.zeros((5, 8, 8, 1), np.uint8), labels=[0, 1, 2, 3, 4],
                            class_names=list("abcde"), ncols=3)
    assert len(fig.axes) == 6 and fig.axes[4].get_title() == "e"


def test_show_images_rejects_flat_input():
    with pytest.raises(ValueError, match="\\(n, h, w\\)"):
        plots.show_images(np.zeros((5, 64)))


def test_confusion_matrix_counts():
    fig = plots.plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], class_names=["a", "b", "c"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1", "0", "0", "0", "1", "1", "0", "0", "1"]


def test_confusion_matrix_rejects_probabilities():
    with pytest.raises(ValueError, match="argmax"):
        plots.plot_confusion_matrix([0, 1], np.array([[0.9, 0.1], [0.2, 0.8]]))
