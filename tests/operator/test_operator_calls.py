"""Call results by outcome (figure 5), call detail (figure 6), the recording with range requests, exports."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from op_helpers import Seed, write_wav
from openpyxl import load_workbook
from sqlalchemy import select, update

from runtime.campaigns import tables as T

HTML = {"accept": "text/html"}


def _outcomes(engine: Any) -> dict[int, str]:
    with engine.connect() as c:
        return {int(i): str(o) for i, o in c.execute(select(T.attempts.c.id, T.attempts.c.outcome))}


def _call_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr data-call="(\d+)"', html)]


def test_tabs_count_each_outcome_and_filter(client_as: Any, seed: Seed, op_app: Any) -> None:
    truth = _outcomes(op_app.state.engine)
    c = client_as("operator")
    html = c.get("/operator/calls", headers=HTML).text
    assert sorted(_call_ids(html)) == sorted(truth)
    for outcome in set(truth.values()):
        n = sum(1 for o in truth.values() if o == outcome)
        assert re.search(rf'data-outcome="{outcome}" role="tab">[^<]+<span class="n">{n}</span>', html), outcome
        r = c.get(f"/operator/calls?outcome={outcome}", headers={**HTML, "hx-request": "true"})
        assert r.text.lstrip().startswith('<div id="call-results"')
        assert sorted(_call_ids(r.text)) == sorted(i for i, o in truth.items() if o == outcome)
    first = min(truth)
    with op_app.state.engine.connect() as conn:
        phone = conn.execute(select(T.attempts.c.phone).where(T.attempts.c.id == first)).scalar_one()
    assert _call_ids(c.get(f"/operator/calls?phone={phone[-8:]}", headers=HTML).text) == [first]
    assert _call_ids(c.get("/operator/calls?task=999", headers=HTML).text) == []
    assert _call_ids(c.get("/operator/calls?to=2001-01-01", headers=HTML).text) == []
    r = c.get("/operator/calls?task=abc", headers=HTML)
    assert r.status_code == 400 and "task: &#39;abc&#39; is not a whole number" in r.text


def test_chinese_tab_labels_follow_the_paper(client_as: Any) -> None:
    c = client_as("operator")
    c.cookies.set("lang", "zh")
    html = c.get("/operator/calls", headers=HTML).text
    for label in ("已接通", "无应答", "线路忙"):
        assert label in html


def test_paging_keeps_the_filters(client_as: Any, op_app: Any, monkeypatch: Any) -> None:
    from web.operator import call_views

    truth = _outcomes(op_app.state.engine)
    common = max(set(truth.values()), key=list(truth.values()).count)
    n = sum(1 for o in truth.values() if o == common)
    assert n >= 2
    monkeypatch.setattr(call_views, "PAGE_SIZE", n - 1)
    c = client_as("operator")
    p1 = c.get(f"/operator/calls?outcome={common}", headers=HTML).text
    p2 = c.get(f"/operator/calls?outcome={common}&page=2", headers=HTML).text
    ids1, ids2 = _call_ids(p1), _call_ids(p2)
    assert len(ids1) == n - 1 and len(ids2) == 1 and not set(ids1) & set(ids2)
    assert set(ids1) | set(ids2) == {i for i, o in truth.items() if o == common}
    assert f"outcome={common}&amp;page=2" in p1


def test_call_detail_shows_transcript_path_and_intent(client_as: Any, op_app: Any) -> None:
    engine = op_app.state.engine
    with engine.connect() as conn:
        aid, record, intent = conn.execute(
            select(T.attempts.c.id, T.attempts.c.record, T.attempts.c.intent).where(T.attempts.c.outcome == "connected")
        ).first()
    rec = json.loads(record)["record"]
    html = client_as("operator").get(f"/operator/calls/{aid}", headers=HTML).text
    assert 'id="transcript"' in html and 'id="node-path"' in html
    for node in rec["path"]:
        assert f"<code>{node}</code>" in html
    assert html.count('class="t" data-node=') == len(rec["turns"]) > 0
    # a prompt the bot said without waiting for an answer has no customer bubble
    assert html.count("<strong>Customer</strong>") == sum(t["kind"] not in ("prompt", "no_answer") for t in rec["turns"])
    assert "Said · prompt" not in html and "Customer</strong> · prompt" not in html
    assert intent and intent in html
    assert 'id="no-recording"' in html  # the simulator does not record


def _with_recording(op_app: Any, settings: Any) -> tuple[int, bytes]:
    """A connected call's recording where the recordings store keeps it, the row saying where
    relative to the store (as the runtime writes it)."""
    from runtime.recordings import recordings_dir

    with op_app.state.engine.begin() as conn:
        aid = conn.execute(select(T.attempts.c.id).where(T.attempts.c.outcome == "connected")).scalars().first()
        location = f"2026/07/01/attempt-{aid}.wav"
        conn.execute(update(T.attempts).where(T.attempts.c.id == aid).values(recording=location))
    body = write_wav(recordings_dir(settings) / location)
    return int(aid), body


def test_recording_full_partial_suffix_and_unsatisfiable(client_as: Any, op_app: Any, op_settings: Any) -> None:
    aid, body = _with_recording(op_app, op_settings)
    c = client_as("operator")
    assert 'id="player"' in c.get(f"/operator/calls/{aid}", headers=HTML).text
    url = f"/operator/calls/{aid}/recording"
    r = c.get(url)
    assert r.status_code == 200 and r.content == body and r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"].startswith("audio/wav") and int(r.headers["content-length"]) == len(body)
    r = c.get(url, headers={"range": "bytes=100-1099"})
    assert r.status_code == 206 and r.content == body[100:1100]
    assert r.headers["content-range"] == f"bytes 100-1099/{len(body)}" and r.headers["content-length"] == "1000"
    r = c.get(url, headers={"range": "bytes=-44"})
    assert r.status_code == 206 and r.content == body[-44:]
    r = c.get(url, headers={"range": f"bytes={len(body) - 10}-"})
    assert r.status_code == 206 and r.content == body[-10:]
    r = c.get(url, headers={"range": f"bytes={len(body) - 10}-{len(body) + 500}"})
    assert r.status_code == 206 and r.content == body[-10:]
    r = c.get(url, headers={"range": f"bytes={len(body)}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(body)}"
    r = c.get(url, headers={"range": "bytes=0-1,5-9"})  # multi-range: served whole (RFC 9110 allows)
    assert r.status_code == 200 and r.content == body
    r = c.get(url, headers={"range": "pages=1-2"})
    assert r.status_code == 200


def test_recording_outside_the_data_dir_or_missing_is_not_served(client_as: Any, op_app: Any, op_settings: Any,
                                                                 tmp_path: Path) -> None:
    write_wav(tmp_path / "elsewhere" / "secret.wav")
    aid, _ = _with_recording(op_app, op_settings)
    from runtime.recordings import recordings_dir

    for f in recordings_dir(op_settings).rglob("*.wav"):
        f.unlink()
    c = client_as("operator")
    for row in (str(tmp_path / "elsewhere" / "secret.wav"), str(op_settings.data_dir / "gone.wav")):
        with op_app.state.engine.begin() as conn:
            conn.execute(update(T.attempts).where(T.attempts.c.id == aid).values(recording=row))
        r = c.get(f"/operator/calls/{aid}/recording")
        assert r.status_code == 404 and "missing in the recordings store" in r.json()["error"]
    assert c.get("/operator/calls/99999/recording").status_code == 404


def test_exports_parse_back_to_the_filtered_calls(client_as: Any, op_app: Any) -> None:
    truth = _outcomes(op_app.state.engine)
    c = client_as("operator")
    r = c.get("/operator/calls/export.csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {int(x["call_id"]): x["outcome"] for x in rows} == truth
    # a leading quote keeps +86... text in a spreadsheet (OWASP; no +digit exemption: issue 15)
    assert all(x["phone"].startswith("'+86") for x in rows)
    c.cookies.set("lang", "zh")
    r = c.get("/operator/calls/export.xlsx?outcome=no_answer")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    values = list(ws.iter_rows(values_only=True))
    header, data = values[0], values[1:]
    assert header[:3] == ("呼叫ID", "任务ID", "任务")  # a Chinese operator's Excel reads Chinese headers
    got = {int(row[0]): (row[header.index("结果代码")], row[header.index("呼叫结果")]) for row in data}
    assert got == {i: ("no_answer", "无应答") for i, o in truth.items() if o == "no_answer"}
    r = c.get("/operator/calls/export.csv?header=keys")  # the column keys, whatever the language, for scripts
    assert r.content.decode("utf-8-sig").startswith("call_id,task_id,task,")
    assert c.get("/operator/calls/export.csv?from=yesterday").status_code == 400
