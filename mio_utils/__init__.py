"""mio_utils: the helper package of the MIO course (Model Input & Output with Keras and TensorFlow).

Everything a chapter needs is one import away: ``import mio_utils as mio``. Each public function's
docstring names the chapter that teaches it.
"""
from .data import Dataset, datasets, load
from .env import cache_dir, devices, is_colab, is_online, setup
from .exercises import check, progress
from .plots import plot_confusion_matrix, plot_history, show_images
from .profiles import PROFILES, fit_verbose, profile, profile_config
from .report import report_metric

__version__ = "0.1.0"

__all__ = [
    "PROFILES", "Dataset", "cache_dir", "check", "datasets", "devices", "fit_verbose", "is_colab",
    "is_online", "load", "plot_confusion_matrix", "plot_history", "profile", "profile_config", "progress",
    "report_metric", "setup", "show_images",
]
