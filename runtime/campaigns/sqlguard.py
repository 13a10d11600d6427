"""The guard for customer queries: an allow-list over the parsed statement, and what runs is what was checked.

A source query is parsed with sqlglot in the source's dialect and every node of the tree must
be on a list: a plain SELECT (or a UNION of them) of columns and expressions, with FROM / JOIN /
WHERE / GROUP BY / HAVING / ORDER BY / LIMIT / WITH of the same, and functions from
:data:`SAFE_FUNCTIONS` (string, number, date, conditional, aggregate, window, cast). Anything
else is refused with a reason that names it ("function pg_read_file is not allowed in a source
query (it reads files on the database server)"): a deny-list would miss the next ``dblink_exec``.

Two gaps between what sqlglot reads and what the server runs are closed at the root:

* MariaDB/MySQL executable comments (``/*! ... */``, ``/*M! ... */``) and optimizer hints
  (``/*+ ... */``) are code to the server but comments to sqlglot: refused before parsing.
* Comment syntax differs between servers (nested ``/* */`` in PostgreSQL, ``--x`` in MySQL), so
  the text that runs is generated back from the checked tree, without comments: whatever the
  guard saw is exactly what the server gets.

Account privileges are the second lock (docs/campaigns.md: give a source a read-only account;
``huashu source test`` says when it is not), and the query runs inside a read-only transaction.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from huashu.core.errors import UserError

__all__ = ["UnsafeQuery", "UnparsableQuery", "check_select", "DIALECTS", "SAFE_FUNCTIONS"]

DIALECTS = {"mysql": "mysql", "postgresql": "postgres", "oracle": "oracle"}
#: longest source query accepted (characters): a query is a few lines, not a payload
MAX_QUERY_CHARS = 20_000

#: executable comments and optimizer hints: ``/*!50000 ...*/``, ``/*M!100100 ...*/``, ``/*+ ... */``
_EXEC_COMMENT = re.compile(r"/\*(M?!|\+)")
#: a bound parameter's name, as SQLAlchemy's ``:name`` takes it
_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: MySQL's file writers, named in the message even where the rest does not parse
_OUTFILE = re.compile(r"\binto\s+(outfile|dumpfile)\b", re.IGNORECASE)

#: The tree nodes a source query may contain besides functions (sqlglot class names).
_ALLOWED_NODES = frozenset({
    "Select", "Union", "Except", "Intersect", "With", "CTE", "Subquery", "TableAlias",
    "From", "Join", "Where", "Group", "Having", "Order", "Ordered", "Limit", "Offset", "Fetch", "LimitOptions",
    "Column", "Identifier", "Table", "Star", "Alias", "Literal", "Boolean", "Null", "Placeholder", "Paren",
    "Var", "Interval", "DataType", "DataTypeParam", "Window", "WindowSpec", "Distinct", "Tuple", "Dot",
    "Add", "Sub", "Mul", "Div", "Mod", "IntDiv", "DPipe", "Neg", "Not",
    "EQ", "NEQ", "NullSafeEQ", "NullSafeNEQ", "GT", "GTE", "LT", "LTE", "Is", "In", "Between", "Like", "ILike",
    "Escape", "Any", "All", "Exists", "Array",
})

#: Functions a source query may call: sqlglot's own function classes (the ones it knows in
#: every dialect) by class name, chosen by category; no I/O, no sleep, no admin, no sequences.
SAFE_FUNCTIONS = frozenset({
    # logic and conditionals
    "And", "Or", "Xor", "Case", "If", "Coalesce", "Nullif", "Nvl2", "Greatest", "Least", "Decode", "DecodeCase",
    # cast and conversion
    "Cast", "TryCast", "ToChar", "ToNumber", "ToDouble", "ToBoolean", "Date", "Timestamp", "Datetime", "Time",
    # strings
    "Upper", "Lower", "Initcap", "Length", "ByteLength", "BitLength", "Concat", "ConcatWs", "Substring",
    "SubstringIndex", "Left", "Right", "Trim", "Pad", "Replace", "Translate", "Reverse", "Repeat", "StrPosition",
    "SplitPart", "StartsWith", "EndsWith", "Contains", "Ascii", "Chr", "Format", "Overlay", "Space", "Soundex",
    "RegexpLike", "RegexpILike", "RegexpReplace", "RegexpExtract", "RegexpSubstr", "RegexpInstr", "RegexpCount",
    "MD5", "SHA", "SHA2", "Hex", "Unhex", "Levenshtein", "GroupConcat", "Collate",
    # numbers
    "Abs", "Ceil", "Floor", "Round", "Trunc", "Sign", "Sqrt", "Cbrt", "Pow", "Exp", "Ln", "Log", "Mod",
    "Pi", "Degrees", "Radians", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Atan2", "WidthBucket",
    "SafeDivide", "Rand",
    # dates and times
    "CurrentDate", "CurrentTime", "CurrentTimestamp", "CurrentDatetime", "Localtime", "Localtimestamp",
    "Systimestamp", "UtcDate", "UtcTime", "UtcTimestamp",
    "DateAdd", "DateSub", "DateDiff", "DateTrunc", "DatetimeAdd", "DatetimeSub", "DatetimeDiff", "DatetimeTrunc",
    "TimestampAdd", "TimestampSub", "TimestampDiff", "TimestampTrunc", "TimeAdd", "TimeSub", "TimeDiff", "TimeTrunc",
    "AddMonths", "MonthsBetween", "LastDay", "NextDay", "Extract", "MakeInterval",
    "Year", "Quarter", "Month", "Week", "WeekOfYear", "Day", "DayOfMonth", "DayOfWeek", "DayOfWeekIso", "DayOfYear",
    "Hour", "Minute", "Second", "Dayname", "Monthname", "ToDays",
    "StrToDate", "StrToTime", "StrToUnix", "TimeToStr", "TimeStrToDate", "TimeStrToTime", "TimeStrToUnix",
    "TimeToTimeStr", "TimeToUnix", "UnixToStr", "UnixToTime", "UnixToTimeStr", "UnixDate", "DateStrToDate",
    "DateToDateStr", "DateFromParts", "TimestampFromParts", "TsOrDsAdd", "TsOrDsDiff", "TsOrDsToDate",
    "TsOrDsToDateStr", "TsOrDsToDatetime", "TsOrDsToTime", "TsOrDsToTimestamp",
    # aggregates and windows
    "Count", "CountIf", "Sum", "Avg", "Min", "Max", "Median", "Stddev", "StddevPop", "StddevSamp", "Variance",
    "VariancePop", "Corr", "CovarPop", "CovarSamp", "PercentileCont", "PercentileDisc", "ApproxDistinct",
    "AnyValue", "ArrayAgg", "LogicalAnd", "LogicalOr", "Grouping",
    "RowNumber", "Rank", "DenseRank", "PercentRank", "CumeDist", "Ntile", "Lag", "Lead", "FirstValue",
    "LastValue", "NthValue",
    # row sources
    "GenerateSeries", "ExplodingGenerateSeries", "Exists",
})

#: Dialect functions sqlglot does not model, by lower-case name (parsed as "anonymous").
SAFE_NAMED = frozenset({
    "now", "sysdate", "curdate", "curtime", "utc_timestamp", "to_date", "to_timestamp", "to_number", "to_char",
    "date_format", "str_to_date", "datediff", "timestampdiff", "date_part", "age", "make_date", "extract",
    "nvl", "ifnull", "isnull", "instr", "locate", "position", "lpad", "rpad", "ltrim", "rtrim", "btrim", "char_length",
    "character_length", "octet_length", "strpos", "substr", "concat", "mid", "field", "elt", "lcase", "ucase",
    "truncate", "ceiling", "power", "log10", "log2", "div", "trunc", "regexp_like", "regexp_substr",
    "regexp_replace", "regexp_instr", "months_between", "add_months", "last_day", "round", "floor", "ceil",
    "to_days", "from_days", "unix_timestamp", "from_unixtime", "weekday", "dayofweek", "dayofmonth", "yearweek",
    "string_agg", "listagg", "bool_and", "bool_or", "every", "mode", "array_length", "cardinality", "split_part",
    "initcap", "left", "right", "reverse", "repeat", "replace", "translate", "md5", "length", "lengthb",
})

#: Why a well-known dangerous function is refused (the name alone is refused anyway).
_DANGEROUS: dict[str, str] = {
    **dict.fromkeys(("pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir",
                     "pg_ls_waldir", "pg_ls_tmpdir", "load_file", "readfile", "utl_file"), "it reads files on the database server"),
    **dict.fromkeys(("lo_import", "lo_export", "lo_from_bytea", "lo_put", "lo_get", "lo_create", "lo_unlink"),
                    "it reads or writes large objects and files on the database server"),
    **dict.fromkeys(("dblink", "dblink_exec", "dblink_connect", "dblink_send_query", "dblink_open", "dblink_fetch",
                     "utl_http", "utl_tcp", "utl_smtp", "utl_inaddr", "httpuritype", "sys_eval", "sys_exec"),
                    "it reaches other servers or runs commands"),
    **dict.fromkeys(("pg_sleep", "pg_sleep_for", "pg_sleep_until", "sleep", "benchmark", "dbms_lock", "dbms_session",
                     "dbms_pipe"), "it stalls the database server"),
    **dict.fromkeys(("pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
                     "set_config", "current_setting", "pg_switch_wal", "pg_promote", "nextval", "setval",
                     "query_to_xml", "query_to_xml_and_xmlschema", "cursor_to_xml", "table_to_xml", "xmlparse",
                     "dbms_xmlgen", "dbms_sql", "dbms_java"), "it changes server state or runs other SQL"),
}

#: A friendly name for constructs people try, for the message.
_CONSTRUCTS: dict[str, str] = {
    "Into": "SELECT ... INTO",
    "Lock": "a locking read (FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE)",
    "SessionParameter": "a server variable (@@name)",
    "Parameter": "a variable or positional parameter (@name, $1)",
    "PropertyEQ": "an assignment (:=)",
    "Values": "a VALUES list",
    "TableSample": "TABLESAMPLE",
    "Lateral": "LATERAL",
    "ColumnDef": "a column definition list (used by record-returning functions such as dblink)",
    "Hint": "an optimizer hint",
    "Pivot": "PIVOT",
}

#: Types a CAST may name: values, not objects (``::regclass``, ``::lo`` and user types are refused).
_SAFE_TYPES = frozenset(t for t in exp.DataType.Type if t.name in {
    "CHAR", "NCHAR", "VARCHAR", "NVARCHAR", "TEXT", "MEDIUMTEXT", "LONGTEXT", "TINYTEXT", "BPCHAR", "NAME",
    "BIT", "BOOLEAN", "TINYINT", "UTINYINT", "SMALLINT", "USMALLINT", "MEDIUMINT", "UMEDIUMINT", "INT", "UINT",
    "BIGINT", "UBIGINT", "DECIMAL", "UDECIMAL", "BIGDECIMAL", "MONEY", "SMALLMONEY", "FLOAT", "DOUBLE", "UDOUBLE",
    "DATE", "DATE32", "DATETIME", "DATETIME2", "DATETIME64", "SMALLDATETIME", "TIME", "TIMETZ", "TIMESTAMP", "TIMESTAMPTZ",
    "TIMESTAMPLTZ", "TIMESTAMPNTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "INTERVAL", "YEAR", "UUID", "JSON",
    "JSONB", "SIGNED", "UNSIGNED",
})


class UnsafeQuery(UserError):
    """The query is not one plain SELECT of allowed constructs; the message says what was found."""


class UnparsableQuery(UnsafeQuery):
    """The query is not SQL of the source's dialect at all (an unterminated comment or string, ...)."""


def _func_name(node: exp.Func) -> str:
    """The name the user wrote, as far as the tree keeps it (sqlglot renames some functions)."""
    if isinstance(node, exp.Anonymous):
        return str(node.name)
    return node.sql_name().lower()


def _refuse_function(name: str) -> UnsafeQuery:
    key = name.lower()
    why = _DANGEROUS.get(key) or _DANGEROUS.get(key.split(".")[0]) or next(
        (w for k, w in _DANGEROUS.items() if key.startswith(k + ".") or key.startswith(k + "_")), None)
    return UnsafeQuery(f"function {name} is not allowed in a source query" + (f" ({why})" if why else
                       "; a source query may use string, number, date, conditional, aggregate and window functions"))


def _check_node(node: exp.Expr) -> None:
    kind = type(node).__name__
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        # package/schema-qualified call: UTL_HTTP.REQUEST(...), sys.dbms_pipe.receive_message(...)
        raise _refuse_function(f"{node.this.sql()}.{_func_name(node.expression)}")
    if isinstance(node, exp.Anonymous):
        if node.name.lower() not in SAFE_NAMED:
            raise _refuse_function(str(node.name))
        return
    if isinstance(node, exp.Func) and kind not in _ALLOWED_NODES:
        if kind not in SAFE_FUNCTIONS:
            raise _refuse_function(_func_name(node))
        return
    if isinstance(node, exp.Placeholder) and not _PARAM.fullmatch(str(node.name or "")):
        raise UnsafeQuery(f"the parameter {node.sql()} is not allowed in a source query; write parameters as :name")
    if isinstance(node, exp.Table) and any("@" in str(part.name) for part in node.parts):
        raise UnsafeQuery(f"a database link ({node.sql()}) is not allowed in a source query: it reaches another server")
    if isinstance(node, exp.DataType):
        if node.this not in _SAFE_TYPES:
            raise UnsafeQuery(f"casting to {node.sql()} is not allowed in a source query; cast to text, number, date or time types")
        return
    if kind not in _ALLOWED_NODES:
        label = _CONSTRUCTS.get(kind) or f"{node.key.upper()} ({node.sql()[:60]})"
        raise UnsafeQuery(f"{label} is not allowed in a source query; only a plain SELECT is")


def _parse_one(text: str, dialect: str) -> exp.Expr:
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except SqlglotError as e:  # ParseError, TokenError (an unterminated comment or string), ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UnparsableQuery(f"the query does not parse as {dialect} SQL: {first[:200]}") from e
    except RecursionError as e:
        raise UnparsableQuery("the query is nested too deeply") from e
    if len(statements) != 1:
        raise UnsafeQuery(f"exactly one statement is allowed, found {len(statements)}")
    return statements[0]


def check_select(sql: str, kind: str = "postgresql") -> str:
    """The query to run, generated back from the checked tree (comments dropped); or :class:`UnsafeQuery`."""
    text = sql.strip()
    if not text:
        raise UnsafeQuery("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise UnsafeQuery(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    m = _EXEC_COMMENT.search(text)
    if m:
        what = "an optimizer hint /*+ ... */" if m.group(1) == "+" else f"an executable comment {m.group()} ... */"
        raise UnsafeQuery(f"{what} is not allowed in a source query: the server runs what is inside it")
    if _OUTFILE.search(text):
        raise UnsafeQuery("SELECT ... INTO OUTFILE/DUMPFILE is not allowed in a source query: it writes files on the server")
    dialect = DIALECTS.get(kind, "postgres")
    stmt = _parse_one(text, dialect)
    if not isinstance(stmt, (exp.Select, exp.Union, exp.Except, exp.Intersect)):
        raise UnsafeQuery(f"only SELECT queries are allowed in a source query; found {stmt.key.upper()}")
    for node in stmt.walk():
        _check_node(node)
    return stmt.transform(_as_written).sql(dialect=dialect, comments=False)


def _as_written(node: exp.Expr) -> exp.Expr:
    """Keep what the generator would change in meaning: ``:name`` parameters (the postgres
    generator writes ``%(name)s``) and MySQL's ``DUAL`` (quoted, it names a real table)."""
    if isinstance(node, exp.Placeholder) and node.name:
        return exp.Var(this=f":{node.name}")
    if isinstance(node, exp.Table) and node.name.lower() == "dual" and not node.args.get("db") \
            and isinstance(node.this, exp.Identifier) and not node.this.quoted:
        node.set("this", exp.Var(this="DUAL"))
    return node
