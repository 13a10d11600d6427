"""The wizard's plain data: the draft it builds, form parsing, validation and previews.

No database, no request: a form (a dict of strings) goes in, the draft and the problems come
out. A problem is a message key of the i18n catalogue with its parameters, so the page says it
in the user's language next to the field it is about. Between pages the draft is a plain dict
(:meth:`Draft.to_dict`) in a private file (:mod:`web.launch.state`), never a database row: a
wizard left half-way leaves no task, source or audience behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from runtime.campaigns.cronspec import CronError, check_cron, next_fire
from runtime.campaigns.policy import KNOWN_OUTCOMES, parse_outcomes
from runtime.campaigns.tasks import TaskSpec
from runtime.campaigns.windows import WindowError, parse_windows, zone

__all__ = ["Draft", "Problem", "Problems", "NUMBER_KINDS", "SCHEDULES", "REDIAL_CHOICES", "MAPPED_FIELDS", "mapped_column",
           "SettingsForm", "parse_numbers_form", "parse_mapping_form", "parse_settings_form", "check_mapping", "guess_mapping",
           "next_runs", "to_spec", "draft_from_task", "changed_fields", "EDITABLE_WHILE_RUNNING"]

#: (i18n key, parameters): said next to the field, in the page's language
Problem = tuple[str, dict[str, Any]]
Problems = dict[str, Problem]

NUMBER_KINDS = ("upload", "source", "audience")
SCHEDULES = ("now", "once", "cron")
#: outcomes offered as redial reasons (the core knows more; a task edited elsewhere keeps them)
REDIAL_CHOICES = ("no_answer", "busy", "rejected", "unreachable", "network_error", "cancelled")
#: mapped customer fields besides the script variables, in the order the page shows them
MAPPED_FIELDS = ("phone", "secondary_phone", "name", "customer_id", "consent_basis", "consent_date", "consent_source")
#: the consent columns (docs/compliance.md) go into the core mapping's ``consent`` object
CONSENT_PREFIX = "consent_"
#: column names that mean each field, lower case, for a first guess of the mapping
_FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "mobile", "tel", "telephone", "msisdn", "number", "phone_number", "手机", "手机号", "电话",
              "电话号码", "号码", "联系电话"),
    "secondary_phone": ("phone2", "secondary_phone", "second_phone", "backup_phone", "备用电话", "备用号码", "第二号码"),
    "name": ("name", "customer_name", "full_name", "姓名", "客户姓名", "称呼", "客户称呼"),
    "customer_id": ("customer_id", "id", "cust_id", "account", "客户编号", "客户id", "编号"),
    "consent_basis": ("consent", "consent_basis", "legal_basis", "同意", "授权", "法律依据", "营销授权"),
    "consent_date": ("consent_date", "consent_at", "同意日期", "授权日期", "授权时间"),
    "consent_source": ("consent_source", "consent_channel", "同意来源", "授权渠道", "授权来源"),
}


def mapped_column(mapping: Mapping[str, Any], f: str) -> str | None:
    """The column chosen for field ``f`` (a consent field lives in the ``consent`` object)."""
    if f.startswith(CONSENT_PREFIX):
        consent = mapping.get("consent") or {}
        return consent.get(f[len(CONSENT_PREFIX):]) if isinstance(consent, Mapping) else None
    col = mapping.get(f)
    return col if isinstance(col, str) else None


def _put(mapping: dict[str, Any], f: str, col: str) -> None:
    if f.startswith(CONSENT_PREFIX):
        mapping.setdefault("consent", {})[f[len(CONSENT_PREFIX):]] = col
    else:
        mapping[f] = col
#: what a running task may change: everything the dialer re-reads each round (the core's
#: ``update_task``); the numbers and the script stay those it was started with
EDITABLE_WHILE_RUNNING = frozenset({
    "name", "windows", "max_concurrent", "calls_per_second", "spread", "priority", "redial_count",
    "redial_interval_s", "redial_outcomes", "call_secondary", "caller_id", "caller_pool", "voice", "agent_group",
    "dedupe_days", "misfire", "schedule_kind", "cron", "timezone", "once_at", "answer_mode", "answer_on_machine",
    "answer_message", "answer_screener_text", "best_time",
})
_MAX_TEXT = 500
_VOICE = re.compile(r"^[A-Za-z0-9_.:@-]{1,80}$")
_CALLER_ID = re.compile(r"^\+?[0-9]{3,20}$")
_NAME_MAX = 120


@dataclass
class Draft:
    """Everything the CLI's ``campaign create`` can set, plus where the wizard is."""

    wid: str
    task_id: int | None = None  # editing this task; None while launching a new one
    task_status: str | None = None
    script_id: str = ""
    script_version: int | None = None
    name: str = ""
    business: str = ""
    numbers: str = "upload"
    upload_path: str | None = None  # the wizard's private copy (deleted when the wizard ends)
    upload_name: str | None = None
    source_id: int | None = None
    query: str = ""
    query_params: dict[str, str] = field(default_factory=dict)
    audience_id: int | None = None
    mapping: dict[str, Any] = field(default_factory=lambda: {"phone": "phone"})
    schedule: str = "now"
    once_at: str = ""  # local time, YYYY-MM-DDTHH:MM (a datetime-local input)
    cron: str = ""
    # the task's own defaults (runtime.campaigns.tasks.TaskSpec), so the wizard and the CLI start alike
    timezone: str = TaskSpec.timezone
    windows: str = TaskSpec.windows
    max_concurrent: int = TaskSpec.max_concurrent
    calls_per_second: float = TaskSpec.calls_per_second
    spread: bool = TaskSpec.spread
    priority: int = TaskSpec.priority
    redial_count: int = TaskSpec.redial_count
    redial_interval_s: int = TaskSpec.redial_interval_s
    redial_outcomes: str = TaskSpec.redial_outcomes
    call_secondary: bool = TaskSpec.call_secondary
    caller_id: str = ""
    caller_pool: str = ""
    voice: str = ""
    agent_group: str = ""
    dedupe_days: int | None = TaskSpec.dedupe_days
    misfire: str = TaskSpec.misfire
    business_type: str = ""
    region_policy: str = ""
    answer_mode: str = "node"
    answer_on_machine: str = ""
    answer_message: str = ""
    answer_screener_text: str = ""
    best_time: bool = False

    def column_for(self, f: str) -> str | None:
        """The column mapped to field ``f`` (the page's select shows it)."""
        return mapped_column(self.mapping, f)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Draft:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    @property
    def variables(self) -> dict[str, str]:
        v = self.mapping.get("variables") or {}
        return dict(v) if isinstance(v, dict) else {}


def _text(form: Mapping[str, Any], key: str, limit: int = _MAX_TEXT) -> str:
    v = form.get(key)
    return _cut(v if isinstance(v, str) else "", limit)


def _int(raw: str, key: str, lo: int, hi: int | None, problems: Problems, default: int) -> int:
    """A whole number field as posted; a problem is filed under ``key``."""
    raw = _cut(raw, 20)
    if raw == "":
        return default
    try:
        n = int(raw)
    except ValueError:
        problems[key] = ("launch.err.whole_number", {})
        return default
    if n < lo or (hi is not None and n > hi):
        problems[key] = ("launch.err.range", {"lo": lo, "hi": hi if hi is not None else "∞"})
    return n


def _many(value: str | list[str]) -> list[str]:
    """A field that may repeat (checkboxes): a list, one string, or nothing."""
    items = value if isinstance(value, list) else [value]
    return [i.strip() for i in items if isinstance(i, str) and i.strip()]


def _checked(value: str) -> bool:
    """A checkbox that is on."""
    return _cut(value, 8) in ("1", "on", "true", "yes")


def _cut(value: str, limit: int = _MAX_TEXT) -> str:
    return value.strip()[:limit]


def parse_numbers_form(draft: Draft, form: Mapping[str, Any]) -> Problems:
    """Step 1: the script, the task's name and business, where the numbers come from."""
    problems: Problems = {}
    draft.name = _text(form, "name", _NAME_MAX)
    if not draft.name:
        problems["name"] = ("launch.err.required", {})
    draft.business = _text(form, "business", _NAME_MAX)
    if not draft.business:
        problems["business"] = ("launch.err.required", {})
    script = _text(form, "script", 200)
    if script:
        draft.script_id, _, version = script.partition("@")
        draft.script_version = int(version) if version.isdigit() else None
    if not draft.script_id:
        problems["script"] = ("launch.err.required", {})
    kind = _text(form, "numbers", 20)
    draft.numbers = kind if kind in NUMBER_KINDS else "upload"
    if draft.numbers == "source":
        sid = _text(form, "source_id", 12)
        draft.source_id = int(sid) if sid.isdigit() else None
        draft.query = _text(form, "query", 4000)
        draft.query_params = _params(_text(form, "query_params", 2000), problems)
        if draft.source_id is None:
            problems["source_id"] = ("launch.err.required", {})
    elif draft.numbers == "audience":
        aid = _text(form, "audience_id", 12)
        draft.audience_id = int(aid) if aid.isdigit() else None
        if draft.audience_id is None:
            problems["audience_id"] = ("launch.err.required", {})
    elif draft.upload_path is None:
        problems["file"] = ("launch.err.no_file", {})
    if draft.numbers != "audience":
        problems.update(parse_mapping_form(draft, form))
    return problems


def _params(text: str, problems: Problems) -> dict[str, str]:
    """``a=1, b=x`` (the CLI's ``--param`` pairs, comma-separated)."""
    out: dict[str, str] = {}
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        k, sep, v = piece.partition("=")
        if not sep or not k.strip():
            problems["query_params"] = ("launch.err.pairs", {"item": piece[:40]})
            continue
        out[k.strip()] = v.strip()
    return out


def parse_mapping_form(draft: Draft, form: Mapping[str, Any]) -> Problems:
    """The column chosen for each field (``map_phone``...) and variable (``var_<name>``)."""
    mapping: dict[str, Any] = {}
    for f in MAPPED_FIELDS:
        col = _text(form, f"map_{f}", 200)
        if col:
            _put(mapping, f, col)
    variables: dict[str, str] = {}
    for key in form:
        if key.startswith("var_"):
            col = _text(form, key, 200)
            if col:
                variables[key[4:]] = col
    if variables:
        mapping["variables"] = variables
    if any(k.startswith("map_") or k.startswith("var_") for k in form):
        draft.mapping = mapping
    return {}


def check_mapping(mapping: Mapping[str, Any], columns: Sequence[str], required: Iterable[str]) -> Problems:
    """Every mapped column exists, the phone is mapped, every required variable is mapped."""
    problems: Problems = {}
    have = set(columns)
    if not mapping.get("phone"):
        problems["map_phone"] = ("launch.err.phone_unmapped", {})
    for f in MAPPED_FIELDS:
        col = mapped_column(mapping, f)
        if col and col not in have:
            problems[f"map_{f}"] = ("launch.err.no_column", {"column": col})
    consent = mapping.get("consent") or {}
    if consent and not consent.get("basis"):  # a date or source alone proves nothing
        problems["map_consent_basis"] = ("launch.err.consent_basis", {})
    variables = mapping.get("variables") or {}
    for var in sorted(required):
        col = variables.get(var)
        if not col:
            problems[f"var_{var}"] = ("launch.err.var_unmapped", {"var": var})
        elif col not in have:
            problems[f"var_{var}"] = ("launch.err.no_column", {"column": col})
    for var, col in variables.items():
        if f"var_{var}" not in problems and col not in have:
            problems[f"var_{var}"] = ("launch.err.no_column", {"column": col})
    return problems


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip().lower())


def guess_mapping(columns: Sequence[str], variables: Iterable[str]) -> dict[str, Any]:
    """A first mapping from the column names: the usual names of each field, and a variable to
    the column of the same name. The operator corrects it on the page."""
    by_norm = {_norm(c): c for c in columns}
    mapping: dict[str, Any] = {}
    taken: set[str] = set()
    for f, names in _FIELD_NAMES.items():
        for n in names:
            col = by_norm.get(_norm(n))
            if col is not None and col not in taken:
                _put(mapping, f, col)
                taken.add(col)
                break
    chosen: dict[str, str] = {}
    for var in variables:
        col = by_norm.get(_norm(var))
        if col is None and var == "name" and "name" in mapping:
            col = mapping["name"]  # the script's ${name} is usually the customer's name
        if col is not None:
            chosen[var] = col
    if chosen:
        mapping["variables"] = chosen
    return mapping


@dataclass
class SettingsForm:
    """Step 2's form as the page posts it (``data: Annotated[SettingsForm, URL_ENCODED]``): text
    as typed, checked by :func:`parse_settings_form`. ``name`` is None when the form has no name
    field (a new task's name is asked for on step 1); ``redial_outcomes`` repeats (checkboxes)."""

    name: str | None = None
    schedule: str = ""
    once_at: str = ""
    cron: str = ""
    timezone: str = ""
    windows: str = ""
    max_concurrent: str = ""
    calls_per_second: str = ""
    spread: str = ""
    priority: str = ""
    redial_count: str = ""
    redial_interval_min: str = ""
    redial_outcomes: str | list[str] = field(default_factory=list)
    call_secondary: str = ""
    caller_id: str = ""
    caller_pool: str = ""
    voice: str = ""
    agent_group: str = ""
    dedupe_days: str = ""
    misfire: str = ""
    business_type: str = ""
    region_policy: str = ""
    answer_mode: str = ""
    answer_on_machine: str = ""
    answer_message: str = ""
    answer_screener_text: str = ""
    best_time: str = ""

    @classmethod
    def of(cls, form: Mapping[str, Any]) -> SettingsForm:
        """The form from a plain mapping (a value that is not text counts as empty, as on the wire)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in form:
                v = form[f.name]
                many = f.name == "redial_outcomes" and isinstance(v, list)
                values[f.name] = v if isinstance(v, str) or many else ""
        return cls(**values)

    @classmethod
    def of_draft(cls, draft: Draft) -> SettingsForm:
        """The draft's settings as the page would post them (re-checked before Start)."""
        on = "1"
        return cls(
            schedule=draft.schedule, once_at=draft.once_at, cron=draft.cron, timezone=draft.timezone,
            windows=draft.windows, max_concurrent=str(draft.max_concurrent),
            calls_per_second=str(draft.calls_per_second), spread=on if draft.spread else "",
            priority=str(draft.priority), redial_count=str(draft.redial_count),
            redial_interval_min=str(draft.redial_interval_s // 60),
            redial_outcomes=[o for o in draft.redial_outcomes.split(",") if o],
            call_secondary=on if draft.call_secondary else "", caller_id=draft.caller_id,
            caller_pool=draft.caller_pool, voice=draft.voice, agent_group=draft.agent_group,
            dedupe_days="" if draft.dedupe_days is None else str(draft.dedupe_days), misfire=draft.misfire,
            business_type=draft.business_type, region_policy=draft.region_policy,
            answer_mode=draft.answer_mode, answer_on_machine=draft.answer_on_machine,
            answer_message=draft.answer_message, answer_screener_text=draft.answer_screener_text,
            best_time=on if draft.best_time else "",
        )


def parse_settings_form(draft: Draft, form: SettingsForm | Mapping[str, Any]) -> Problems:
    """Step 2: when, calling windows, pacing, redial, caller id, voice and the rest."""
    f = form if isinstance(form, SettingsForm) else SettingsForm.of(form)
    p: Problems = {}
    if f.name is not None:
        draft.name = _cut(f.name, _NAME_MAX)
        if not draft.name:
            p["name"] = ("launch.err.required", {})
    _parse_schedule(draft, f, p)
    draft.windows = _cut(f.windows, 200)
    try:
        parse_windows(draft.windows)
    except WindowError:
        p["windows"] = ("launch.err.windows", {})
    _parse_pacing(draft, f, p)
    draft.caller_id = _cut(f.caller_id, 24)
    if draft.caller_id and not _CALLER_ID.match(draft.caller_id):
        p["caller_id"] = ("launch.err.caller_id", {})
    draft.caller_pool = _cut(f.caller_pool, 120)
    draft.voice = _cut(f.voice, 80)
    if draft.voice and not _VOICE.match(draft.voice):
        p["voice"] = ("launch.err.voice", {})
    draft.agent_group = _cut(f.agent_group, 120)
    dd = _cut(f.dedupe_days, 6)
    draft.dedupe_days = _int(dd, "dedupe_days", 0, 3650, p, 0) if dd else None
    misfire = _cut(f.misfire, 12)
    draft.misfire = misfire if misfire in ("fire_once", "skip") else "fire_once"
    bt = _cut(f.business_type, 20)
    draft.business_type = bt if bt in ("marketing", "service", "collection") else ""
    draft.region_policy = _cut(f.region_policy, 40)
    if draft.region_policy and not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", draft.region_policy):
        p["region_policy"] = ("launch.err.region_policy", {})
    mode = _cut(f.answer_mode, 8)
    draft.answer_mode = mode if mode in ("node", "on", "off") else "node"
    machine = _cut(f.answer_on_machine, 10)
    draft.answer_on_machine = machine if machine in ("hangup", "message") else ""
    draft.answer_message = _cut(f.answer_message)
    draft.answer_screener_text = _cut(f.answer_screener_text)
    if draft.answer_on_machine == "message" and not draft.answer_message:
        p["answer_message"] = ("launch.err.required", {})
    draft.best_time = _checked(f.best_time)
    return p


def _parse_schedule(draft: Draft, f: SettingsForm, p: Problems) -> None:
    """When: now, once at a local time, or on a cron schedule, in a time zone."""
    schedule = _cut(f.schedule, 8)
    draft.schedule = schedule if schedule in SCHEDULES else "now"
    draft.timezone = _cut(f.timezone, 64) or "Asia/Shanghai"
    try:
        zone(draft.timezone)
    except WindowError:
        p["timezone"] = ("launch.err.timezone", {"tz": draft.timezone})
    draft.once_at = _cut(f.once_at, 20)
    draft.cron = _cut(f.cron, 120)
    if draft.schedule == "once":
        if _once_at(draft) is None:
            p["once_at"] = ("launch.err.once_at", {})
    elif draft.schedule == "cron" and "timezone" not in p:
        problem = cron_problem(draft.cron, draft.timezone)
        if problem is not None:
            p["cron"] = problem


def _parse_pacing(draft: Draft, f: SettingsForm, p: Problems) -> None:
    """How fast and how often: concurrency, calls per second, priority, redials."""
    draft.max_concurrent = _int(f.max_concurrent, "max_concurrent", 1, 1000, p, 5)
    cps = _cut(f.calls_per_second, 20)
    try:
        draft.calls_per_second = float(cps) if cps else 1.0
        if not 0 < draft.calls_per_second <= 1000:
            p["calls_per_second"] = ("launch.err.cps", {})
    except ValueError:
        p["calls_per_second"] = ("launch.err.cps", {})
    draft.spread = _checked(f.spread)
    draft.priority = _int(f.priority, "priority", 0, 9, p, 0)
    draft.redial_count = _int(f.redial_count, "redial_count", 0, 20, p, 0)
    draft.redial_interval_s = 60 * _int(f.redial_interval_min, "redial_interval_min", 0, 7 * 24 * 60, p, 10)
    if "redial_interval_min" in p:
        p["redial_interval_s"] = p.pop("redial_interval_min")
    picked = [o for o in _many(f.redial_outcomes) if o in KNOWN_OUTCOMES]
    draft.redial_outcomes = ",".join(picked)
    if draft.redial_count and not picked:
        p["redial_outcomes"] = ("launch.err.redial_outcomes", {})
    else:
        parse_outcomes(draft.redial_outcomes)  # an allow-listed choice: cannot fail
    draft.call_secondary = _checked(f.call_secondary)


def cron_problem(expr: str, tz: str) -> Problem | None:
    """None for a usable schedule, else why not, in words the page can translate."""
    if not expr.strip():
        return ("launch.err.required", {})
    if len(expr.split()) != 5:
        return ("launch.err.cron_fields", {"n": len(expr.split())})
    try:
        check_cron(expr, tz)
    except CronError as e:
        if "never fires" in str(e):
            return ("launch.err.cron_never", {})
        return ("launch.err.cron_invalid", {})
    return None


_WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
             "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


def when_in_words(t: datetime, lang: str) -> str:
    """``2026年12月8日 周二 09:00`` / ``Tuesday 8 December 2026, 09:00`` (in the task's zone)."""
    wd = _WEEKDAYS.get(lang, _WEEKDAYS["en"])[t.weekday()]
    if lang == "zh":
        return f"{t.year}年{t.month}月{t.day}日 {wd} {t:%H:%M}"
    return f"{wd} {t.day} {_MONTHS_EN[t.month - 1]} {t.year}, {t:%H:%M}"


def next_runs(expr: str, tz: str, lang: str, after: datetime | None = None, n: int = 5) -> list[str]:
    """The next ``n`` fire times of a checked cron expression, in words, in its time zone."""
    at = after or datetime.now(UTC)
    out = []
    for _ in range(n):
        at = next_fire(expr, tz, at)
        out.append(when_in_words(at.astimezone(zone(tz)), lang))
    return out


def _once_at(draft: Draft) -> datetime | None:
    try:
        local = datetime.strptime(draft.once_at, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    try:
        return local.replace(tzinfo=zone(draft.timezone))
    except WindowError:
        return None


def to_spec(draft: Draft, source_id: int | None) -> TaskSpec:
    """The :class:`TaskSpec` the CLI would build from the same choices."""
    mapping = dict(draft.mapping) if draft.numbers != "audience" else {"phone": "phone"}
    return TaskSpec(
        name=draft.name, business=draft.business, source_id=source_id,
        query=draft.query or None if draft.numbers == "source" else None,
        query_params=dict(draft.query_params) if draft.numbers == "source" else {},
        mapping=mapping, schedule_kind="cron" if draft.schedule == "cron" else "once",
        cron=draft.cron if draft.schedule == "cron" else None, timezone=draft.timezone,
        once_at=_once_at(draft) if draft.schedule == "once" else None,
        script_id=draft.script_id, script_version=draft.script_version, voice=draft.voice or None,
        caller_id=draft.caller_id or None, caller_pool=draft.caller_pool or None, priority=draft.priority,
        redial_count=draft.redial_count, redial_interval_s=draft.redial_interval_s,
        redial_outcomes=draft.redial_outcomes or "no_answer,busy", call_secondary=draft.call_secondary,
        windows=draft.windows, max_concurrent=draft.max_concurrent, calls_per_second=draft.calls_per_second,
        spread=draft.spread, agent_group=draft.agent_group or None, dedupe_days=draft.dedupe_days,
        misfire=draft.misfire, audience_id=draft.audience_id if draft.numbers == "audience" else None,
        best_time=draft.best_time, answer_mode=draft.answer_mode,
        answer_on_machine=draft.answer_on_machine or None, answer_message=draft.answer_message or None,
        answer_screener_text=draft.answer_screener_text or None, business_type=draft.business_type or None,
        region_policy=draft.region_policy or None,
    )


def draft_from_task(wid: str, task: Any) -> Draft:
    """A draft holding a stored task's settings, to edit them with the same pages."""
    import json

    once = task.once_at
    if once is not None:
        once = (once if once.tzinfo else once.replace(tzinfo=UTC)).astimezone(zone(task.timezone))
    return Draft(
        wid=wid, task_id=task.id, task_status=task.status, script_id=task.script_id or "",
        script_version=task.script_version, name=task.name, business=task.business,
        numbers="audience" if task.audience_id else "source", source_id=task.source_id, query=task.query or "",
        query_params=json.loads(task.query_params or "{}"), audience_id=task.audience_id,
        mapping=json.loads(task.mapping or "{}"),
        schedule="cron" if task.schedule_kind == "cron" else ("once" if once else "now"),
        once_at=once.strftime("%Y-%m-%dT%H:%M") if once else "", cron=task.cron or "", timezone=task.timezone,
        windows=task.windows, max_concurrent=task.max_concurrent, calls_per_second=task.calls_per_second,
        spread=task.spread, priority=task.priority, redial_count=task.redial_count,
        redial_interval_s=task.redial_interval_s, redial_outcomes=task.redial_outcomes,
        call_secondary=task.call_secondary, caller_id=task.caller_id or "", caller_pool=task.caller_pool or "",
        voice=task.voice or "", agent_group=task.agent_group or "", dedupe_days=task.dedupe_days,
        misfire=task.misfire, business_type=task.business_type or "", region_policy=task.region_policy or "",
        answer_mode=task.answer_mode, answer_on_machine=task.answer_on_machine or "",
        answer_message=task.answer_message or "", answer_screener_text=task.answer_screener_text or "",
        best_time=task.best_time,
    )


def changed_fields(draft: Draft, task: Any) -> dict[str, Any]:
    """The task fields the edited draft changes, limited to what the task's status allows."""
    spec = to_spec(draft, task.source_id)
    allowed = EDITABLE_WHILE_RUNNING
    out: dict[str, Any] = {}
    for k in allowed:
        new = getattr(spec, k)
        old = getattr(task, k)
        if k == "once_at" and old is not None and old.tzinfo is None:
            old = old.replace(tzinfo=UTC)
        if new != old:
            out[k] = new
    return out
