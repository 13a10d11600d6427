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
        ctx.add("long_path_to_success", "warning", "flow", s.start,
                f"Reaching a success takes at least {turns} answers from the customer; few stay that long.",
                f"Shorten the main path to {MAX_TURNS_TO_SUCCESS} questions or fewer.")
    for n in s.listening_nodes():
        # Choices the customer must keep in mind: branches that lead to the same place with the same
        # tags are one choice said several ways (key 1 or "非常满意").
        width = len({(b.goto, frozenset(b.tags)) for b in n.branches if b.when.kind != "event"})
        if width > MAX_ANSWER_BRANCHES:
            ctx.add("too_many_branches", "warning", "flow", n.id,
                    f"Node {n.id!r} offers {width} different choices; on the phone people remember about "
                    f"{MAX_ANSWER_BRANCHES} choices at most.",
                    "Group the answers into fewer branches, or ask in two steps.")


def check_settings(ctx: QAContext) -> None:
    st = ctx.script.settings
    lo, hi = SILENCE_RANGE_MS
    timeouts = [(None, st.silence_timeout_ms)] + [
        (n.id, n.silence_timeout_ms) for n in ctx.script.nodes if n.silence_timeout_ms is not None
    ]
    for node_id, ms in timeouts:
        if ms is not None and not lo <= ms <= hi:
            where = f"node {node_id!r}" if node_id else "the script"
            ctx.add("silence_timeout_out_of_range", "warning", "settings", node_id,
                    f"The silence timeout of {where} is {ms / 1000:g} s; under {lo // 1000} s cuts people "
                    f"off, over {hi // 1000} s leaves dead air.",
                    f"Use {lo // 1000}-{hi // 1000} s (5 s suits most questions).")
    if st.max_consecutive_silences > MAX_SILENCES:
        ctx.add("too_many_silences", "warning", "settings", None,
                f"The call waits through {st.max_consecutive_silences} silences in a row before giving up.",
                f"Give up after {MAX_SILENCES} silences or fewer.")
    dtmf = [(None, st.dtmf_timeout_ms)] + [
        (n.id, n.dtmf_timeout_ms) for n in ctx.script.nodes if n.dtmf_timeout_ms is not None
    ]
    for node_id, ms in dtmf:
        if ms is not None and ms < MIN_DTMF_MS:
            where = f"node {node_id!r}" if node_id else "the script"
            ctx.add("dtmf_timeout_too_short", "warning", "settings", node_id,
                    f"The key-press timeout of {where} is {ms / 1000:g} s; people need time to find the key.",
                    f"Use at least {MIN_DTMF_MS // 1000} s.")
