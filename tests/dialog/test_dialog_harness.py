"""The product harness (run_script, ChatSession) and the `huashu chat` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli as huashu
from runtime.dialog.harness import ChatSession, Reply, ReplyError, parse_replies, prompt_ms, run_script

HERE = Path(__file__).parent
EN = HERE / "scripts" / "en_billing.json"
EN_VARS = {"name": "Ann", "due": "36.5"}


def test_parse_replies() -> None:
    lines = ["# a comment", "", "  好的 ", "<silence>", "<dtmf:1>", "<DTMF:12#>", "<hangup>"]
    assert parse_replies(lines) == [Reply("speech", "好的"), Reply("silence"), Reply("dtmf", "1"),
                                    Reply("dtmf", "12#"), Reply("hangup")]


@pytest.mark.parametrize("line", ["<dtmf:>", "<dtmf:x>", "<shout>", "<silence:3>"])
def test_parse_replies_rejects_bad_tokens_with_line_number(line: str) -> None:
    with pytest.raises(ReplyError, match="line 2"):
        parse_replies(["ok", line])


def test_prompt_length_model() -> None:
    assert prompt_ms("一二三四五六七八九", True) == 2000
    assert prompt_ms("one two three four five six seven eight nine ten eleven twelve thirteen", False) == 5000
    assert prompt_ms("", True) == 300


def test_run_script_keys_silence_and_running_out() -> None:
    doc = json.loads(EN.read_text())
    r = run_script(doc, ["<dtmf:1>"], EN_VARS)
    assert r.path == ["route", "hello", "pay"] and r.intent.label == "paid"
    r = run_script(doc, ["<silence>"], EN_VARS)
    assert r.last_node == "bye_silence" and r.ended_by == "silence"
    r = run_script(doc, [], EN_VARS)  # no replies: the customer hangs up after the first prompt
    assert r.ended_by == "customer_hangup" and r.path == ["route", "hello"] and not r.customer_spoke
    r = run_script(doc, ["<hangup>", "yes"], EN_VARS)
    assert r.ended_by == "customer_hangup" and not r.customer_turns


def test_virtual_time_advances_with_prompts() -> None:
    doc = json.loads(EN.read_text())
    r = run_script(doc, ["yes"], EN_VARS)
    spoken = "Hello Ann, you owe thirty-six dollars and fifty cents. Press 1 to pay now, 2 for an agent, or say yes or no."
    assert r.turns[0].at_ms == prompt_ms(spoken, False) + 600
    assert r.duration_ms > r.turns[0].at_ms


def test_chat_session_steps() -> None:
    s = ChatSession(json.loads(EN.read_text()), EN_VARS)
    opening = s.start()
    assert [b.node for b in opening] == ["hello"] and "Ann" in opening[0].text
    step = s.say("how much is it")
    assert step.turns[0].branch == "hello_price" and [b.node for b in step.bot] == ["hello"]
    step = s.say("<dtmf:2>")
    assert [b.kind for b in step.bot] == ["say", "transfer", "say", "hangup"]
    assert step.finished and s.record.intent.category == "human_follow_up"
    assert s.say("yes").finished and s.say("yes").bot == []


def test_cli_replies_json(tmp_path: Path) -> None:
    replies = tmp_path / "r.txt"
    replies.write_text("# customer\nno\ntoo expensive\n", encoding="utf-8")
    res = CliRunner().invoke(huashu, ["chat", str(EN), "--replies", str(replies), "--json",
                                      "--var", "name=Ann", "--var", "due=36.5"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["path"] == ["route", "hello", "why_not", "bye_no"]
    assert out["tags"] == ["price"] and out["ended_by"] == "end_node"
    assert out["intent"] == {"label": "refused", "category": "failure"}
    assert {"turns", "score"} <= out.keys() and out["turns"][1]["branch"] == "why_cheap"


def test_cli_interactive_shows_node_and_why() -> None:
    res = CliRunner().invoke(huashu, ["chat", str(EN), "--examples", "--var", "name=Bo", "--var", "due=5"],
                             input="who is this\n<dtmf:1>\n")
    assert res.exit_code == 0, res.output
    assert "[hello] bot: Hello Bo" in res.output
    assert "g_who" in res.output and "who_are_you" in res.output
    assert "intent: paid (success)" in res.output


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(huashu, ["chat", str(EN), "--replies", str(tmp_path / "none.txt")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    no_var = runner.invoke(huashu, ["chat", str(EN)], input="")
    assert no_var.exit_code == 1 and "name" in no_var.output and "Traceback" not in no_var.output
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert runner.invoke(huashu, ["chat", str(bad)]).exit_code == 2
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"format": "huashu.script/1", "id": "x"}), encoding="utf-8")
    res = runner.invoke(huashu, ["chat", str(invalid)])
    assert res.exit_code == 1 and "not valid" in res.output
    res = runner.invoke(huashu, ["chat", str(invalid), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["valid"] is False
    bad_reply = tmp_path / "r.txt"
    bad_reply.write_text("yes\n<dtmf:zz>\n", encoding="utf-8")
    res = runner.invoke(huashu, ["chat", str(EN), "--replies", str(bad_reply), "--examples"])
    assert res.exit_code == 2 and "line 2" in res.output
    assert runner.invoke(huashu, ["chat", str(EN), "--var", "novalue"]).exit_code == 2
    assert runner.invoke(huashu, ["chat", "--help"]).exit_code == 0


def test_cli_replies_file_follows_the_script_file_rules(tmp_path: Path) -> None:
    # a 60 MB replies file was read with exit 0; validate refuses a script over 10 MB with exit 2
    runner = CliRunner()
    given = ["--var", "name=Ann", "--var", "due=36.5"]
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(60 * 1024 * 1024)  # sparse: costs no disk
    res = runner.invoke(huashu, ["chat", str(EN), *given, "--replies", str(big)])
    assert res.exit_code == 2 and "too large" in res.output and "10,485,760" in res.output
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("好的\n".encode("gbk"))
    res = runner.invoke(huashu, ["chat", str(EN), *given, "--replies", str(gbk)])
    assert res.exit_code == 2 and "not UTF-8" in res.output
    res = runner.invoke(huashu, ["chat", str(EN), *given, "--replies", str(tmp_path)])
    assert res.exit_code == 2 and "not a file" in res.output
    ok = tmp_path / "ok.txt"
    ok.write_text("yes\n", encoding="utf-8")
    assert runner.invoke(huashu, ["chat", str(EN), *given, "--replies", str(ok)]).exit_code == 0


def test_chat_session_say_before_start_answers_first() -> None:
    s = ChatSession(json.loads(EN.read_text()), EN_VARS)
    step = s.say("yes")
    assert [b.node for b in step.bot] == ["hello", "pay", "pay"] and step.finished
    assert s.start() == []
