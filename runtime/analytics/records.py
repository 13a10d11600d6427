"""The call-record shape analytics reads, and the mapping of script intent categories to the paper's classes.

One row per dial attempt:

============== ========= ====================================================================
column         type      meaning
============== ========= ====================================================================
call_id        BIGINT    unique per attempt
campaign_id    BIGINT    the call task
customer_id    BIGINT    joins business data (recharge, balance); see :func:`customer_key`
number         VARCHAR   the number dialled
started_at     TIMESTAMP UTC, when the call was placed
answered       BOOLEAN   the customer picked up
outcome        VARCHAR   connected / no_answer / busy / rejected / invalid_number / unreachable /
                         network_error / cancelled / interrupted
talk_s         DOUBLE    seconds from answer to hang-up (0 when not answered)
intent_label   VARCHAR   the script's intent label (e.g. 有意向), '' when not connected
intent_category VARCHAR  the script's category: success / human_follow_up / no_intent / failure
last_node      VARCHAR   the script node the call ended in (where people drop)
node_path      VARCHAR   node ids joined by '>'
tags           VARCHAR   tags joined by ','
============== ========= ====================================================================

Business data (one row per campaign and targeted customer, from a business-data source):
``campaign_id, customer_id, arm ('treated' | 'control'), balance, recharge_amount``:
the balance at the end of the measurement period and the amount recharged in it.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "CALL_COLUMNS",
    "BUSINESS_COLUMNS",
    "CATEGORY_LEVEL",
    "EFFECTIVE_TALK_S",
    "BALANCE_BINS",
    "RECHARGE_BINS",
    "customer_key",
]

CALL_COLUMNS: dict[str, str] = {
    "call_id": "BIGINT",
    "campaign_id": "BIGINT",
    "customer_id": "BIGINT",
    "number": "VARCHAR",
    "started_at": "TIMESTAMP",
    "answered": "BOOLEAN",
    "outcome": "VARCHAR",
    "talk_s": "DOUBLE",
    "intent_label": "VARCHAR",
    "intent_category": "VARCHAR",
    "last_node": "VARCHAR",
    "node_path": "VARCHAR",
    "tags": "VARCHAR",
}
BUSINESS_COLUMNS: dict[str, str] = {
    "campaign_id": "BIGINT",
    "customer_id": "BIGINT",
    "arm": "VARCHAR",
    "balance": "DOUBLE",
    "recharge_amount": "DOUBLE",
}
BALANCE_BINS: tuple[float, ...] = (0.0, 20.0, 50.0, 100.0, 200.0)  # edges; below 0 = in the red
RECHARGE_BINS: tuple[float, ...] = (0.01, 50.0, 100.0, 200.0)  # below 0.01 = no recharge
EFFECTIVE_TALK_S = 20.0  # the paper's "effective contact": talk time over 20 seconds

# Level of a call by its script intent category; a customer's class is the best level of their calls.
# 0 not connected, 1 connected (no category), 2 no intent, 3 general intent, 4 intent.
# The report's classes (tables 1-2) are sets of these levels: runtime.analytics.report.CLASS_ROWS.
CATEGORY_LEVEL: dict[str, int] = {"no_intent": 2, "failure": 2, "human_follow_up": 3, "success": 4}


def customer_key(customer_id: str | int | None) -> int | None:
    """A BIGINT for any customer id: numbers as themselves, other strings by a stable 62-bit hash.

    Business data must go through the same function so the two sides join.
    """
    if customer_id is None or customer_id == "":
        return None
    if isinstance(customer_id, int):
        return customer_id
    s = str(customer_id).strip()
    if s.isdigit() and len(s) < 18:
        return int(s)
    return (1 << 62) | int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") >> 2
