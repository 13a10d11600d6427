"""Call runners the dialer can drive: the real call path over the simulator, a SIP trunk or
FreeSWITCH (``telephony_driver`` in the settings, see :mod:`runtime.campaigns.drivers`), or
any ``module:factory`` given on the command line (a factory returning a :class:`CallRunner`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from runtime.campaigns.dialer import CallRunner
from runtime.campaigns.drivers import DRIVERS, RunnerError, build_runner

__all__ = ["RunnerError", "load_runner"]


def _factory(spec: str) -> Callable[..., Any]:
    mod_name, _, attr = spec.partition(":")
    if not attr:
        raise RunnerError(f"runner {spec!r}: use one of {', '.join(DRIVERS)} or 'module:factory'")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise RunnerError(f"runner {spec!r}: cannot import {mod_name}: {e}") from e
    fn = getattr(mod, attr, None)
    if not callable(fn):
        raise RunnerError(f"runner {spec!r}: {mod_name} has no callable {attr}")
    return fn


def load_runner(spec: str | None, *, engine: Any = None, settings: Any = None, **kwargs: Any) -> CallRunner:
    """``spec`` None: the settings' ``telephony_driver``. ``kwargs`` (seed, fast) go to the
    simulator or to a ``module:factory``; the real drivers take theirs from the settings."""
    if settings is None:
        from huashu.core.config import get_settings

        settings = get_settings()
    name = spec or settings.telephony_driver
    if name in DRIVERS:
        from runtime.campaigns.database import open_engine
        from runtime.campaigns.scripts import store_resolver

        resolver = store_resolver(engine if engine is not None else open_engine(None))
        return build_runner(name, resolver, settings, **(kwargs if name == "simulator" else {}))
    runner: CallRunner = _factory(name)(engine=engine, **kwargs)
    return runner
