"""Where a number belongs: province, city and operator from ``phonenumbers``' geocoder and carrier data.

Lookups go straight to the prefix tables (no parsing) and are cached by the first digits the
tables can use (``86`` + 7 for a Chinese mobile), so a million callees cost about a microsecond
each once their prefixes are warm.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from phonenumbers.carrierdata import CARRIER_DATA as _CARRIER
from phonenumbers.carrierdata import CARRIER_LONGEST_PREFIX as _CARRIER_LONGEST
from phonenumbers.geodata import GEOCODE_DATA as _GEO
from phonenumbers.geodata import GEOCODE_LONGEST_PREFIX as _GEO_LONGEST

__all__ = ["Region", "region_of", "UNKNOWN"]

_KEY_LEN = max(_GEO_LONGEST, _CARRIER_LONGEST)


class Region(NamedTuple):
    """``province``/``city``/``operator`` are English keys used for matching (stable spelling);
    ``label``/``operator_label`` the Chinese names shown to people. Empty when unknown."""

    province: str = ""
    city: str = ""
    operator: str = ""
    label: str = ""
    operator_label: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"province": self.province, "city": self.city, "operator": self.operator,
                "label": self.label, "operator_label": self.operator_label}


UNKNOWN = Region()


def _longest(table: dict[str, dict[str, str]], digits: str, longest: int) -> dict[str, str] | None:
    for n in range(min(longest, len(digits)), 0, -1):
        hit = table.get(digits[:n])
        if hit is not None:
            return hit
    return None


def _split(en: str) -> tuple[str, str]:
    """``"Changzhou, Jiangsu"`` -> (Jiangsu, Changzhou); a municipality (``"Beijing"``) is both."""
    if not en:
        return "", ""
    parts = [p.strip() for p in en.split(",")]
    if len(parts) >= 2:
        return parts[-1], parts[0]
    return parts[0], parts[0]


@lru_cache(maxsize=65536)
def _region_for_key(key: str) -> Region:
    geo = _longest(_GEO, key, _GEO_LONGEST) or {}
    car = _longest(_CARRIER, key, _CARRIER_LONGEST) or {}
    province, city = _split(geo.get("en", ""))
    return Region(province, city, car.get("en", ""), geo.get("zh", geo.get("en", "")), car.get("zh", car.get("en", "")))


def region_of(e164: str) -> Region:
    """The region of an E.164 number (``+86139...``); :data:`UNKNOWN` fields when the data has none."""
    return _region_for_key(e164.lstrip("+")[:_KEY_LEN])
