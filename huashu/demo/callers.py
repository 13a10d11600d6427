"""The demo's local caller-id pool: one number in each city the called customers live in.

Made from the customers' own mobile prefixes (prefix + ``8888``: the same city and operator in
``phonenumbers``' data), so the dialer's local-first pick finds a same-city number for nearly
every call and the simulator's customers answer it as a local call. Created once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from runtime.campaigns.callerid.regions import region_of
from runtime.campaigns.callerid.store import import_numbers, list_pools
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.phones import normalize

__all__ = ["DEMO_POOL", "ensure_demo_pool"]

DEMO_POOL = "demo-local"
#: a city's number may call this many times a day in the demo (the run never waits for a cap)
DEMO_CAP = 5000


def ensure_demo_pool(engine: Engine, rows: Sequence[CustomerRow], region: str = "CN") -> int:
    """Create the pool if missing; returns its number of caller ids."""
    for p in list_pools(engine):
        if p["name"] == DEMO_POOL:
            return int(p["numbers"])
    by_city: dict[tuple[str, str], str] = {}
    for row in rows:
        check = normalize(row.phone, region)
        if not check.ok or check.e164 is None:
            continue
        r = region_of(check.e164)
        key = (r.province, r.city)
        if r.city and key not in by_city:
            by_city[key] = check.e164[3:10] + "8888"  # +86 and the 7-digit prefix
    import_numbers(engine, DEMO_POOL, [(i + 1, n, None) for i, n in enumerate(sorted(by_city.values()))],
                   region, default_cap=DEMO_CAP)
    return len(by_city)
