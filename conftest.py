"""Test-wide settings: the smoke profile, offline, quiet TensorFlow. Notebook kernels inherit these."""
import os

os.environ.setdefault("MIO_PROFILE", "smoke")
os.environ.setdefault("MIO_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
