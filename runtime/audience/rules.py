"""Rule audiences for clear-cut businesses (win-back of suspended users): a visual rule or a SQL condition.

A visual rule is JSON the page builds: ``{"all": [cond | group, ...]}`` or ``{"any": [...]}``
with ``cond = {"field": f, "op": op, "value": v}``. It is validated against the customer
columns first (errors name the place: ``all[1].any[0]: unknown field 'x'``), then evaluated
as one vectorised mask. A SQL rule is a WHERE condition run by DuckDB over the in-memory
customer columns with file and network access switched off, so it can only read customers.
Fields ending in ``_days`` may name a timestamp column ``<x>_at`` as days before now.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np

from huashu.core.errors import UserError
from runtime.audience.frame import Frame, frame_len

__all__ = ["OPS", "RuleError", "validate_rule", "evaluate_rule", "evaluate_sql", "rule_mask", "rule_from_rows"]

OPS: tuple[str, ...] = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in", "between", "is_null", "not_null", "contains")


class RuleError(UserError):
    """A rule that cannot be evaluated; the message says where."""


def _column(frame: Frame, name: str, now: np.datetime64) -> np.ndarray | None:
    if name in frame:
        return frame[name]
    if name.endswith("_days") and f"{name.removesuffix('_days')}_at" in frame:
        ts = frame[f"{name.removesuffix('_days')}_at"]
        days = (now - ts.astype("datetime64[s]")).astype("timedelta64[s]").astype(float) / 86400.0
        days[np.isnat(ts)] = np.nan
        return days
    return None


def validate_rule(rule: Any, fields: set[str], where: str = "rule") -> list[str]:
    """Every problem in ``rule`` as ``place: message``; empty when the rule is fine."""
    errors: list[str] = []
    if not isinstance(rule, Mapping):
        return [f"{where}: must be an object"]
    groups = [k for k in ("all", "any") if k in rule]
    if groups:
        if len(groups) > 1 or len(rule) > 1:
            return [f"{where}: a group has exactly one key, 'all' or 'any'"]
        items = rule[groups[0]]
        if not isinstance(items, list) or not items:
            return [f"{where}.{groups[0]}: must be a non-empty list"]
        for i, sub in enumerate(items):
            errors += validate_rule(sub, fields, f"{where}.{groups[0]}[{i}]")
        return errors
    fld, op = rule.get("field"), rule.get("op")
    if not isinstance(fld, str) or (
        fld not in fields and not (fld.endswith("_days") and f"{fld.removesuffix('_days')}_at" in fields)
    ):
        errors.append(f"{where}: unknown field {fld!r}")
    if op not in OPS:
        errors.append(f"{where}: unknown operator {op!r} (use one of {', '.join(OPS)})")
    value = rule.get("value")
    if op in ("in", "not_in") and not isinstance(value, list):
        errors.append(f"{where}: {op} needs a list value")
    if op == "between" and not (isinstance(value, list) and len(value) == 2):
        errors.append(f"{where}: between needs [low, high]")
    if op in ("==", "!=", ">", ">=", "<", "<=", "contains") and value is None:
        errors.append(f"{where}: {op} needs a value")
    return errors


def _cond(values: np.ndarray, op: str, value: Any, where: str) -> np.ndarray:
    numeric = values.dtype.kind in "fiub"
    null = np.isnan(values) if values.dtype.kind == "f" else (values == "") | (values == None)  # noqa: E711
    if op == "is_null":
        return np.asarray(null)
    if op == "not_null":
        return np.asarray(~null)

    def conv(v: Any) -> Any:
        if numeric:
            try:
                return float(v)
            except (TypeError, ValueError) as e:
                raise RuleError(f"{where}: {v!r} is not a number") from e
        return str(v)

    with np.errstate(invalid="ignore"):
        if op == "==":
            return np.asarray(values == conv(value))
        if op == "!=":
            return np.asarray((values != conv(value)) & ~null)
        if op in (">", ">=", "<", "<="):
            if not numeric:
                raise RuleError(f"{where}: {op} needs a numeric field")
            v = conv(value)
            return np.asarray({">": values > v, ">=": values >= v, "<": values < v, "<=": values <= v}[op])
        if op in ("in", "not_in"):
            m = np.isin(values, [conv(v) for v in value])
            return np.asarray(m if op == "in" else ~m & ~null)
        if op == "between":
            lo, hi = conv(value[0]), conv(value[1])
            return np.asarray((values >= lo) & (values <= hi))
        if op == "contains":
            needle = str(value)
            return np.fromiter((needle in str(x) for x in values), dtype=bool, count=len(values))
    raise RuleError(f"{where}: unknown operator {op!r}")


def evaluate_rule(rule: Mapping[str, Any], frame: Frame, now: np.datetime64, where: str = "rule") -> np.ndarray:
    """The mask of customers matching ``rule`` (validate first for friendly errors)."""
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        masks = [evaluate_rule(sub, frame, now, f"{where}.{key}[{i}]") for i, sub in enumerate(rule[key])]
        return np.logical_and.reduce(masks) if key == "all" else np.logical_or.reduce(masks)
    col = _column(frame, rule["field"], now)
    if col is None:
        raise RuleError(f"{where}: unknown field {rule['field']!r}")
    return _cond(col, rule["op"], rule.get("value"), where)


SQL_TIMEOUT_S = 30.0


def evaluate_sql(condition: str, frame: Frame, timeout_s: float = SQL_TIMEOUT_S) -> np.ndarray:
    """The mask of customers for which the SQL ``condition`` (a WHERE clause) holds.

    The condition is an operator's text: it runs on its own in-memory DuckDB with no access to
    files or the network, configuration locked, and is interrupted after ``timeout_s`` (a
    condition such as ``(SELECT count(*) FROM range(1e12)) > 0`` would otherwise hold a worker
    for hours)."""
    if ";" in condition:
        raise RuleError("sql: only one condition, no ';'")
    con = duckdb.connect()
    timer = threading.Timer(timeout_s, con.interrupt)
    try:
        con.register("customers", {k: v for k, v in frame.items()})
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        timer.start()
        try:
            # The condition is the operator's own filter over their in-memory list (no files,
            # no network, locked settings, bounded time): that is what this feature is.
            rows = con.execute(f"SELECT customer_id FROM customers WHERE {condition}").fetchall()  # noqa: S608
        except duckdb.InterruptException as e:
            raise RuleError(f"sql: the condition ran longer than {timeout_s:g} s and was stopped") from e
        except duckdb.Error as e:
            raise RuleError(f"sql: {str(e).splitlines()[0]}") from e
    finally:
        timer.cancel()
        con.close()
    chosen = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return np.isin(np.asarray(frame["customer_id"], dtype=np.int64), chosen)


def rule_mask(rule: Mapping[str, Any], frame: Frame, now: np.datetime64) -> np.ndarray:
    """Evaluate a stored rule: ``{"sql": "..."}`` or a visual rule; raises :class:`RuleError`."""
    if frame_len(frame) == 0:
        return np.zeros(0, dtype=bool)
    if "sql" in rule:
        return evaluate_sql(str(rule["sql"]), frame)
    errors = validate_rule(rule, set(frame))
    if errors:
        raise RuleError("; ".join(errors))
    return evaluate_rule(rule, frame, now)


def rule_from_rows(combinator: str, rows: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A visual rule from the page's form rows ``(field, op, text)``; blank rows are skipped.

    ``in`` / ``not_in`` / ``between`` take comma-separated values; ``is_null`` / ``not_null`` none.
    """
    if combinator not in ("all", "any"):
        raise RuleError(f"combine conditions with 'all' or 'any', not {combinator!r}")
    conds: list[dict[str, Any]] = []
    for i, (fld, op, text) in enumerate(rows):
        fld, op, text = fld.strip(), op.strip(), text.strip()
        if not fld:
            continue
        cond: dict[str, Any] = {"field": fld, "op": op}
        if op in ("in", "not_in", "between"):
            cond["value"] = [v.strip() for v in text.split(",") if v.strip()]
        elif op not in ("is_null", "not_null"):
            if not text:
                raise RuleError(f"row {i + 1}: {fld} {op} needs a value")
            cond["value"] = text
        conds.append(cond)
    if not conds:
        raise RuleError("the rule has no condition")
    return {combinator: conds}
