"""Call runners the dialer can drive: the real call path over the telephony simulator, or any
``module:factory`` given on the command line (a factory returning a :class:`CallRunner`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from runtime.campaigns.dialer import CallRunner

__all__ = ["RunnerError", "load_runner"]


class RunnerError(RuntimeError):
    """The requested runner cannot be built; the message says why."""


def _factory(spec: str) -> Callable[..., Any]:
    mod_name, _, attr = spec.partition(":")
    if not attr:
        raise RunnerError(f"runner {spec!r}: use 'simulator' or 'module:factory'")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise RunnerError(f"runner {spec!r}: cannot import {mod_name}: {e}") from e
    fn = getattr(mod, attr, None)
    if not callable(fn):
        raise RunnerError(f"runner {spec!r}: {mod_name} has no callable {attr}")
    return fn


def load_runner(spec: str, **kwargs: Any) -> CallRunner:
    fn = _factory("runtime.campaigns.sim_runner:simulator_runner" if spec == "simulator" else spec)
    runner: CallRunner = fn(**kwargs)
    return runner
