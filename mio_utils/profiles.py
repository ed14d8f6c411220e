"""Run profiles: how big a chapter's data, models and training are.

Taught in chapter 00. ``smoke`` is for CI and notebook tests (seconds), ``cpu`` for a laptop
(minutes, offline data), ``gpu`` for Colab or a workstation (real datasets, full training).
"""
from __future__ import annotations

import os
from types import SimpleNamespace

from . import dryrun

PROFILES = ("smoke", "cpu", "gpu")
ENV_VAR = "MIO_PROFILE"


def _gpu_visible() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def profile() -> str:
    """The active profile: ``$MIO_PROFILE`` if set, else ``gpu`` when a GPU is visible, else ``cpu``.

    Used by every chapter through :func:`profile_config`.
    """
    chosen = os.environ.get(ENV_VAR, "").strip().lower()
    if chosen:
        if chosen not in PROFILES:
            raise ValueError(
                f"{ENV_VAR}={chosen!r} is not a profile; expected one of {', '.join(PROFILES)}."
            )
        return chosen
    return "gpu" if _gpu_visible() else "cpu"


def fit_verbose() -> int:
    """Keras' ``verbose`` for ``fit``: 0 (silent) in the smoke profile, else 2 (a summary per epoch).

    Use as ``model.fit(..., verbose=mio.fit_verbose())``: a learner sees training progress, a saved
    notebook keeps plain lines ("Epoch 3/20", then its time and losses; ``verbose=1`` would redraw a
    bar), and tests stay quiet.
    Taught in chapter 02.
    """
    return 0 if profile() == "smoke" else 2


def profile_config(*, base: dict, smoke: dict | None = None, cpu: dict | None = None,
                   gpu: dict | None = None, active: str | None = None) -> SimpleNamespace:
    """This profile's settings: ``base`` updated with the active profile's overrides.

    ``cfg = profile_config(base=dict(epochs=20, n=None), smoke=dict(epochs=1, n=300), gpu=dict(epochs=40))``
    gives ``cfg.epochs == 1`` in smoke. Every setting is named once, in ``base``; an override of a key
    that ``base`` lacks is a ``ValueError``, so a typo cannot create a setting that one profile alone
    has. ``gpu`` left out means "as ``cpu``": a chapter whose laptop run is already full size says
    nothing more. ``cfg.profile`` names the active profile (``active``, else :func:`profile`).
    Taught in chapter 00.
    """
    if "profile" in base:
        raise ValueError("profile_config: 'profile' is reserved for the active profile's name; "
                         "rename that setting in base.")
    overrides = {"smoke": smoke or {}, "cpu": cpu or {}, "gpu": (cpu if gpu is None else gpu) or {}}
    for name, values in overrides.items():
        unknown = sorted(set(values) - set(base))
        if unknown:
            raise ValueError(f"profile_config: the {name!r} overrides {unknown} are not settings in base; "
                             f"base has {sorted(base)}.")
    name = (active or profile()).strip().lower()
    if name not in PROFILES:
        raise ValueError(f"Unknown profile {name!r}; expected one of {', '.join(PROFILES)}.")
    chosen = {**base, **overrides[name]}
    if name == "gpu" and dryrun.active():  # the gpu code path with smoke's amounts of work (tests)
        chosen = dryrun.scale(chosen, overrides["smoke"])
    return SimpleNamespace(profile=name, **chosen)
