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
from urllib.parse import unquote

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


# switch_url_encode() as switch_event_serialize() calls it for `event plain` listeners
# (signalwire/freeswitch cc93a683: src/switch_utils.c switch_url_encode_opt, lines 3494-3537;
# the unsafe set SWITCH_URL_UNSAFE, src/include/switch_utils.h line 47; serialise with
# encode=SWITCH_TRUE, mod_event_socket.c line 1428; "%s: %s\n" per header, switch_event.c
# line 1603). Bytes below space or above '~' (all of UTF-8's multi-byte sequences) and the
# unsafe set become %XX (upper-case hex); a '%' already followed by two upper-case hex digits
# is left alone (not double-encoded).
_FS_UNSAFE = frozenset(b'\r\n #%&+:;<=>?@[\\]^`{|}"')
_HEX = b"0123456789ABCDEF"


def fs_url_encode(value: str) -> str:
    data = value.encode()
    out = bytearray()
    for i, c in enumerate(data):
        kept_escape = c == 0x25 and len(data) - i > 2 and data[i + 1] in _HEX and data[i + 2] in _HEX
        if not kept_escape and (c < 0x20 or c > 0x7E or c in _FS_UNSAFE):
            out += b"%" + bytes((_HEX[c >> 4], _HEX[c & 15]))
        else:
            out.append(c)
    return out.decode("ascii")


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
    # Captured from FreeSWITCH 1.10.12 (tests/freeswitch/record_fixtures.py), identifiers normalised.
    assert ev.get("Event-Date-GMT") == "Mon, 07 Dec 2026 13:33:51 GMT"
    assert ev.get("Event-Date-Local") == "2026-12-07 13:33:51"  # on the wire: 2026-12-07%2013%3A33%3A51
    assert ev.get("FreeSWITCH-IPv6") == "fd00::2"  # on the wire: fd00%3A%3A2
    assert ev.get("Answer-State") == "answered"
    assert ev.get("Channel-Name") == "sofia/external/10086"  # the gateway's profile, not sofia/gateway/...
    assert ev.var("huashu_call_id") == "call-42" and ev.var("ignore_early_media") == "true"
    assert ev.body == ""


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.event")))
def test_fixtures_are_serialised_as_freeswitch_writes_them(name: str) -> None:
    head = (FIXTURES / name).read_text().partition("\n\n")[0]
    for line in head.split("\n"):
        header, sep, value = line.partition(": ")
        assert sep and value, line  # FreeSWITCH writes "_undef_" for an empty value, never nothing
        assert value == fs_url_encode(unquote(value)), f"{name}: {header} is not switch_url_encode() output"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,20}", fullmatch=True).filter(lambda n: n != "Content-Length"),
                       st.text(min_size=1, max_size=40).filter(lambda v: "\x00" not in v), max_size=8))
def test_any_serialised_header_value_decodes_back(values: dict[str, str]) -> None:
    # What switch_event_serialize() + mod_event_socket's framing write, for any values
    # (Chinese caller names, SIP URIs with @ and ;, times with :) -> the same values back.
    import re

    values = {k: v for k, v in values.items() if not re.search("%[0-9A-F]{2}", v)}  # FreeSWITCH keeps those as-is
    body = "".join(f"{k}: {fs_url_encode(v)}\n" for k, v in {"Event-Name": "CUSTOM", **values}.items()) + "\n"
    data = body.encode()
    (msg,) = EslParser().feed(b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(data) + data)
    assert msg.event is not None
    assert {k: msg.event.get(k) for k in values} == values


def test_background_job_carries_the_originate_result_as_body() -> None:
    (msg,) = EslParser().feed(event_frame("background_job.event"))
    ev = msg.event
    assert ev is not None and ev.name == "BACKGROUND_JOB"
    assert ev.get("Job-UUID") == JOB
    arg = ev.get("Job-Command-Arg")
    assert arg.startswith("{origination_uuid=5c2a7c2e-3f4b-4d7a-9e6c-1b2d3e4f5a6b,huashu_call_id=call-42,")
    assert "}sofia/gateway/huashu/10086 &bridge([sip_h_X-Huashu-Call-Id=call-42]sofia/external/huashu@" in arg
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


def test_our_own_cancel_is_local_whatever_the_disposition() -> None:
    """A ring-timeout cancel we sent stays ``local`` even when sofia records the carrier's 487
    as ``recv_*`` (seen under load on the real switch)."""
    from telephony.freeswitch.events import FsCallState
    from telephony.freeswitch.protocol import EslEvent

    headers = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Hangup-Cause": "ORIGINATOR_CANCEL",
               "variable_sip_hangup_disposition": "recv_cancel"}
    state = FsCallState()
    state.cancel_sent = True
    (hung,) = state.apply(EslEvent(headers))
    assert hung.by == "local"  # type: ignore[attr-defined]
    other = FsCallState()
    (hung,) = other.apply(EslEvent(headers))
    assert hung.by == "remote"  # type: ignore[attr-defined]
