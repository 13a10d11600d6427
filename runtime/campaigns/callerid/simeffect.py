"""How the simulated customers react to the number they see: a model, not a measurement.

Two effects the field reports and the demo must show (issue 22): people answer a number from
their own city (less so province, operator) more often than a distant or unknown one, and a
number that calls a lot in one day gets flagged by carriers and phone apps, so its answer
rate falls with its daily volume. The factors below multiply the customer's answer
probability; they are assumptions picked to be of the size public threads describe (local
roughly doubles pick-up; a few hundred calls a day halves it), named here so a test or a
benchmark can vary them. Pure.
"""

from __future__ import annotations

from runtime.campaigns.callerid.regions import region_of

__all__ = ["LOCALITY_FACTOR", "VOLUME_KNEE", "locality", "answer_factor"]

#: answer probability multiplier by how the shown number relates to the customer
LOCALITY_FACTOR: dict[str, float] = {"city": 1.0, "province": 0.8, "operator": 0.6, "any": 0.5}
#: daily calls of one number at which its answer rate is halved
VOLUME_KNEE = 300.0


def locality(caller: str | None, callee: str) -> str:
    """city | province | operator | any: the closest thing the two numbers share."""
    if not caller or not caller.startswith("+"):
        return "any"  # a short code or no number: nothing local about it
    a, b = region_of(caller), region_of(callee)
    if a.city and a.city == b.city and a.province == b.province:
        return "city"
    if a.province and a.province == b.province:
        return "province"
    if a.operator and a.operator == b.operator:
        return "operator"
    return "any"


def answer_factor(caller: str | None, callee: str, calls_today: int, knee: float = VOLUME_KNEE) -> float:
    """Multiplier of the customer's answer probability for a call from ``caller``, which has
    already made ``calls_today`` calls today (this one not counted)."""
    decay = 1.0 / (1.0 + (max(0, calls_today) / knee) ** 2)
    return LOCALITY_FACTOR[locality(caller, callee)] * decay
