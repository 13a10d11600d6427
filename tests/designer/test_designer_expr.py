"""The safe condition-expression language the dialog engine evaluates on live calls."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.expr import ExprError, ExprEvalError, eval_expr, parse_expr


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("balance < 0", {"balance": -3}, True),
        ("balance < 0", {"balance": 12.5}, False),
        ("balance < 0", {"balance": "-12.5"}, True),  # CSV text read as a number
        ('plan == "5G"', {"plan": "5G"}, True),
        ('plan == "5G"', {"plan": "4G"}, False),
        ("amount >= 100 and vip", {"amount": 100, "vip": True}, True),
        ("amount >= 100 and vip", {"amount": 100, "vip": False}, False),
        ("not vip or amount * 2 > 150", {"amount": 80, "vip": True}, True),
        ("0 < days <= 7", {"days": 7}, True),
        ("0 < days <= 7", {"days": 8}, False),
        ('plan in ["5G", "4G+"]', {"plan": "4G+"}, True),
        ("level not in [1, 2]", {"level": "3"}, True),
        ("vip == true", {"vip": True}, True),
        ("(a + b) / 2 % 3 == 1", {"a": 3, "b": 5}, True),
        ("-x > 0", {"x": -1}, True),
    ],
)
def test_expressions_evaluate(text: str, env: dict[str, object], expected: bool) -> None:
    assert eval_expr(parse_expr(text), env) is expected


def test_names_are_collected() -> None:
    assert parse_expr("amount >= 100 and vip or plan == 'x'").names == {"amount", "vip", "plan"}
    assert parse_expr("vip == true").names == {"vip"}


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("__import__('os').system('x')", 1, "function calls"),
        ("a.b > 1", 1, "attribute"),
        ("balance < ", 10, "ends too early"),
        ("1 +* 2", 4, "syntax error"),
        ("x[0] == 1", 1, "indexing"),
        ("x if y else z", 1, "if ... else"),
        ("a ** 2", 1, "only + - * / %"),
        ("", 1, "empty"),
        ("  foo(1)", 3, "function calls"),
        ("a == 1 and b.c", 12, "attribute"),
    ],
)
def test_rejects_unsafe_or_broken_text_with_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ExprError) as info:
        parse_expr(text)
    assert info.value.column == column
    assert fragment in str(info.value)


def test_missing_variable_and_bad_types_raise_eval_error() -> None:
    with pytest.raises(ExprEvalError, match="balance"):
        eval_expr(parse_expr("balance < 0"), {})
    with pytest.raises(ExprEvalError, match="compare"):
        eval_expr(parse_expr("plan < 3"), {"plan": "gold"})
    with pytest.raises(ExprEvalError, match="zero"):
        eval_expr(parse_expr("a / b > 1"), {"a": 1, "b": 0})


def test_repetition_cannot_exhaust_memory() -> None:
    with pytest.raises(ExprEvalError, match="numbers"):
        eval_expr(parse_expr('"x" * 999999999999 == ""'), {})
    with pytest.raises(ExprEvalError, match="numbers"):
        eval_expr(parse_expr("[1] * 999999999999 == 1"), {})
    assert eval_expr(parse_expr('first + " " + last == "Li Lei"'), {"first": "Li", "last": "Lei"})


def test_too_long_and_too_deep_are_rejected() -> None:
    with pytest.raises(ExprError, match="longer"):
        parse_expr("a" * 1001)
    with pytest.raises(ExprError):
        parse_expr("not " * 100 + "a")


@settings(max_examples=200, deadline=None)
@given(a=st.integers(-10**6, 10**6), b=st.integers(-10**6, 10**6))
def test_comparisons_agree_with_python(a: int, b: int) -> None:
    env = {"a": a, "b": str(b)}
    assert eval_expr(parse_expr("a < b"), env) is (a < b)
    assert eval_expr(parse_expr("a + b >= 0 and not a == b"), env) is (a + b >= 0 and a != b)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_escapes_the_whitelist(text: str) -> None:
    try:
        parsed = parse_expr(text)
    except ExprError:
        return
    with contextlib.suppress(ExprEvalError):
        eval_expr(parsed, dict.fromkeys(parsed.names, 1))
