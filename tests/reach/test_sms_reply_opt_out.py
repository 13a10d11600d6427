"""A customer's SMS reply "TD" / "退订" / "STOP" opts the number out (channel sms): recorded with
its time, on the global blacklist, audited; other replies change nothing; the listener refuses a
reply without the node's token. End to end: Kannel's fake SMSC sends the reply as an MO message
and smsbox's sms-service forwards it to the node's listener."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from runtime.audit.log import AuditFilter, list_entries
from runtime.campaigns.blacklist import load_sets
from runtime.campaigns.optout import OptOut, opted_out_numbers
from runtime.campaigns.sms.dlr import DlrServer
from runtime.campaigns.sms.replies import handle_reply, is_opt_out, reply_token
from tests.support.reach_kannel import kannel

SECRET = "test-secret"


@pytest.mark.parametrize("text", ["TD", "td", "Ｔ", "T", "退订", "退订。", " 退 订 ", "STOP", "Stop!", "unsubscribe", "0000"])
def test_opt_out_words(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["", "好的", "不要退订了", "T恤不错", "STOPPED", "请问怎么退订", "TDD", "谢谢"])
def test_other_replies_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)


def test_a_reply_opts_out_once_and_is_audited(sqlite_engine: Engine) -> None:
    first = handle_reply(sqlite_engine, "13912345678", "退订")
    assert (first.phone, first.action) == ("+8613912345678", "opted_out")
    again = handle_reply(sqlite_engine, "+8613912345678", "TD")
    assert again.action == "already_opted_out"
    with sqlite_engine.begin() as conn:
        assert opted_out_numbers(conn) == {"+8613912345678"}
        row = conn.execute(select(OptOut.__table__)).one()  # type: ignore[attr-defined]
        assert row.channel == "sms" and "退订" in row.detail
        assert "+8613912345678" in load_sets(conn, 0)[0]
    entries = list_entries(sqlite_engine, AuditFilter(action="consent.opt_out"))
    assert len(entries) == 1


def test_other_replies_and_bad_senders_change_nothing(sqlite_engine: Engine) -> None:
    assert handle_reply(sqlite_engine, "13912345678", "好的，谢谢").action == "ignored"
    assert handle_reply(sqlite_engine, "hello", "TD").action == "bad_sender"
    with sqlite_engine.begin() as conn:
        assert opted_out_numbers(conn) == set()


def test_the_listener_needs_the_token(sqlite_engine: Engine) -> None:
    dlr = DlrServer(sqlite_engine, SECRET).start()
    try:
        query = urllib.parse.urlencode({"from": "13912345678", "text": "退订", "token": "forged"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{dlr.reply_url}?{query}", timeout=5)
        assert e.value.code == 403
        query = urllib.parse.urlencode({"from": "13912345678", "text": "退订", "token": reply_token(SECRET)})
        with urllib.request.urlopen(f"{dlr.reply_url}?{query}", timeout=5) as r:
            assert r.read() == b"opted_out"
        with sqlite_engine.begin() as conn:
            assert opted_out_numbers(conn) == {"+8613912345678"}
    finally:
        dlr.stop()


@pytest.mark.kannel
def test_a_reply_through_kannel_opts_out(sqlite_engine: Engine, tmp_path) -> None:
    dlr = DlrServer(sqlite_engine, SECRET).start()
    try:
        replies = ("13912345678 10690000 text TD",)  # fakesmsc picks among its lines at random: one line
        with kannel(tmp_path, reply_url=dlr.reply_url, reply_token=reply_token(SECRET), replies=replies):
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and dlr.replies < 1:
                time.sleep(0.1)
        assert dlr.replies == 1, (tmp_path / "smsbox.log").read_text(errors="replace")[-2000:]
        with sqlite_engine.begin() as conn:
            assert opted_out_numbers(conn) == {"+8613912345678"}
    finally:
        dlr.stop()


def test_cli_prints_the_gateways_reply_url(tmp_path, monkeypatch) -> None:
    import json

    from click.testing import CliRunner

    from huashu.cli import cli
    from huashu.core.config import get_settings

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUASHU_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    try:
        missing = CliRunner().invoke(cli, ["sms", "reply-url", "--json"])
        assert missing.exit_code == 1 and json.loads(missing.stdout)["code"] == "no_listener"
        monkeypatch.setenv("HUASHU_SMS__DLR_PORT", "13080")
        get_settings.cache_clear()
        got = CliRunner().invoke(cli, ["sms", "reply-url", "--json"])
        assert got.exit_code == 0, got.output
        assert json.loads(got.stdout)["get_url"] == (
            f"http://127.0.0.1:13080/sms/reply?from=%p&text=%a&token={reply_token(SECRET)}")
    finally:
        get_settings.cache_clear()
