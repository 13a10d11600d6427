"""The script as a networkx graph, with the two virtual nodes that make global handlers cheap to model.

Every listening node may fire every global handler, so instead of n x h edges the graph has a
hub: ``listening node -> @global -> handler target``. ```@return`` (go back to the listening
node a handler fired on) is a second hub with edges to every listening node (on a listening
node's own branch it simply repeats that node: a self-loop); it is left out
of reachability (it only goes back to a node already visited) and of loop search (the return
loop of a handler is examined on its own, see :func:`designer.validate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import networkx as nx

from designer.model import RETURN_TARGET, Branch, Script

__all__ = [
    "GLOBAL_HUB",
    "RETURN_HUB",
    "VIRTUAL",
    "BOUNDED_EVENTS",
    "ScriptGraph",
    "build_graph",
    "Exit",
    "branch_is_bounded",
    "max_times_without_else",
    "node_exits",
]

GLOBAL_HUB = "@global"
RETURN_HUB = RETURN_TARGET  # "@return"
VIRTUAL = frozenset({GLOBAL_HUB, RETURN_HUB})
# Silences in a row are capped by settings.max_consecutive_silences: the runtime hangs up after
# that many. A dtmf_timeout follows a (partial) key press, so it is not a silence and not capped.
BOUNDED_EVENTS = frozenset({"silence"})


def branch_is_bounded(b: Branch) -> bool:
    """A branch that cannot keep a loop going forever: it carries max_times *and* says where the
    call goes after that (else_goto), or it is a silence event.

    ``max_times`` alone does not count: once it is used up nothing in the script says what
    happens next (the runtime then falls back to the no-match path or its polite give-up), so
    the designer must name the way out."""
    return ((b.max_times is not None and b.else_goto is not None)
            or (b.when.kind == "event" and b.when.value in BOUNDED_EVENTS))


def max_times_without_else(b: Branch) -> bool:
    """A retry limit with no way out named: the loop it was meant to bound is still open."""
    return b.max_times is not None and b.else_goto is None


@dataclass(frozen=True, slots=True)
class Exit:
    """One way out of a node (or of the global hub)."""

    source: str
    branch: str | None
    target: str
    field: str  # goto | else_goto | next | default | global
    bounded: bool


def _branch_exits(source: str, branches: Iterable[Branch]) -> Iterator[Exit]:
    for b in branches:
        yield Exit(source, b.id, b.goto, "goto", branch_is_bounded(b))
        if b.else_goto:
            yield Exit(source, b.id, b.else_goto, "else_goto", False)


def node_exits(script: Script, node_id: str) -> list[Exit]:
    n = script.by_id[node_id]
    out = list(_branch_exits(n.id, n.branches))
    if n.next:
        out.append(Exit(n.id, None, n.next, "next", False))
    if n.default:
        out.append(Exit(n.id, None, n.default, "default", False))
    return out


@dataclass(slots=True)
class ScriptGraph:
    """``g``: every edge, with an ``unbounded`` flag (True when any parallel exit can repeat forever)."""

    script: Script
    g: nx.DiGraph
    exits: dict[str, list[Exit]]
    handler_exits: list[Exit]

    _reachable: set[str] | None = None

    def unbounded_graph(self) -> nx.DiGraph:
        """Only the edges that can repeat forever, without the return hub: where unbounded loops live.

        Materialised rather than a filtered view: loop search walks every edge, and view filters
        cost a Python call per edge visit."""
        u = nx.DiGraph()
        u.add_edges_from((a, b) for a, b, unb in self.g.edges(data="unbounded")
                         if unb and RETURN_HUB not in (a, b))
        return u

    def descendants(self, sources: list[str]) -> set[str]:
        """Everything reachable from ``sources`` (themselves included), not through the return hub."""
        succ = self.g.succ
        seen = {x for x in sources if x in succ and x != RETURN_HUB}
        stack = list(seen)
        while stack:
            v = stack.pop()
            for w in succ[v]:
                if w not in seen and w != RETURN_HUB:
                    seen.add(w)
                    stack.append(w)
        return seen

    def reachable(self) -> set[str]:
        """Nodes a call can visit starting at ``start`` (empty when start is missing)."""
        if self._reachable is None:
            start = self.script.start
            self._reachable = self.descendants([start]) - VIRTUAL if start in self.script.by_id else set()
        return self._reachable

    def can_finish(self) -> set[str]:
        """Nodes from which an end (or a transfer to a human) can be reached, counting @return."""
        finals = [n.id for n in self.script.nodes if n.type in ("end", "transfer")]
        seen: set[str] = set(finals)
        stack = list(finals)
        pred = self.g.pred
        while stack:
            v = stack.pop()
            for u in pred[v]:
                if u not in seen:
                    seen.add(u)
                    stack.append(u)
        return seen


def build_graph(script: Script) -> ScriptGraph:
    g = nx.DiGraph()
    g.add_nodes_from(script.by_id)
    exits: dict[str, list[Exit]] = {}

    listening = [n.id for n in script.nodes if n.listens]
    listening_set = set(listening)

    def add(e: Exit) -> None:
        target = e.target
        if target == RETURN_HUB and e.source in listening_set:
            target = e.source  # a listening node's own branch to @return repeats that node
        elif target not in script.by_id and target != RETURN_HUB:
            return  # dangling: reported by validation, not an edge
        if g.has_edge(e.source, target):
            g[e.source][target]["unbounded"] |= not e.bounded
        else:
            g.add_edge(e.source, target, unbounded=not e.bounded)

    for node_id in script.by_id:
        exits[node_id] = node_exits(script, node_id)
        for e in exits[node_id]:
            add(e)
    handler_exits = list(_branch_exits(GLOBAL_HUB, script.global_handlers))
    if handler_exits:
        g.add_node(GLOBAL_HUB)
        for e in handler_exits:
            add(e)
    if handler_exits:
        for n in listening:
            g.add_edge(n, GLOBAL_HUB, unbounded=True)
    if RETURN_HUB in g:
        for n in listening:
            g.add_edge(RETURN_HUB, n, unbounded=True)
    return ScriptGraph(script=script, g=g, exits=exits, handler_exits=handler_exits)
