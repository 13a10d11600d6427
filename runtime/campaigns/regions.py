"""Region policies: calling hours in the customer's local time, public holidays (the ``holidays``
package) with "no marketing calls on public holidays", maximum attempts per day / 7 days / 30 days,
and the disclosure the opening prompt must make. Data files: the built-in ``cn``, ``us``, ``eu``
beside this module, and custom ones in ``<data_dir>/policies/<name>.json`` (same keys).

A task names a policy; the screen and the dialer apply it (:func:`effective_windows`,
:func:`effective_caps`, :meth:`RegionPolicy.holiday`), QA checks the disclosure
(``designer.qa(..., disclosure=policy.disclosure_requirements())``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from huashu.core.errors import UserError
from runtime.campaigns.compliance import Caps
from runtime.campaigns.windows import WindowError, Windows, parse_windows, zone

__all__ = ["LOCAL_COUNTRY", "PolicyError", "RegionPolicy", "country_of_timezone", "effective_caps", "effective_windows", "holiday_gate", "list_policies",
           "load_policy", "task_policy"]

BUILTIN_DIR = Path(__file__).with_name("region_policies")
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
#: ``holiday_country`` value: each customer's own country, from the time zone of their number
LOCAL_COUNTRY = "local"
_KEYS = {"name", "title", "holiday_country", "holiday_subdiv", "calling_hours", "no_marketing_on_holidays",
         "max_attempts", "business_type_required", "disclosure"}
MAX_FILE_BYTES = 64 * 1024


class PolicyError(UserError):
    """A policy that does not exist or a policy file that is malformed; the message says where."""


@dataclass(frozen=True)
class RegionPolicy:
    name: str
    title: str = ""
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    calling_hours: Windows = field(default_factory=Windows)
    no_marketing_on_holidays: bool = False
    max_attempts: Caps | None = None
    business_type_required: bool = False
    identify_caller: bool = True
    automated_voice: bool = False

    def holiday_country_for(self, tz: str | None) -> str | None:
        """The country whose calendar applies: the policy's, or with ``"local"`` the country of the
        customer's time zone (a policy spanning countries, such as ``eu``)."""
        if self.holiday_country != LOCAL_COUNTRY:
            return self.holiday_country
        return country_of_timezone(tz) if tz else None

    def holiday(self, day: date, tz: str | None = None) -> str | None:
        """The public holiday's name on ``day`` in the country that applies (see
        :meth:`holiday_country_for`), or None."""
        country = self.holiday_country_for(tz)
        if not country:
            return None
        return _calendar(country, self.holiday_subdiv if country == self.holiday_country else None, day.year).get(day)

    def blocks_marketing(self, business_type: str | None, now_utc: datetime, tz: str) -> str | None:
        """Why a call of this business type may not go out now in ``tz`` (a holiday), or None."""
        if not self.no_marketing_on_holidays or business_type != "marketing":
            return None
        name = self.holiday(now_utc.astimezone(zone(tz)).date(), tz)
        return None if name is None else f"public holiday ({name}) in {self.holiday_country_for(tz)}: no marketing calls"

    def next_working_day(self, now_utc: datetime, tz: str, windows: Windows) -> datetime:
        """The first window opening on a day that is not a holiday (UTC)."""
        z = zone(tz)
        local = now_utc.astimezone(z)
        for k in range(1, 15):
            d = (local + timedelta(days=k)).date()
            if self.holiday(d, tz) is None:
                midnight = datetime(d.year, d.month, d.day, tzinfo=z)
                return windows.next_open(midnight, tz) if windows.spans else midnight
        raise PolicyError(f"policy {self.name}: no working day in the next two weeks")

    def disclosure_requirements(self) -> dict[str, bool]:
        return {"identify_caller": self.identify_caller, "automated_voice": self.automated_voice}


@lru_cache(maxsize=64)
def _calendar(country: str, subdiv: str | None, year: int) -> Any:
    import holidays

    if country not in _supported_countries():
        return {}
    return holidays.country_holidays(country, subdiv=subdiv, years=year)


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    import holidays

    return frozenset(holidays.list_supported_countries())


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """Time zone -> ISO country code, from the system's tz database (``zone.tab``, one country a
    zone); empty when the database has no such file (then ``"local"`` finds no holidays)."""
    import zoneinfo

    for root in zoneinfo.TZPATH:
        path = Path(root) / "zone.tab"
        if path.is_file():
            rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#")
            return {r[2].strip(): r[0] for r in rows if len(r) >= 3}
    return {}


def country_of_timezone(tz: str) -> str | None:
    return _zone_countries().get(tz)


def _policy_from(data: Any, where: str) -> RegionPolicy:
    if not isinstance(data, dict):
        raise PolicyError(f"{where}: a policy is a JSON object")
    unknown = set(data) - _KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise PolicyError(f"{where}: name must be 1-32 lower-case letters, digits, _ or -")
    try:
        hours = parse_windows(data.get("calling_hours"))
    except WindowError as e:
        raise PolicyError(f"{where}: calling_hours: {e}") from None
    caps = None
    if data.get("max_attempts") is not None:
        m = data["max_attempts"]
        if not isinstance(m, dict) or set(m) - {"day", "week", "month"} or not all(
                isinstance(v, int) and 0 <= v <= 1000 for v in m.values()):
            raise PolicyError(f"{where}: max_attempts is {{\"day\": n, \"week\": n, \"month\": n}} with n in 0..1000")
        caps = Caps(m.get("day", 1000), m.get("week", 1000), m.get("month", 1000))
    country = data.get("holiday_country")
    if country is not None and country != LOCAL_COUNTRY:
        import holidays

        if country not in holidays.list_supported_countries():
            raise PolicyError(f"{where}: holiday_country {str(country)[:10]!r} is not a country the holidays package knows")
    disc = data.get("disclosure") or {}
    if not isinstance(disc, dict) or set(disc) - {"identify_caller", "automated_voice"}:
        raise PolicyError(f"{where}: disclosure is {{\"identify_caller\": bool, \"automated_voice\": bool}}")
    return RegionPolicy(
        name=name, title=str(data.get("title", ""))[:200], holiday_country=country,
        holiday_subdiv=data.get("holiday_subdiv"), calling_hours=hours,
        no_marketing_on_holidays=bool(data.get("no_marketing_on_holidays", False)), max_attempts=caps,
        business_type_required=bool(data.get("business_type_required", False)),
        identify_caller=bool(disc.get("identify_caller", True)), automated_voice=bool(disc.get("automated_voice", False)),
    )


def _custom_dir() -> Path:
    from huashu.core.config import get_settings

    return Path(get_settings().data_dir) / "policies"


def _files(custom: Path | None) -> dict[str, Path]:
    out = {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.json"))}
    folder = custom if custom is not None else _custom_dir()
    if folder.is_dir():
        out.update({p.stem: p for p in sorted(folder.glob("*.json")) if _NAME.match(p.stem)})
    return out


def list_policies(custom: Path | None = None) -> list[str]:
    return sorted(_files(custom))


def load_policy(name: str, custom: Path | None = None) -> RegionPolicy:
    path = _files(custom).get(name)
    if path is None:
        raise PolicyError(f"no region policy named {name[:40]!r}; known: {', '.join(list_policies(custom))}",
                          key="no_policy", params={"policy": name[:40], "known": ", ".join(list_policies(custom))})
    if path.stat().st_size > MAX_FILE_BYTES:
        raise PolicyError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise PolicyError(f"{path}: not JSON ({e})") from None
    policy = _policy_from(data, str(path))
    if policy.name != name:
        raise PolicyError(f"{path}: its name {policy.name!r} differs from the file name")
    return policy


def task_policy(name: str | None) -> RegionPolicy | None:
    """The policy a task names (None: none), re-read when its file changes (the dialer asks every round)."""
    if not name:
        return None
    path = _files(None).get(name)
    if path is None:
        raise PolicyError(f"no region policy named {name[:40]!r}; known: {', '.join(list_policies())}",
                          key="no_policy", params={"policy": name[:40], "known": ", ".join(list_policies())})
    return _cached(name, path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _cached(name: str, _mtime: int) -> RegionPolicy:
    return load_policy(name)


@dataclass(frozen=True)
class HolidayGate:
    """(now, tz) -> (not before, why) when a marketing call then falls on a public holiday the
    policy keeps calls off; None otherwise. An object, not a closure: the screen's worker
    process receives it pickled."""

    policy: RegionPolicy
    business_type: str | None
    windows: Windows

    def __call__(self, now_utc: datetime, tz: str) -> tuple[datetime, str] | None:
        why = self.policy.blocks_marketing(self.business_type, now_utc, tz)
        if why is None:
            return None
        return self.policy.next_working_day(now_utc, tz, self.windows), f"{why}; deferred"


def holiday_gate(policy: RegionPolicy | None, business_type: str | None, windows: Windows) -> HolidayGate | None:
    """The gate for the screen and the dialer; None when the task has no holiday rule."""
    if policy is None or not policy.no_marketing_on_holidays or business_type != "marketing":
        return None
    return HolidayGate(policy, business_type, windows)


def effective_windows(task_windows: Windows, policy: RegionPolicy | None) -> Windows:
    """The task's windows cut to the policy's calling hours (both in the customer's local time)."""
    if policy is None or not policy.calling_hours.spans:
        return task_windows
    if not task_windows.spans:
        return policy.calling_hours
    spans = [(max(a, c), min(b, d)) for a, b in task_windows.spans for c, d in policy.calling_hours.spans
             if max(a, c) < min(b, d)]
    return Windows(tuple(sorted(spans))) if spans else Windows(((0, 0),))


def effective_caps(caps: Caps, policy: RegionPolicy | None) -> Caps:
    if policy is None or policy.max_attempts is None:
        return caps
    m = policy.max_attempts
    return Caps(min(caps.day, m.day), min(caps.week, m.week), min(caps.month, m.month))
