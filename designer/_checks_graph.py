"""Completeness checks on the shape of the conversation: ids, targets, reachability, endings, loops."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from designer._context import CheckContext
from designer.graph import GLOBAL_HUB, RETURN_HUB, VIRTUAL, Exit, branch_is_bounded, max_times_without_else
from designer.model import Branch

__all__ = ["check_graph"]

_LOOP_SHOWN = 6  # nodes of a loop named in the message


def _check_ids(ctx: CheckContext) -> None:
    seen: Counter[str] = Counter()
    for i, n in enumerate(ctx.doc["nodes"]):
        seen[n["id"]] += 1
        if seen[n["id"]] == 2:
            ctx.error("duplicate_id.node", n["id"], None, f"$.nodes[{i}].id", id=n["id"])
        bseen: Counter[str] = Counter()
        for j, b in enumerate(n.get("branches", [])):
            bseen[b["id"]] += 1
            if bseen[b["id"]] == 2:
                ctx.error("duplicate_id.branch", n["id"], b["id"], f"$.nodes[{i}].branches[{j}].id")
    hseen: Counter[str] = Counter()
    for j, b in enumerate(ctx.doc.get("global_handlers", [])):
        hseen[b["id"]] += 1
        if hseen[b["id"]] == 2:
            ctx.error("duplicate_id.handler", None, b["id"], f"$.global_handlers[{j}].id")


def _check_targets(ctx: CheckContext) -> None:
    s = ctx.script
    if s.start not in s.by_id:
        ctx.error("missing_start", None, None, "$.start", start=s.start)
    all_exits: list[Exit] = [e for exits in ctx.graph.exits.values() for e in exits]
    all_exits += ctx.graph.handler_exits
    for e in all_exits:
        if e.target == RETURN_HUB or e.target in s.by_id:
            continue
        key = ("dangling_target.handler" if e.source == GLOBAL_HUB
               else "dangling_target.branch" if e.branch else "dangling_target.node")
        if e.target == "":  # a branch the editor created and the designer has not pointed anywhere yet
            key = key.replace("dangling_target.", "dangling_target.unset_")
        ctx.error(key, None if e.source == GLOBAL_HUB else e.source, e.branch,
                  ctx.node_path(e.source, e.branch, e.field), target=e.target)


def _check_ways_on(ctx: CheckContext) -> set[str]:
    """dead_end and missing_default; returns the dead ends so no_path_to_end does not repeat them."""
    s = ctx.script
    dead: set[str] = set()
    handler_ways = any(e.target in s.by_id for e in ctx.graph.handler_exits)
    for n in s.nodes:
        if s.by_id[n.id] is not n or n.type == "end":
            continue
        ways = [e for e in ctx.graph.exits[n.id] if e.target in s.by_id or e.target == RETURN_HUB]
        if n.type == "condition" and not n.default:
            ctx.error("missing_default", n.id, None, ctx.node_path(n.id))
        if n.type == "transfer" and not n.next:
            dead.add(n.id)
            ctx.error("dead_end.transfer", n.id, None, ctx.node_path(n.id), queue=n.queue)
            continue
        if not ways and not (n.listens and handler_ways):
            dead.add(n.id)
            ctx.error("dead_end", n.id, None, ctx.node_path(n.id), type=n.type)
    return dead


def _check_listening(ctx: CheckContext) -> None:
    s = ctx.script
    global_events = {b.when.value for b in s.global_handlers if b.when.kind == "event"}
    for n in s.listening_nodes():
        if s.by_id[n.id] is not n:
            continue
        events = global_events | {b.when.value for b in n.branches if b.when.kind == "event"}
        if "silence" not in events:
            ctx.error("missing_silence_branch", n.id, None, ctx.node_path(n.id, leaf="branches"))
        if "no_match" not in events:
            ctx.error("missing_no_match_branch", n.id, None, ctx.node_path(n.id, leaf="branches"))


def _check_reach(ctx: CheckContext, reachable: set[str], dead: set[str]) -> None:
    s = ctx.script
    if s.start not in s.by_id:
        return
    finishing = ctx.graph.can_finish()
    for n in s.nodes:
        if s.by_id[n.id] is not n:
            continue
        if n.id not in reachable:
            ctx.warn("unreachable_node", n.id, None, ctx.node_path(n.id))
        elif n.id not in finishing and n.id not in dead:
            ctx.error("no_path_to_end", n.id, None, ctx.node_path(n.id))


def _loop_key(nodes: list[str], culprit: str | None) -> str:
    """The loop message variant: with or without the branch to fix, all nodes shown or the first six."""
    more = "more" if len(nodes) > _LOOP_SHOWN else ""
    if culprit:
        return "unbounded_loop.branch" + ("_more" if more else "")
    return "unbounded_loop" + (".more" if more else "")


def _check_loops(ctx: CheckContext) -> None:
    s = ctx.script
    view = ctx.graph.unbounded_graph()
    order = {nid: i for i, nid in enumerate(ctx.node_index)}
    order[GLOBAL_HUB] = len(order)
    for comp in nx.strongly_connected_components(view):
        if len(comp) == 1:
            (only,) = comp
            if not view.has_edge(only, only):
                continue
        members = sorted(comp, key=lambda x: order.get(x, 1 << 30))
        first = next((m for m in members if m not in VIRTUAL), members[0])
        culprit = _loop_branch(ctx, first, comp)
        spent = _spent_without_way_out(ctx, comp)
        if spent is not None:  # the loop's only limit is a max_times that names no way out
            node, b = spent
            path = ctx.node_path(node, b.id) if node is not None else ctx.handler_path(b.id)
            ctx.error("unbounded_loop.no_else", node, b.id, path,
                      nodes=tuple(members[:_LOOP_SHOWN]), times=b.max_times)
            continue
        if culprit is not None and _else_back(ctx, first, culprit, comp):
            # the branch has its limit, but the way out after it leads back into the same loop
            ctx.error("unbounded_loop.else_back", first, culprit, ctx.node_path(first, culprit, "else_goto"),
                      nodes=tuple(members[:_LOOP_SHOWN]))
            continue
        ctx.error(_loop_key(members, culprit), first, culprit, ctx.node_path(first, culprit),
                  nodes=tuple(members[:_LOOP_SHOWN]), more=len(members) - _LOOP_SHOWN, total=len(members))
    # The return loop of a global handler: fire it on a node, come back, fire it again...
    for h in s.global_handlers:
        if branch_is_bounded(h):
            continue
        if h.goto == RETURN_HUB or _returns_unbounded(ctx, h.goto):
            if max_times_without_else(h):
                ctx.error("unbounded_loop.handler_no_else", None, h.id, ctx.handler_path(h.id), times=h.max_times)
            else:
                ctx.error("unbounded_loop.handler", None, h.id, ctx.handler_path(h.id))


def _loop_branch(ctx: CheckContext, node_id: str, comp: set[str]) -> str | None:
    """The first unbounded branch of ``node_id`` that stays in the loop: the one to give max_times."""
    for e in ctx.graph.exits.get(node_id, ()):
        target = node_id if e.target == RETURN_HUB else e.target
        if e.branch is not None and not e.bounded and target in comp:
            return e.branch
    return None


def _else_back(ctx: CheckContext, node_id: str, branch_id: str, comp: set[str]) -> bool:
    """The branch keeps the loop going only through its else_goto (its goto is bounded)."""
    exits = [e for e in ctx.graph.exits.get(node_id, ()) if e.branch == branch_id]
    staying = [e for e in exits if not e.bounded and (node_id if e.target == RETURN_HUB else e.target) in comp]
    return bool(staying) and all(e.field == "else_goto" for e in staying)


def _spent_without_way_out(ctx: CheckContext, comp: set[str]) -> tuple[str | None, Branch] | None:
    """``(node, branch)`` of the first branch that keeps the loop ``comp`` going and has max_times
    but no else_goto, when every way round the loop is like that (no branch without any limit, no
    ``next``/``default`` and no else_goto back into it): the designer meant to limit the loop and
    only the way out is missing. ``node`` is None for a global handler."""
    s = ctx.script

    def stays(source: str, target: str | None) -> bool:
        if target == RETURN_HUB:
            return source in comp if source != GLOBAL_HUB else False
        return target in comp

    found: tuple[str | None, Branch] | None = None
    members = sorted((m for m in comp if m not in VIRTUAL), key=lambda x: ctx.node_index.get(x, 1 << 30))
    owners: list[tuple[str | None, tuple[Branch, ...]]] = [(m, s.by_id[m].branches) for m in members]
    if GLOBAL_HUB in comp:
        owners.append((None, s.global_handlers))
    for owner, branches in owners:
        source = owner if owner is not None else GLOBAL_HUB
        for b in branches:
            if b.else_goto and stays(source, b.else_goto):
                return None  # the way out leads back into the loop
            if not stays(source, b.goto) or branch_is_bounded(b):
                continue
            if not max_times_without_else(b):
                return None  # a branch without any limit: the ordinary unbounded_loop
            if found is None:
                found = (owner, b)
        if owner is not None and (s.by_id[owner].next in comp or s.by_id[owner].default in comp):
            return None
    return found


def _returns_unbounded(ctx: CheckContext, start: str) -> bool:
    s = ctx.script
    if start not in s.by_id:
        return False
    seen = {start}
    stack = [start]
    while stack:
        v = stack.pop()
        for e in ctx.graph.exits.get(v, ()):
            if e.bounded:
                continue
            if e.target == RETURN_HUB:
                return True
            if e.target in s.by_id and e.target not in seen:
                seen.add(e.target)
                stack.append(e.target)
    return False


def _check_return_use(ctx: CheckContext) -> None:
    """@return only makes sense on a path that a global handler started."""
    s = ctx.script
    returning = [node_id for node_id, exits in ctx.graph.exits.items()
                 if not s.by_id[node_id].listens and any(e.target == RETURN_HUB for e in exits)]
    if not returning:
        return
    starts = [t for h in s.global_handlers for t in (h.goto, h.else_goto) if t and t in s.by_id]
    from_handlers = ctx.graph.descendants(starts)
    for node_id, exits in ctx.graph.exits.items():
        if s.by_id[node_id].listens:
            continue  # on a listening node's own branch @return repeats the node
        for e in exits:
            if e.target == RETURN_HUB and node_id not in from_handlers:
                ctx.warn("return_outside_handler", node_id, e.branch, ctx.node_path(node_id, e.branch, e.field))


def check_graph(ctx: CheckContext) -> None:
    _check_ids(ctx)
    _check_targets(ctx)
    reachable = ctx.graph.reachable()
    dead = _check_ways_on(ctx)
    _check_listening(ctx)
    _check_reach(ctx, reachable, dead)
    _check_loops(ctx)
    _check_return_use(ctx)
