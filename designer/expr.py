"""Safe expressions for condition branches (``balance < 0``, ``plan == "5G"``, ``amount >= 100 and vip``).

Business users write these in the editor and the runtime evaluates them on live calls, so
they must never run code: the text is parsed with :mod:`ast` and only a whitelist of node
kinds is accepted (names, numbers, strings, booleans, comparisons, ``and``/``or``/``not``,
``+ - * / %``, and ``in`` over a literal list). No calls, attributes, subscripts or lambdas.

Values coming from customer data are often strings (``"-12.5"`` from a CSV); when such a
string meets a number in a comparison or arithmetic it is read as a number, so
``balance < 0`` works whatever the data source delivered.
"""

from __future__ import annotations

import ast
import gc
import operator
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from huashu.core.errors import UserError

__all__ = ["ExprError", "ExprEvalError", "ParsedExpr", "parse_expr", "eval_expr", "MAX_EXPR_LENGTH", "parse_python"]

MAX_EXPR_LENGTH = 1000

# CPython 3.11 keeps the AST builder's recursion count per interpreter, not per frame: when
# Python code runs in the middle of building an AST -- another thread's parse, or a garbage
# collection finalising a generator -- the count drifts and the parse fails with
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905). Seen in the
# full suite when a collected openpyxl writer's finaliser ran during an AST build.
_AST_LOCK = threading.Lock()


def parse_python(text: str, mode: str = "exec") -> Any:  # ast.Module, or ast.Expression for "eval"
    """``ast.parse`` one thread at a time, with the cyclic garbage collector paused for it."""
    with _AST_LOCK:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return ast.parse(text, mode=mode)
        finally:
            if collecting:
                gc.enable()


_MAX_DEPTH = 50
_LITERAL_NAMES: dict[str, Any] = {"true": True, "false": False, "True": True, "False": False,
                                  "null": None, "None": None}


class ExprError(UserError):
    """The expression text is not a valid condition; ``column`` is 1-based."""

    def __init__(self, message: str, column: int, source: str) -> None:
        super().__init__(f"{message} (column {column} of {source!r})")
        self.reason = message
        self.column = column
        self.source = source


class ExprEvalError(UserError):
    """A valid expression that cannot be evaluated on these variables (missing name, bad types)."""


@dataclass(frozen=True, slots=True)
class ParsedExpr:
    """A checked expression; ``names`` are the variables it reads."""

    source: str
    tree: ast.expr
    names: frozenset[str]


_CMP: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_BIN: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
_KIND_NAMES: dict[type[ast.AST], str] = {
    ast.Call: "function calls",
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "indexing ('[...]')",
    ast.Lambda: "lambda",
    ast.Dict: "dictionaries",
    ast.IfExp: "'if ... else'",
    ast.NamedExpr: "':='",
}


def _fail(node: ast.AST, message: str, source: str) -> ExprError:
    return ExprError(message, getattr(node, "col_offset", 0) + 1, source)


def _check(node: ast.AST, source: str, names: set[str], depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        raise _fail(node, "expression is nested too deeply", source)
    d = depth + 1
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, source, names, d)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
            raise _fail(node, "only 'not', '-' and '+' may stand before a value", source)
        _check(node.operand, source, names, d)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BIN:
            raise _fail(node, "only + - * / % are allowed between values", source)
        _check(node.left, source, names, d)
        _check(node.right, source, names, d)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _CMP:
                raise _fail(node, "only == != < <= > >= in / not in compare values", source)
        _check(node.left, source, names, d)
        for c in node.comparators:
            _check(c, source, names, d)
    elif isinstance(node, ast.Name):
        if node.id not in _LITERAL_NAMES:
            names.add(node.id)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str | bool) and node.value is not None:
            raise _fail(node, f"the value {node.value!r} is not a number, text or boolean", source)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for e in node.elts:
            if not isinstance(e, ast.Constant | ast.UnaryOp | ast.Name):
                raise _fail(e, "a list may only hold plain values", source)
            _check(e, source, names, d)
    else:
        what = _KIND_NAMES.get(type(node), f"'{type(node).__name__}'")
        raise _fail(node, f"{what} not allowed in a condition", source)


def _completes(text: str) -> bool:
    """Python reports an unfinished expression at column 1; say instead that it ends too early."""
    try:
        parse_python(text + " 0", mode="eval")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return False
    return True


def parse_expr(source: str) -> ParsedExpr:
    """Parse and whitelist-check ``source``; raise :class:`ExprError` saying what and at which column."""
    if not isinstance(source, str):
        raise ExprError("a condition must be text", 1, str(source))
    if len(source) > MAX_EXPR_LENGTH:
        raise ExprError(f"condition is longer than {MAX_EXPR_LENGTH} characters", MAX_EXPR_LENGTH, source[:40])
    text = source.strip()
    if not text:
        raise ExprError("condition is empty", 1, source)
    lead = len(source) - len(source.lstrip())
    try:
        module = parse_python(text, mode="eval")
    except SyntaxError as e:
        if _completes(text):
            raise ExprError("the condition ends too early", lead + len(text) + 1, source) from None
        col = (e.offset or 1) + lead
        raise ExprError(f"syntax error: {e.msg}", col, source) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("condition cannot be parsed", 1, source) from None
    names: set[str] = set()
    try:
        _check(module.body, source, names)
    except ExprError as e:
        raise ExprError(e.reason, e.column + lead, source) from None
    return ParsedExpr(source=source, tree=module.body, names=frozenset(names))


def _num(v: Any) -> Any:
    """Read numeric-looking text as a number; leave everything else alone."""
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        try:
            return int(s)
        except ValueError:
            try:
                return float(s)
            except ValueError:
                return v
    return v


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _coerce_pair(a: Any, b: Any) -> tuple[Any, Any]:
    a_num = isinstance(a, int | float) and not isinstance(a, bool)
    b_num = isinstance(b, int | float) and not isinstance(b, bool)
    if a_num and isinstance(b, str):
        return a, _num(b)
    if b_num and isinstance(a, str):
        return _num(a), b
    return a, b


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in _LITERAL_NAMES:
            return _LITERAL_NAMES[node.id]
        raise ExprEvalError(f"variable {node.id!r} has no value in this call")
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(bool(_eval(v, env)) for v in node.values)
        return any(bool(_eval(v, env)) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not v
        v = _num(v)
        if not isinstance(v, int | float):
            raise ExprEvalError(f"cannot negate {v!r}")
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp):
        a, b = _coerce_pair(_eval(node.left, env), _eval(node.right, env))
        if not (_is_number(a) and _is_number(b)) and not (
            isinstance(node.op, ast.Add) and isinstance(a, str) and isinstance(b, str)
        ):
            # Repetition ("x" * 10**9, [1] * n) would let a condition exhaust memory.
            raise ExprEvalError(f"arithmetic needs numbers, not {a!r} and {b!r}")
        try:
            return _BIN[type(node.op)](a, b)
        except ZeroDivisionError:
            raise ExprEvalError("division by zero") from None
        except TypeError:
            raise ExprEvalError(f"cannot combine {a!r} and {b!r}") from None
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, env)
            if isinstance(op, ast.In | ast.NotIn):
                a, b = left, right
                if isinstance(b, list | tuple | set | frozenset) and not isinstance(a, str):
                    b = [_num(x) for x in b]
                elif isinstance(b, list | tuple | set | frozenset):
                    b = [str(x) for x in b]
            else:
                a, b = _coerce_pair(left, right)
            try:
                ok = _CMP[type(op)](a, b)
            except TypeError:
                raise ExprEvalError(f"cannot compare {a!r} with {b!r}") from None
            if not ok:
                return False
            left = right
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [_eval(e, env) for e in node.elts]
    raise ExprEvalError(f"unsupported element {type(node).__name__}")  # unreachable after parse_expr


def eval_expr(parsed: ParsedExpr, variables: Mapping[str, Any]) -> bool:
    """Evaluate to a boolean. Raise :class:`ExprEvalError` on a missing variable or incompatible types,
    so the caller (the dialog engine) can take the node's default branch."""
    return bool(_eval(parsed.tree, variables))
