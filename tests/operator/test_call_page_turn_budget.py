"""The call page shows each turn's latency budget (end of turn, recognition, matching, first audio)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from runtime.campaigns import tables as T

HTML = {"accept": "text/html"}


def test_call_page_shows_turn_budgets(client_as: Any, op_app: Any) -> None:
    engine = op_app.state.engine
    with engine.begin() as conn:
        aid, record = conn.execute(select(T.attempts.c.id, T.attempts.c.record)
                                   .where(T.attempts.c.outcome == "connected")).first()
        doc = json.loads(record)
        doc["turn_budgets"] = [
            {"endpoint_ms": 240, "recognise_ms": 3.2, "match_ms": 0.4, "first_audio_ms": 12.0, "total_ms": 255.6,
             "early": True, "speculative": True},
            {"endpoint_ms": 600, "recognise_ms": "<script>x</script>", "match_ms": 0.5, "first_audio_ms": None,
             "total_ms": 1700, "early": False, "speculative": False},
        ]
        conn.execute(update(T.attempts).where(T.attempts.c.id == aid).values(record=json.dumps(doc)))
    html = client_as("operator").get(f"/operator/calls/{aid}", headers=HTML).text
    assert 'id="turn-budgets"' in html
    assert "<td>240</td><td>3</td><td>0</td><td>12</td><td>256</td>" in html
    assert "<td>600</td><td>—</td>" in html and "<script>x" not in html  # numbers only from the stored record
    assert "early end" in html
