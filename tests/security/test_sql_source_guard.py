"""The source-query guard (issue 15, finding 2): an allow-list over the parsed statement.

Each bypass of the probe is refused with a reason that names what was found; a list of
ordinary analytic queries is accepted, and what runs is the text generated from the checked
tree (comments and their tricks gone)."""

from __future__ import annotations

import pytest

from runtime.campaigns.sqlguard import UnsafeQuery, check_select

#: (source kind, query, a fragment the reason must contain)
BYPASSES: list[tuple[str, str, str]] = [
    # the probes of the issue
    ("postgresql", "SELECT phone, dblink_exec('dbname=x user=postgres', 'DELETE FROM victim') FROM customers", "function dblink_exec"),
    ("postgresql", "SELECT pg_read_file('/etc/passwd') AS name, '13800000000' AS phone", "function pg_read_file"),
    ("mysql", "SELECT phone FROM customers /*!50000INTO OUTFILE '/tmp/x'*/", "executable comment /*!"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd') AS name", "function LOAD_FILE"),
    ("postgresql", "SELECT pg_sleep(30)", "function pg_sleep"),
    ("mysql", "SELECT SLEEP(30)", "function SLEEP"),
    ("postgresql", "SELECT 1 /* /* */ ; DROP TABLE customers", "does not parse"),
    ("mysql", "SELECT 1 /* /* */ ; DROP TABLE customers", "exactly one statement"),
    # files, large objects, network, admin
    ("postgresql", "SELECT pg_read_binary_file('/etc/passwd')", "reads files"),
    ("postgresql", "SELECT * FROM pg_ls_dir('/')", "function pg_ls_dir"),
    ("postgresql", "SELECT lo_import('/etc/passwd')", "function lo_import"),
    ("postgresql", "SELECT lo_export(1, '/tmp/x')", "function lo_export"),
    ("postgresql", "SELECT * FROM dblink('dbname=x', 'SELECT 1') AS t(a int)", "function dblink"),
    ("postgresql", "SELECT query_to_xml('DELETE FROM victim RETURNING 1', true, true, '')", "function query_to_xml"),
    ("postgresql", "SELECT set_config('statement_timeout', '0', false)", "function set_config"),
    ("postgresql", "SELECT nextval('orders_id_seq')", "function nextval"),
    ("postgresql", "SELECT pg_terminate_backend(1)", "function pg_terminate_backend"),
    ("postgresql", "COPY customers TO '/tmp/x'", "only SELECT"),
    ("postgresql", "COPY (SELECT 1) TO PROGRAM 'id'", "only SELECT"),
    ("postgresql", "SELECT 'a'::regclass", "casting to REGCLASS"),
    ("mysql", "SELECT phone FROM customers INTO OUTFILE '/tmp/x'", "INTO"),
    ("mysql", "SELECT phone FROM customers INTO DUMPFILE '/tmp/x'", "INTO"),
    ("mysql", "SELECT BENCHMARK(100000000, MD5('x'))", "function BENCHMARK"),
    ("mysql", "SELECT @@secure_file_priv", "server variable"),
    ("mysql", "SELECT @a := 1", "assignment"),
    ("mysql", "SELECT @a", "variable"),
    ("mysql", "SELECT 1 /*M!100100 , LOAD_FILE('/etc/passwd') */", "executable comment /*M!"),
    ("mysql", "SELECT /*+ MAX_EXECUTION_TIME(1) */ phone FROM customers", "optimizer hint"),
    ("mysql", "SELECT phone FROM customers LOCK IN SHARE MODE", "locking read"),
    ("oracle", "SELECT UTL_HTTP.REQUEST('http://127.0.0.1/') FROM dual", "function UTL_HTTP.REQUEST"),
    ("oracle", "SELECT UTL_FILE.FOPEN('/tmp', 'x', 'w') FROM dual", "function UTL_FILE.FOPEN"),
    ("oracle", "SELECT DBMS_LOCK.SLEEP(5) FROM dual", "function DBMS_LOCK.SLEEP"),
    ("oracle", "SELECT phone FROM customers@remote_link", "database link"),
    ("postgresql", "SELECT phone FROM customers WHERE city = ?", "write parameters as :name"),
    ("postgresql", "SELECT phone FROM customers WHERE city = $1", "positional parameter"),
    ("oracle", "SELECT sys.dbms_pipe.receive_message('a', 10) FROM dual", "dbms_pipe.receive_message"),
    # statements and locking
    ("postgresql", "SELECT phone FROM customers FOR UPDATE", "locking read"),
    ("postgresql", "SELECT phone INTO stolen FROM customers", "SELECT ... INTO"),
    ("postgresql", "DELETE FROM customers", "only SELECT"),
    ("postgresql", "WITH gone AS (DELETE FROM customers RETURNING phone) SELECT phone FROM gone", "DELETE"),
    ("postgresql", "SELECT 1; SELECT 2", "exactly one statement"),
    ("postgresql", "", "empty"),
    ("postgresql", "SELECT (", "does not parse"),
    ("postgresql", "SELECT 'never closed", "does not parse"),
    ("postgresql", "SELECT phone FROM customers TABLESAMPLE SYSTEM (1)", "TABLESAMPLE"),
]


@pytest.mark.parametrize(("kind", "sql", "reason"), BYPASSES, ids=[f"{k}:{s[:40]}" for k, s, _ in BYPASSES])
def test_bypass_is_refused_with_its_reason(kind: str, sql: str, reason: str) -> None:
    with pytest.raises(UnsafeQuery) as e:
        check_select(sql, kind)
    assert reason.lower() in str(e.value).lower(), str(e.value)
    assert "\n" not in str(e.value)


def test_dangerous_function_message_says_why() -> None:
    with pytest.raises(UnsafeQuery, match=r"^function pg_read_file is not allowed in a source query \(it reads files"):
        check_select("SELECT pg_read_file('/etc/passwd')", "postgresql")


def test_too_long_query_is_refused() -> None:
    with pytest.raises(UnsafeQuery, match="the limit is"):
        check_select("SELECT " + " + ".join(["1"] * 20_000), "postgresql")


LEGITIMATE: list[tuple[str, str]] = [
    ("postgresql", "SELECT phone, name FROM customers"),
    ("postgresql", "select phone, name from customers where city = :city;"),
    ("postgresql", "WITH recent AS (SELECT customer_id, max(paid_at) AS last_paid FROM payments "
                   "WHERE paid_at > now() - interval '30 days' GROUP BY customer_id) "
                   "SELECT c.phone, upper(c.name) AS name, coalesce(r.last_paid, c.created_at)::date AS d, "
                   "CASE WHEN c.balance < 10 THEN 'low' ELSE 'ok' END AS seg, "
                   "row_number() OVER (PARTITION BY c.city ORDER BY c.balance DESC) rn "
                   "FROM customers c LEFT JOIN recent r ON r.customer_id = c.id "
                   "WHERE c.city = :city AND c.phone LIKE '138%' AND c.id IN (SELECT id FROM vip) "
                   "ORDER BY c.id LIMIT 100 OFFSET 5"),
    ("postgresql", "SELECT date_trunc('month', created_at) m, count(DISTINCT phone) n, avg(balance)::numeric(10,2) "
                   "FROM customers GROUP BY 1 HAVING count(*) > 3 ORDER BY 1"),
    ("postgresql", "SELECT phone FROM customers WHERE balance BETWEEN 1 AND 10 AND name ILIKE '%wang%' "
                   "AND NOT EXISTS (SELECT 1 FROM optout o WHERE o.phone = customers.phone) "
                   "UNION SELECT phone FROM vip -- the VIP list too"),
    ("postgresql", "SELECT substring(phone, 1, 3) AS prefix, trim(name), extract(year FROM created_at), "
                   "lpad(code, 6, '0'), split_part(email, '@', 2), string_agg(tag, ',') FROM customers GROUP BY 1, 2, 3, 4, 5"),
    ("postgresql", "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT count(*) FROM t"),
    ("postgresql", "SELECT a FROM generate_series(1, 10) a"),
    ("mysql", "SELECT phone, CONCAT(first, ' ', last) AS name, DATE_FORMAT(created, '%Y-%m') m, IFNULL(balance, 0) b, "
              "COUNT(*) n FROM customers WHERE created >= DATE_SUB(NOW(), INTERVAL 7 DAY) GROUP BY phone "
              "HAVING COUNT(*) > 1 ORDER BY n DESC LIMIT 10"),
    ("mysql", "SELECT `phone`, IF(balance < 10, 'low', 'ok') seg, LEFT(name, 1), ROUND(balance, 2), "
              "TIMESTAMPDIFF(DAY, created, NOW()) age FROM `customers` c JOIN orders o ON o.cid = c.id # trailing"),
    ("mysql", "SELECT a.seq FROM seq_1_to_10 a CROSS JOIN seq_1_to_10 b"),
    ("oracle", "SELECT phone, NVL(name, 'x') n, TO_CHAR(created, 'YYYY-MM') m FROM customers WHERE ROWNUM <= 10"),
    ("oracle", "SELECT phone FROM customers ORDER BY created DESC FETCH FIRST 10 ROWS ONLY"),
]


@pytest.mark.parametrize(("kind", "sql"), LEGITIMATE, ids=[f"{k}:{s[:40]}" for k, s in LEGITIMATE])
def test_analytic_query_is_accepted(kind: str, sql: str) -> None:
    assert check_select(sql, kind).upper().startswith(("SELECT", "WITH"))


def test_what_runs_is_generated_from_the_tree_without_comments() -> None:
    # MySQL reads "--x" as minus minus x; sqlglot agrees, and no comment survives to the server
    out = check_select("SELECT 1 --x, phone\nFROM customers /* note */ WHERE city = :city", "mysql")
    assert "/*" not in out and "--" not in out
    assert ":city" in out


def test_bound_parameters_keep_their_colon_form_for_postgres() -> None:
    assert check_select("SELECT phone FROM customers WHERE city = :city", "postgresql").endswith("city = :city")


def test_cli_gives_one_line_errors_exit_2_unparsable_exit_1_refused(tmp_path) -> None:
    from click.testing import CliRunner

    from huashu.cli import source

    def run(query: str) -> tuple[int, str]:
        r = CliRunner().invoke(source.cli, ["--db", f"sqlite:///{tmp_path / 'h.db'}", "preview", "--url",
                                            "postgresql://nobody@127.0.0.1:1/none", "--query", query])
        assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
        return r.exit_code, r.output

    code, out = run("SELECT 1 /* /* */ ; DROP TABLE customers")
    assert code == 2 and out.startswith("error: --query: the query does not parse") and out.count("\n") == 1
    assert "Traceback" not in out
    code, out = run("SELECT pg_read_file('/etc/passwd')")
    assert code == 1 and "function pg_read_file is not allowed" in out and out.count("\n") == 1


def test_dual_stays_the_pseudo_table_in_mysql() -> None:
    assert check_select("SELECT 1 AS x FROM dual", "mysql") == "SELECT 1 AS x FROM DUAL"
    assert check_select("SELECT 1 AS x FROM `dual`", "mysql").endswith("FROM `dual`")


def test_statement_timeout_is_set_per_source_and_kept(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from huashu.cli import source

    db = ["--db", f"sqlite:///{tmp_path / 'h.db'}"]
    r = CliRunner().invoke(source.cli, [*db, "add", "crm", "--kind", "postgresql", "--host", "h", "--database", "d",
                                        "--statement-timeout", "7.5"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(source.cli, [*db, "add", "plain", "--kind", "mysql", "--host", "h", "--database", "d"])
    listed = {s["name"]: s["statement_timeout_s"] for s in json.loads(CliRunner().invoke(source.cli, [*db, "list", "--json"]).stdout)}
    assert listed == {"crm": 7.5, "plain": 60.0}
    r = CliRunner().invoke(source.cli, [*db, "add", "bad", "--kind", "mysql", "--host", "h", "--database", "d",
                                        "--statement-timeout", "0"])
    assert r.exit_code == 2 and "--statement-timeout" in r.output


def test_a_spec_refuses_a_timeout_out_of_range() -> None:
    from runtime.campaigns.sources import SourceError, SourceSpec

    with pytest.raises(SourceError, match=r"statement timeout: 0 is not a number of seconds from 0\.1 to 86400"):
        SourceSpec(kind="postgresql", host="h", database="d", statement_timeout_s=0)
