"""The dial-queue screen: for each customer row, the checks in the order the issue fixes.

1. number format (E.164 or national, configurable), then the script variables' values against
their declared types (``bad_variable``: an amount of "abc" is dropped at intake with its line,
not found at dial time), then the random hold-out control group
(``held_out``: never called by any campaign), 2. global and per-task blacklist,
3. same business within the dedupe window — called, or already queued and not called yet —
(and repeats inside the same list),
4. frequency caps per number per day / 7 days / month, 5. calling window in the customer's
time zone (outside it the number is deferred to the next opening, not dropped), then — for a
best-time task — the customer's best half hour later today (deferred too), 6. queued.

Pure: the caller loads the blacklist, recent numbers and counts, then calls :func:`screen`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from hashlib import sha256 as _sha256
from hmac import new as _hmac
from typing import Any, NamedTuple

from runtime.campaigns.consent import basis_of
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.phones import national_checker, normalize, number_timezone
from runtime.campaigns.windows import Windows, zone
from runtime.dialog.render import render_value

__all__ = ["Caps", "ScreenContext", "Verdict", "screen", "screen_one_number", "best_start", "DROP_REASONS",
           "FLAG_REASONS", "SECONDARY_IGNORED", "CHECKED_TYPES", "variable_types", "check_row_variables"]

#: Declared variable types whose values can be wrong (a ``string`` is always fine).
CHECKED_TYPES = frozenset({"number", "amount", "date", "phone"})

#: reason code -> what it means, for docs, screens and exports.
DROP_REASONS: dict[str, str] = {
    "empty": "no phone number in the row",
    "bad_format": "the value is not a phone number",
    "invalid_number": "not a valid number for the region",
    "wrong_format": "not in the configured number format",
    "bad_variable": "a script variable's value does not fit its declared type (number, amount, date, phone)",
    "control_group": "the customer is in the random hold-out control group (never called)",
    "erased": "the number was erased on request (only its keyed hash is kept, on the suppression list)",
    "opted_out": "the number opted out (on a call, by SMS, to an operator): wins over any consent",
    "blacklisted": "on the global blacklist",
    "blacklisted_task": "on this task's blacklist",
    "duplicate_in_list": "appears earlier in the same list",
    "recent_business": "already called, or queued and not yet called, for the same business within the dedupe window",
    "cap_day": "daily call cap reached for this number",
    "cap_week": "7-day call cap reached for this number",
    "cap_month": "monthly call cap reached for this number",
    "no_consent": "no legal basis for this task's business type (marketing needs consent)",
}


#: flag code -> what it means: a row kept (or dropped for its own reason) with part of it ignored.
FLAG_REASONS: dict[str, str] = {
    "bad_secondary": "the secondary number is not a valid phone number; it is ignored and the primary kept",
}

#: how a verdict's note starts when the row's secondary number was ignored (reason ``bad_secondary``)
SECONDARY_IGNORED = "secondary number ignored"


@dataclass(frozen=True, slots=True)
class Caps:
    day: int = 2
    week: int = 5
    month: int = 10


@dataclass(slots=True)
class ScreenContext:
    now_utc: datetime
    region: str = "CN"
    number_format: str = "any"
    global_blacklist: set[str] = field(default_factory=set)
    task_blacklist: set[str] = field(default_factory=set)
    #: numbers called (a call placed) for the task's business within the dedupe window
    recent_business: set[str] = field(default_factory=set)
    #: numbers queued for the business and not called yet (open jobs): dropped like the called
    #: ones, with a message that says so
    recent_queued: set[str] = field(default_factory=set)
    dedupe_days: int = 30
    #: phone -> (calls today, last 7 days, last 30 days), attempts plus open jobs
    counts: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    caps: Caps = field(default_factory=Caps)
    windows: Windows = field(default_factory=Windows)
    default_tz: str = "Asia/Shanghai"
    #: customer ids in the hold-out control group; may be filled while rows stream in
    #: (:func:`runtime.campaigns.holdout.mark_held_out` adds each batch before it yields it)
    held_out: set[str] = field(default_factory=set)
    #: best-time tasks: a row's best local half-hour slots (0..47), best first; None = no data
    best_slots: Callable[[CustomerRow], Sequence[int] | None] | None = None
    #: script variable -> declared type (see :func:`variable_types`); empty = values unchecked
    variable_types: Mapping[str, str] = field(default_factory=dict)
    #: numbers that opted out (:mod:`runtime.campaigns.optout`)
    opted_out: set[str] = field(default_factory=set)
    #: the legal bases the task's business type accepts; None = consent not checked
    consent_bases: frozenset[str] | None = None
    #: keyed hashes of erased numbers (:mod:`runtime.privacy.suppression`) and the key: never called again
    suppressed: set[str] = field(default_factory=set)
    suppress_key: bytes | None = None
    #: a region policy's holiday rule: (now, tz) -> (not before, why) or None (:mod:`runtime.campaigns.regions`)
    holiday_gate: Callable[[datetime, str], tuple[datetime, str] | None] | None = None


class Verdict(NamedTuple):
    """A named tuple, not a dataclass: a million of them are built per big list."""

    row: CustomerRow
    state: str  # queued | dropped
    phone: str | None = None
    phone_raw: str | None = None
    phone2: str | None = None
    reason: str | None = None
    message: str | None = None
    not_before: datetime | None = None
    note: str | None = None


def best_start(now_utc: datetime, tz: str, ranked: Sequence[int]) -> datetime | None:
    """When to call for a customer whose best slots are ``ranked``: the start (UTC) of the first
    ranked slot still ahead today, or None to call now (already in such a slot, or all passed)."""
    local = now_utc.astimezone(zone(tz))
    minute = local.hour * 60 + local.minute
    for slot in ranked:
        start, end = slot * 30, slot * 30 + 30
        if minute >= end:
            continue
        if minute >= start:
            return None
        return local.replace(hour=start // 60, minute=start % 60, second=0, microsecond=0).astimezone(UTC)
    return None


def variable_types(document: Mapping[str, Any]) -> dict[str, str]:
    """The checked variable types a script document declares (for ``ScreenContext.variable_types``)."""
    from designer.model import Script

    return {n: v.type for n, v in Script.from_dict(dict(document)).variables.items() if v.type in CHECKED_TYPES}


def check_row_variables(variables: Mapping[str, Any], types: Mapping[str, str]) -> str | None:
    """Why a row's variable values do not fit the script's types, or None.

    The rules are the dialog renderer's own (:func:`runtime.dialog.render.render_value`), so a
    value accepted here is one the call can speak. Blank values pass: whether a variable is
    required is the call's check, not a type error.
    """
    for name, vtype in types.items():
        value = variables.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            # The English reading: the same parsing (spoken.as_decimal, the date reader) as the
            # Chinese one at a third of the cost, which counts on million-row lists.
            spoken = render_value(value, vtype, False)
        except ValueError as e:
            return f"variable {name!r} ({vtype}): {e}"
        except ArithmeticError:  # decimal.InvalidOperation for "nan", "Infinity", "1e400"
            return f"variable {name!r} ({vtype}): {value!r} is not a {'date' if vtype == 'date' else 'number'}"
        if vtype == "phone" and not spoken:
            return f"variable {name!r} (phone): {str(value)!r} is not a phone number"
    return None


def screen_one_number(phone: str, ctx: ScreenContext) -> tuple[str, str] | None:
    """Checks 2, 3 (same business) and 4, in that order, for an already valid E.164 number —
    the secondary leg gets the same screen as a primary before it is dialled."""
    if phone in ctx.opted_out:
        return "opted_out", f"{phone} opted out"
    if phone in ctx.global_blacklist:
        return "blacklisted", f"{phone} is on the global blacklist"
    if phone in ctx.task_blacklist:
        return "blacklisted_task", f"{phone} is on this task's blacklist"
    recent = _recent(phone, ctx)
    if recent is not None:
        return "recent_business", recent
    return _caps(phone, ctx)


def _recent(phone: str, ctx: ScreenContext) -> str | None:
    if phone in ctx.recent_business:
        return f"{phone} was called for this business in the last {ctx.dedupe_days} days"
    if phone in ctx.recent_queued:
        return f"{phone} is already queued for this business (not called yet)"
    return None


def _caps(phone: str, ctx: ScreenContext) -> tuple[str, str] | None:
    c = ctx.counts.get(phone)
    if c is None:
        return None
    caps = ctx.caps
    if c[0] >= caps.day:
        return "cap_day", f"{phone} has {c[0]} calls today (cap {caps.day})"
    if c[1] >= caps.week:
        return "cap_week", f"{phone} has {c[1]} calls in 7 days (cap {caps.week})"
    if c[2] >= caps.month:
        return "cap_month", f"{phone} has {c[2]} calls in 30 days (cap {caps.month})"
    return None


def screen(rows: Iterable[CustomerRow], ctx: ScreenContext, seen: dict[str, int] | None = None) -> Iterator[Verdict]:
    """One verdict per row, in input order; nothing is skipped without a verdict.

    ``seen`` (number -> row) carries "earlier in the same list" across calls when one list is
    screened in parts. Written for million-row lists: the context's sets are bound once, a plain
    national number is checked by one precompiled pattern (:func:`national_checker`,
    :func:`normalize` for the rest and for the reasons), and the calling window is decided once
    per time zone."""
    if seen is None:
        seen = {}
    region, fmt = ctx.region, ctx.number_format
    national = national_checker(region, fmt)
    g_black, t_black, called, queued = ctx.global_blacklist, ctx.task_blacklist, ctx.recent_business, ctx.recent_queued
    counts, held_out, types = ctx.counts, ctx.held_out, ctx.variable_types
    opted_out, bases = ctx.opted_out, ctx.consent_bases
    suppressed, key = (ctx.suppressed, ctx.suppress_key) if ctx.suppressed and ctx.suppress_key else (None, b"")
    windowed, best = bool(ctx.windows.spans) or ctx.holiday_gate is not None, ctx.best_slots is not None
    deferral: dict[str, tuple[datetime | None, str | None]] = {}  # time zone -> (not before, note)
    for row in rows:
        p1 = row.phone
        phone = national(p1)
        raw = p1 if type(p1) is str else (None if p1 is None else str(p1))
        if phone is None:
            chk = normalize(p1, region, fmt)
            if chk.e164 is None:
                yield Verdict(row, "dropped", None, raw, reason=chk.reason, message=f"row {row.row_no}: {chk.message}")
                continue
            phone = chk.e164
        if types and row.variables:
            why = check_row_variables(row.variables, types)
            if why is not None:
                yield Verdict(row, "dropped", phone, raw, reason="bad_variable", message=f"row {row.row_no}: {why}")
                continue
        if held_out and row.customer_id is not None and row.customer_id in held_out:
            yield Verdict(row, "dropped", phone, raw, reason="control_group",
                          message=f"row {row.row_no}: customer {row.customer_id} is in the hold-out control group")
            continue
        p2 = row.phone2
        phone2, note = (None, None) if p2 is None or p2 == "" else _secondary(p2, phone, national, region, fmt)
        if suppressed is not None and _hmac(key, phone.encode(), _sha256).hexdigest() in suppressed:
            yield Verdict(row, "dropped", phone, raw, phone2, "erased", f"row {row.row_no}: the number was erased on request",
                          note=note)
            continue
        if phone in opted_out:
            yield Verdict(row, "dropped", phone, raw, phone2, "opted_out", f"row {row.row_no}: {phone} opted out", note=note)
            continue
        if phone in g_black:
            yield Verdict(row, "dropped", phone, raw, phone2, "blacklisted", f"row {row.row_no}: {phone} is on the global blacklist", note=note)
            continue
        if phone in t_black:
            yield Verdict(row, "dropped", phone, raw, phone2, "blacklisted_task", f"row {row.row_no}: {phone} is on this task's blacklist", note=note)
            continue
        if bases is not None and basis_of(row.consent) not in bases:
            yield Verdict(row, "dropped", phone, raw, phone2, "no_consent",
                          f"row {row.row_no}: {_consent_message(row.consent, bases)}", note=note)
            continue
        first = seen.get(phone)
        if first is not None:
            yield Verdict(row, "dropped", phone, raw, phone2, "duplicate_in_list", f"row {row.row_no}: {phone} already in row {first}", note=note)
            continue
        seen[phone] = row.row_no
        if phone in called or phone in queued:
            yield Verdict(row, "dropped", phone, raw, phone2, "recent_business", f"row {row.row_no}: {_recent(phone, ctx)}",
                          note=note)
            continue
        if phone in counts:
            capped = _caps(phone, ctx)
            if capped is not None:
                yield Verdict(row, "dropped", phone, raw, phone2, capped[0], f"row {row.row_no}: {capped[1]}", note=note)
                continue
        not_before = None
        if windowed:
            not_before, note = _window_deferral(phone, ctx, deferral, note)
        if best:
            not_before, note = _best_time(row, phone, ctx, not_before, note)
        yield Verdict(row, "queued", phone, raw, phone2, None, None, not_before, note)


def _secondary(p2: object, phone: str, national: Callable[[object], str | None], region: str,
               fmt: str) -> tuple[str | None, str | None]:
    """(the secondary number in E.164, or None; the note when it was given but is not a number).
    The primary number again is no secondary number."""
    note = None
    phone2 = national(p2)
    if phone2 is None:
        chk2 = normalize(p2, region, fmt)
        if chk2.e164 is None:
            note = f"{SECONDARY_IGNORED}: {chk2.message}"
        phone2 = chk2.e164
    return (None if phone2 == phone else phone2), note


def _window_deferral(phone: str, ctx: ScreenContext, deferral: dict[str, tuple[datetime | None, str | None]],
                     note: str | None) -> tuple[datetime | None, str | None]:
    """(not before, note) from the calling windows of the number's time zone, decided once per
    zone (``deferral`` holds the zones seen)."""
    tz = number_timezone(phone, ctx.default_tz)
    got = deferral.get(tz)
    if got is None:
        got = deferral[tz] = _deferral(ctx, tz)
    if got[1] is not None:
        note = (note + "; " if note else "") + got[1]
    return got[0], note


def _consent_message(value: Any, bases: frozenset[str]) -> str:
    named = basis_of(value)
    if value is None or not str(value).strip():
        got = "no legal basis given"
    elif named is None:
        got = f"legal basis {str(value)[:40]!r} is not one of consent, contract, legitimate_interest, none"
    else:
        got = f"legal basis {named!r}"
    return f"{got}; this task needs {' or '.join(sorted(bases))}"


def _deferral(ctx: ScreenContext, tz: str) -> tuple[datetime | None, str | None]:
    """(not before, note) for a number in time zone ``tz`` at the run's "now": one answer a zone."""
    if ctx.holiday_gate is not None:
        held = ctx.holiday_gate(ctx.now_utc, tz)
        if held is not None:
            return held
    if ctx.windows.is_open(ctx.now_utc, tz):
        return None, None
    return ctx.windows.next_open(ctx.now_utc, tz), f"outside the calling window ({tz}); deferred"


def _best_time(row: CustomerRow, phone: str, ctx: ScreenContext, not_before: datetime | None,
               note: str | None) -> tuple[datetime | None, str | None]:
    assert ctx.best_slots is not None
    ranked = ctx.best_slots(row)
    if not ranked:
        return not_before, note  # no data: the normal order
    tz = number_timezone(phone, ctx.default_tz)
    start, text = _best_start_note(not_before or ctx.now_utc, tz, tuple(ranked))
    if start is None:
        return not_before, note
    return start, (note + "; " if note else "") + text


@lru_cache(maxsize=4096)
def _best_start_note(now_utc: datetime, tz: str, ranked: tuple[int, ...]) -> tuple[datetime | None, str]:
    """Cached: a run shares one "now", so a million rows have a handful of distinct answers."""
    start = best_start(now_utc, tz, ranked)
    if start is None:
        return None, ""
    return start, f"best time {start.astimezone(zone(tz)):%H:%M} ({tz}); deferred"
