"""Where a number belongs: province, city and operator from ``phonenumbers``' geocoder and carrier data.

Lookups go straight to the prefix tables (no parsing) and are cached by the first digits the
tables can use (``86`` + 7 for a Chinese mobile): a dictionary hit once a prefix was seen, a few
microseconds the first time.
"""

from __future__ import annotations

from typing import NamedTuple

from phonenumbers.carrierdata import CARRIER_DATA as _CARRIER
from phonenumbers.carrierdata import CARRIER_LONGEST_PREFIX as _CARRIER_LONGEST
from phonenumbers.geodata import GEOCODE_DATA as _GEO
from phonenumbers.geodata import GEOCODE_LONGEST_PREFIX as _GEO_LONGEST

__all__ = ["Region", "TierKeys", "region_of", "lookup", "clear_cache", "UNKNOWN"]

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

#: the picker's index keys of a region, best tier first: (province, city), province, operator, "" (any)
TierKeys = tuple[tuple[str, str] | None, str | None, str | None, str]


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


#: per number prefix: its region and the picker's tier keys (city, province, operator, any);
#: identical regions share one value, so a million distinct prefixes cost only their keys
_CACHE: dict[str, tuple[Region, TierKeys]] = {}
_SHARED: dict[tuple[str, str], tuple[Region, TierKeys]] = {}
_CARRIER_CACHE: dict[str, dict[str, str]] = {}
_CACHE_MAX = 2_000_000


def _max_lengths(table: dict[str, dict[str, str]]) -> dict[str, int]:
    """Longest key per two-digit start (China's carrier keys stop at 6 digits, its places at 9)."""
    out: dict[str, int] = {}
    for k in table:
        if len(k) > out.get(k[:2], 0):
            out[k[:2]] = len(k)
    return out


_CARRIER_LEN = _max_lengths(_CARRIER)


def _carrier(key: str) -> dict[str, str]:
    """Carrier names by the shortest prefix that decides them: a few thousand entries, not a million."""
    short = key[: _CARRIER_LEN.get(key[:2], _CARRIER_LONGEST)]
    hit = _CARRIER_CACHE.get(short)
    if hit is None:
        hit = _CARRIER_CACHE[short] = _longest(_CARRIER, short, _CARRIER_LONGEST) or {}
    return hit


_GEO_LENGTHS: dict[str, tuple[int, ...]] = {}


def _geo_lengths() -> dict[str, tuple[int, ...]]:
    """Key lengths present in the place table per five-digit start, longest first (built once):
    a lookup then tries only lengths that exist instead of every length from nine down."""
    if not _GEO_LENGTHS:
        found: dict[str, set[int]] = {}
        for k in _GEO:
            found.setdefault(k[:5], set()).add(len(k))
        _GEO_LENGTHS.update({p: tuple(sorted(v, reverse=True)) for p, v in found.items()})
    return _GEO_LENGTHS


def _geo(key: str) -> dict[str, str]:
    hit = _GEO.get(key)
    if hit is not None:
        return hit
    lengths = _geo_lengths().get(key[:5])
    if lengths is None:
        return _longest(_GEO, key, min(_GEO_LONGEST, 4)) or {}
    for n in lengths:
        if n <= len(key):
            hit = _GEO.get(key[:n])
            if hit is not None:
                return hit
    return _longest(_GEO, key, min(_GEO_LONGEST, 4)) or {}


def _compute(key: str) -> tuple[Region, TierKeys]:
    geo = _geo(key)
    car = _carrier(key)
    geo_en, car_en = geo.get("en", ""), car.get("en", "")
    shared = _SHARED.get((geo_en, car_en))
    if shared is None:
        province, city = _split(geo_en)
        r = Region(province, city, car_en, geo.get("zh", geo_en), car.get("zh", car_en))
        keys: TierKeys = ((r.province, r.city) if r.city else None, r.province or None, r.operator or None, "")
        shared = _SHARED[(geo_en, car_en)] = (r, keys)
    return shared


def lookup(e164: str) -> tuple[Region, TierKeys]:
    """(region, tier keys) of an E.164 number: one dictionary lookup once its prefix was seen."""
    key = e164[1 : _KEY_LEN + 1] if e164[:1] == "+" else e164[:_KEY_LEN]
    hit = _CACHE.get(key)
    if hit is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        hit = _CACHE[key] = _compute(key)
    return hit


def clear_cache() -> None:
    _CACHE.clear()


def region_of(e164: str) -> Region:
    """The region of an E.164 number (``+86139...``); :data:`UNKNOWN` fields when the data has none."""
    return lookup(e164)[0]
