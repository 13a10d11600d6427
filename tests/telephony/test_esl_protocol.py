"""The Event Socket parser, byte for byte, on the exchanges mod_event_socket.c writes.

Server strings quoted from FreeSWITCH ``src/mod/event_handlers/mod_event_socket/mod_event_socket.c``:
``listener_run`` ("Content-Type: auth/request\\n\\n"; "Content-Type: command/reply\\nReply-Text:
%s\\n\\n"), ``parse_command`` ("+OK accepted", "-ERR invalid", "+OK event listener enabled %s",
"~Reply-Text: +OK Job-UUID: %s\\nJob-UUID: %s\\n\\n"), ``api_exec`` ("Content-Type:
api/response\\nContent-Length: %d\\n\\n"), ``read_packet`` (events: "Content-Length: %d\\n
Content-Type: text/event-%s\\n\\n") and ``send_disconnect``. Event bodies: see esl_fixtures/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telephony.freeswitch.protocol import EslParser, EslProtocolError, encode_command, parse_event_plain

pytestmark = pytest.mark.offline

FIXTURES = Path(__file__).resolve().parent / "esl_fixtures"
JOB = "7f4db78a-17d7-11dd-b7a0-db4edd065621"
GOODBYE = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

SESSION = (
    b"Content-Type: auth/request\n\n"
    b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
    b"Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n"
    b"Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + JOB.encode() + b"\nJob-UUID: " + JOB.encode() + b"\n\n"
    b"Content-Type: api/response\nContent-Length: 5\n\ntrue\n"
)


def event_frame(name: str) -> bytes:
    body = (FIXTURES / name).read_bytes()
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(body) + body


def test_login_subscribe_bgapi_and_api_replies() -> None:
    msgs = EslParser().feed(SESSION)
    assert [m.content_type for m in msgs] == ["auth/request", "command/reply", "command/reply", "command/reply", "api/response"]
    assert msgs[1].reply_text == "+OK accepted" and msgs[1].ok
    assert msgs[2].reply_text == "+OK event listener enabled plain"
    assert msgs[3].reply_text == f"+OK Job-UUID: {JOB}" and msgs[3].headers["Job-UUID"] == JOB
    assert msgs[4].body == b"true\n" and not msgs[4].ok


def test_refused_login_and_disconnect_notice() -> None:
    data = (
        b"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n"
        b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n" % len(GOODBYE) + GOODBYE
    )
    refused, bye = EslParser().feed(data)
    assert not refused.ok and refused.reply_text == "-ERR invalid"
    assert bye.content_type == "text/disconnect-notice" and bye.body == GOODBYE


def test_channel_event_headers_are_url_decoded() -> None:
    (msg,) = EslParser().feed(event_frame("channel_answer.event"))
    ev = msg.event
    assert ev is not None and ev.name == "CHANNEL_ANSWER"
    assert ev.uuid == "5c2a7c2e-3f4b-4d7a-9e6c-1b2d3e4f5a6b"
    assert ev.get("Event-Date-GMT") == "Fri, 16 Aug 2024 16:46:02 GMT"
    assert ev.get("Answer-State") == "answered"
    assert ev.var("huashu_call_id") == "call-42" and ev.var("huashu_campaign_id") == "7"
    assert ev.body == ""


def test_background_job_carries_the_originate_result_as_body() -> None:
    (msg,) = EslParser().feed(event_frame("background_job.event"))
    ev = msg.event
    assert ev is not None and ev.name == "BACKGROUND_JOB"
    assert ev.get("Job-UUID") == JOB
    assert ev.get("Job-Command-Arg") == "sofia/default/1005 '&park'"
    assert ev.body == "+OK 7f4de4bc-17d7-11dd-b7a0-db4edd065621\n"


def test_hangup_event_fields() -> None:
    ev = parse_event_plain((FIXTURES / "channel_hangup_complete_busy.event").read_bytes())
    assert (ev.get("Hangup-Cause"), ev.var("sip_term_status"), ev.var("sip_hangup_disposition")) == (
        "USER_BUSY", "486", "recv_refuse"
    )


ALL = SESSION + b"".join(
    event_frame(n)
    for n in ("channel_create.event", "channel_progress.event", "dtmf.event", "background_job.event", "channel_hangup_complete.event")
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, len(ALL) - 1), max_size=12))
def test_any_split_of_the_stream_gives_the_same_messages(cuts: list[int]) -> None:
    whole = EslParser().feed(ALL)
    parser = EslParser()
    got = []
    last = 0
    for cut in sorted(set(cuts)) + [len(ALL)]:
        got += parser.feed(ALL[last:cut])
        last = cut
    assert [(m.headers, m.body) for m in got] == [(m.headers, m.body) for m in whole]
    assert len(whole) == 10


def test_stray_newlines_and_nul_between_blocks_are_skipped() -> None:
    # Older mod_event_socket sent the auth/request with its NUL terminator (strlen + 1).
    msgs = EslParser().feed(b"Content-Type: auth/request\n\n\x00\nContent-Type: command/reply\nReply-Text: +OK accepted\n\n")
    assert [m.content_type for m in msgs] == ["auth/request", "command/reply"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Content-Type: api/response\nno colon here\n\n", "header line 2"),
        (b"Content-Type: api/response\nContent-Length: ten\n\n", "not a number"),
        (b"Content-Length: -1\n\n", "out of range"),
    ],
)
def test_malformed_input_says_what_and_where(data: bytes, message: str) -> None:
    with pytest.raises(EslProtocolError, match=message):
        EslParser().feed(data)


def test_commands_are_encoded_and_line_breaks_refused() -> None:
    assert encode_command("auth ClueCon") == b"auth ClueCon\n\n"
    assert encode_command("bgapi status", {"Job-UUID": "j1"}) == b"bgapi status\nJob-UUID: j1\n\n"
    with pytest.raises(ValueError, match="line break"):
        encode_command("api uuid_kill x\n\nexit")
