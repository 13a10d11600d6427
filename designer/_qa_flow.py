"""Flow: how many answers a customer must give to reach success, how wide a question branches,
and whether the silence settings suit a phone call."""

from __future__ import annotations

from collections import deque

from designer._qa_context import QAContext
from designer.graph import GLOBAL_HUB, RETURN_HUB

__all__ = ["check_flow", "check_settings", "turns_to", "MAX_TURNS_TO_SUCCESS", "MAX_ANSWER_BRANCHES"]

MAX_TURNS_TO_SUCCESS = 8
MAX_ANSWER_BRANCHES = 6
SILENCE_RANGE_MS = (2000, 15000)
MAX_SILENCES = 3
MIN_DTMF_MS = 2000


def turns_to(ctx: QAContext, targets: set[str]) -> int | None:
    """Fewest listening turns from the start to any of ``targets`` (0-1 BFS: leaving a listening node costs 1).

    Global handlers are left out: a success should not depend on the customer complaining."""
    s = ctx.script
    if s.start not in s.by_id or not targets:
        return None
    g = ctx.graph.g
    dist: dict[str, int] = {s.start: 0}
    dq: deque[str] = deque([s.start])
    while dq:
        v = dq.popleft()
        if v in targets:
            return dist[v]
        cost = 1 if s.by_id[v].listens else 0
        for w in g.successors(v):
            if w in (GLOBAL_HUB, RETURN_HUB):
                continue
            d = dist[v] + cost
            if d < dist.get(w, 1 << 30):
                dist[w] = d
                if cost:
                    dq.append(w)
                else:
                    dq.appendleft(w)
    return None


def check_flow(ctx: QAContext) -> None:
    s = ctx.script
    ends = set(ctx.metrics.get("success_ends", ()))
    turns = turns_to(ctx, ends)
    ctx.metrics["turns_to_success"] = turns
    if turns is not None and turns > MAX_TURNS_TO_SUCCESS:
        ctx.add("long_path_to_success", "warning", "flow", s.start, turns=turns, limit=MAX_TURNS_TO_SUCCESS)
    for n in s.listening_nodes():
        # Choices the customer must keep in mind: branches that lead to the same place with the same
        # tags are one choice said several ways (key 1 or "非常满意").
        width = len({(b.goto, frozenset(b.tags)) for b in n.branches if b.when.kind != "event"})
        if width > MAX_ANSWER_BRANCHES:
            ctx.add("too_many_branches", "warning", "flow", n.id, width=width, limit=MAX_ANSWER_BRANCHES)


def check_settings(ctx: QAContext) -> None:
    st = ctx.script.settings
    lo, hi = SILENCE_RANGE_MS
    timeouts = [(None, st.silence_timeout_ms)] + [
        (n.id, n.silence_timeout_ms) for n in ctx.script.nodes if n.silence_timeout_ms is not None
    ]
    for node_id, ms in timeouts:
        if ms is not None and not lo <= ms <= hi:
            key = "silence_timeout_out_of_range" + (".node" if node_id else "")
            ctx.add(key, "warning", "settings", node_id, seconds=ms / 1000, lo=lo // 1000, hi=hi // 1000)
    if st.max_consecutive_silences > MAX_SILENCES:
        ctx.add("too_many_silences", "warning", "settings", None,
                count=st.max_consecutive_silences, limit=MAX_SILENCES)
    dtmf = [(None, st.dtmf_timeout_ms)] + [
        (n.id, n.dtmf_timeout_ms) for n in ctx.script.nodes if n.dtmf_timeout_ms is not None
    ]
    for node_id, ms in dtmf:
        if ms is not None and ms < MIN_DTMF_MS:
            key = "dtmf_timeout_too_short" + (".node" if node_id else "")
            ctx.add(key, "warning", "settings", node_id, seconds=ms / 1000, limit=MIN_DTMF_MS // 1000)
