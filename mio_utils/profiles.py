"""Run profiles: how big a chapter's data, models and training are.

Taught in chapter 00. ``smoke`` is for CI and notebook tests (seconds), ``cpu`` for a laptop
(minutes, offline data), ``gpu`` for Colab or a workstation (real datasets, full training).
"""
from __future__ import annotations

import os
from types import SimpleNamespace

PROFILES = ("smoke", "cpu", "gpu")
ENV_VAR = "MIO_PROFILE"


def _gpu_visible() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def profile() -> str:
    """The active profile: ``$MIO_PROFILE`` if set, else ``gpu`` when a GPU is visible, else ``cpu``.

    Taught in chapter 00.
    """
    chosen = os.environ.get(ENV_VAR, "").strip().lower()
    if chosen:
        if chosen not in PROFILES:
            raise ValueError(
                f"{ENV_VAR}={chosen!r} is not a profile; expected one of {', '.join(PROFILES)}."
            )
        return chosen
    return "gpu" if _gpu_visible() else "cpu"


def profile_config(*, smoke: dict, cpu: dict, gpu: dict | None = None, active: str | None = None):
    """Pick this profile's sizes from one place, e.g. ``cfg = profile_config(smoke=dict(epochs=1), ...)``.

    All profiles must name the same keys, so a setting can never silently exist in one profile only.
    ``gpu`` defaults to the ``cpu`` values. Returns a namespace: ``cfg.epochs``.
    Taught in chapter 00.
    """
    configs = {"smoke": smoke, "cpu": cpu, "gpu": cpu if gpu is None else gpu}
    keys = set(smoke)
    for name, values in configs.items():
        if set(values) != keys:
            missing = sorted(keys - set(values))
            extra = sorted(set(values) - keys)
            raise ValueError(
                f"profile_config: the {name!r} profile must have the same keys as 'smoke' "
                f"(missing {missing}, unexpected {extra})."
            )
    name = active or profile()
    if name not in PROFILES:
        raise ValueError(f"Unknown profile {name!r}; expected one of {', '.join(PROFILES)}.")
    return SimpleNamespace(profile=name, **configs[name])
