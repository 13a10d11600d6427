"""A customer list screened into dial-queue rows, batch by batch: here, or on a second core.

The screen (:func:`runtime.campaigns.compliance.screen`) is pure Python and costs about half
of what the database insert that follows it costs. For a big list on a machine with more
than one CPU, a worker process screens batch *k + 1* while this process writes batch *k*:

- the first batches are screened here while the worker starts (a fresh interpreter, about a
  second), so a short list never waits for it; what this process has seen so far (the
  numbers earlier in the list) is handed over with the first batch the worker gets;
- each batch goes out as plain tuples with the customer ids that the hold-out control group
  took from it (the group is drawn here, as rows stream), and comes back as the
  :data:`COLUMNS` tuples the insert writes, in the same order;
- the worker holds no database connection and no transaction: the caller's transaction
  writes everything, so a worker that fails or is killed fails the load as a whole (the
  caller rolls back) and loses nothing.

Both paths run the same code on the same rows; tests compare them row by row.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec

from huashu.core.errors import HuashuError
from runtime.campaigns.compliance import ScreenContext, Verdict, screen
from runtime.campaigns.mapping import CustomerRow

__all__ = ["COLUMNS", "BATCH", "BIG_LIST", "job_rows", "screened_batches", "paused_gc", "ScreenWorkerError"]

#: the dial-queue columns of each row's own values, in the order of the tuples below (the rest
#: of a row is the same for a whole load: task, run, business, leg, attempts, creation time)
COLUMNS = (
    "row_no", "customer_id", "name", "phone", "phone_raw", "phone2", "variables",
    "state", "drop_reason", "drop_message", "note", "dial_phone", "not_before",
)
#: rows per batch (per insert and per message to the worker)
BATCH = 20000
#: rows screened here before a worker is worth starting
BIG_LIST = 100_000
_IN_FLIGHT = 2  # batches handed to the worker ahead of the one being written
_log = logging.getLogger(__name__)


class ScreenWorkerError(HuashuError, RuntimeError):
    """The worker process failed or died; the load is rolled back by its caller."""


def _json_value(v: Any) -> Any:
    """A value JSON lacks (msgspec's hook): its text."""
    return str(v)


#: a row's variables as JSON text: msgspec, a tenth of the standard library's cost (which counts
#: on a million rows); Decimal stays a number, datetimes are ISO 8601 (UTC as "Z")
_variables_json = msgspec.json.Encoder(enc_hook=_json_value, decimal_format="number").encode


def job_rows(verdicts: Iterable[Verdict]) -> list[tuple[Any, ...]]:
    """The verdicts as :data:`COLUMNS` tuples, in order."""
    enc = _variables_json
    return [(r.row_no, r.customer_id, r.name, v.phone, v.phone_raw, v.phone2,
             enc(r.variables).decode() if r.variables else "{}",
             v.state, v.reason, v.message, v.note, v.phone if v.state == "queued" else None, v.not_before)
            for v in verdicts for r in (v.row,)]


def _cpus(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process may use: its affinity, capped by a container's CPU limit."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    limit = cgroup_cpu_limit(cgroup)
    return n if limit is None else min(n, limit)


def cgroup_cpu_limit(root: Path) -> int | None:
    """A container's CPU limit in whole CPUs (at least 1), from cgroup v2 ``cpu.max`` or v1
    ``cpu.cfs_quota_us``; None when there is none (a pod limited to 1 CPU gets no worker that
    would only compete with it)."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    try:
        q, p = int(quota), int(period)
    except ValueError:  # "max"
        return None
    return max(1, q // p) if q > 0 and p > 0 else None


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection for the length of a load: a million-row load allocates
    millions of tuples, none of them in a cycle, and each collection they trigger walks every
    object the process holds (the customer list included): 30-40% of the screen's time,
    measured. Reference counting still frees everything; collection resumes afterwards (and is
    left off if something else had turned it off)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _picklable(obj: object) -> bool:
    try:
        pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return True


def screened_batches(rows: Iterable[CustomerRow], ctx: ScreenContext, *, size_hint: int | None = None,
                     worker: bool = True) -> Iterator[list[tuple[Any, ...]]]:
    """Screen ``rows`` into lists of :data:`COLUMNS` tuples, one list per :data:`BATCH` rows, in order.

    Past :data:`BIG_LIST` rows a worker process takes over the screening (not with ``worker``
    False, on one CPU, or when the context cannot be pickled);
    ``size_hint``: the list's length when known, so a big list starts its worker at once."""
    batch, big_list = BATCH, BIG_LIST
    seen: dict[str, int] = {}
    use_worker = worker and _cpus() > 1 and _picklable(ctx.best_slots)
    helper: _Worker | None = None
    in_flight = 0
    done = 0
    it = iter(rows)
    try:
        if use_worker and size_hint is not None and size_hint > big_list:
            helper = _Worker(ctx)
        while chunk := list(islice(it, batch)):
            done += len(chunk)
            if helper is None and use_worker and done > big_list:
                helper = _Worker(ctx)
            if helper is not None and helper.ready():
                helper.send(chunk, seen, ctx.held_out)
                in_flight += 1
                if in_flight > _IN_FLIGHT:
                    yield helper.receive()
                    in_flight -= 1
            else:
                yield job_rows(screen(chunk, ctx, seen))
        while in_flight:
            yield helper.receive()  # type: ignore[union-attr]  # in_flight > 0 only with a worker
            in_flight -= 1
    finally:
        if helper is not None:
            helper.close()


class _Worker:
    """The worker process and two I/O threads.

    A plain ``python -c`` child that imports the screen and nothing else (multiprocessing's
    spawn would import this program's ``__main__`` again: the whole CLI or web app). It is
    started by the sender thread and reports ready once it has the context, so this process
    goes on screening meanwhile. The threads only move bytes (pickling stays in the calling
    thread), so a big batch in one direction never waits for one in the other."""

    def __init__(self, ctx: ScreenContext) -> None:
        self._conn: Connection | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._inbox: queue.SimpleQueue[bytes | BaseException] = queue.SimpleQueue()
        self._handed_over = False
        self._closed = False
        # the loader goes on adding to ``held_out`` while the thread pickles the context: a copy
        snapshot = replace(ctx, held_out=set(ctx.held_out))
        threading.Thread(target=self._send_loop, args=(snapshot,), name="huashu-screen-send", daemon=True).start()

    def _spawn(self, ctx: ScreenContext) -> None:
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # the directory holding runtime/
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "from runtime.campaigns.screening import _child_main; _child_main()",
                 str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        self._conn.send_bytes(pickle.dumps(ctx, pickle.HIGHEST_PROTOCOL))
        if pickle.loads(self._conn.recv_bytes()) != "ready":  # noqa: S301 - our own child, over a socketpair
            raise ScreenWorkerError("the screening worker did not start")

    def _send_loop(self, ctx: ScreenContext) -> None:
        try:
            self._spawn(ctx)
        except Exception as e:  # noqa: BLE001 - whatever stops the worker, the screening stays here
            _log.warning("screening worker not started, screening in this process: %r", e)
            self._stop()
            return
        conn = self._conn
        assert conn is not None
        threading.Thread(target=self._receive_loop, args=(conn,), name="huashu-screen-receive", daemon=True).start()
        self._ready.set()
        try:
            while (data := self._outbox.get()) is not None:
                conn.send_bytes(data)
            conn.send_bytes(pickle.dumps(None))
        except OSError:  # the worker is gone: the receiving side reports it
            pass
        self._stop()

    def _receive_loop(self, conn: Connection) -> None:
        try:
            while True:
                self._inbox.put(conn.recv_bytes())
        except (EOFError, OSError) as e:
            self._inbox.put(e)

    def _stop(self) -> None:
        """End the child: it leaves on ``None`` or when the socket closes; killed if it lingers."""
        if self._proc is not None:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._conn is not None:
            self._conn.close()

    def ready(self) -> bool:
        return self._ready.is_set()

    def send(self, chunk: list[CustomerRow], seen: dict[str, int], held_out: set[str]) -> None:
        if not self._handed_over:
            self._outbox.put(pickle.dumps(("seen", seen), pickle.HIGHEST_PROTOCOL))
            self._handed_over = True
        held = [r.customer_id for r in chunk if r.customer_id in held_out] if held_out else []
        tuples = [(r.row_no, r.phone, r.phone2, r.customer_id, r.name, r.variables, r.consent) for r in chunk]
        self._outbox.put(pickle.dumps(("rows", held, tuples), pickle.HIGHEST_PROTOCOL))

    def receive(self) -> list[tuple[Any, ...]]:
        got = self._inbox.get()
        if isinstance(got, BaseException):
            code = None
            if self._proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = self._proc.wait(timeout=5)  # the socket may report before the exit is reaped
            raise ScreenWorkerError(f"the screening worker process ended (exit code {code}): {got!r}")
        kind, payload = pickle.loads(got)  # noqa: S301 - our own child, over a socketpair
        if kind == "error":
            raise ScreenWorkerError(f"the screening worker failed:\n{payload}")
        return payload

    def close(self) -> None:
        """Ask the worker to end (the sender thread waits for it; a worker still starting is
        ended as soon as it is up)."""
        if not self._closed:
            self._closed = True
            self._outbox.put(None)


def _child_main() -> None:
    """Entry of the worker process: ``python -c ... <socket fd>``."""
    gc.disable()  # see paused_gc: this process only ever holds a context and a batch or two
    conn = Connection(int(sys.argv[1]))
    try:
        ctx = pickle.loads(conn.recv_bytes())  # noqa: S301 - our own parent, over a socketpair
    except EOFError:
        return
    conn.send_bytes(pickle.dumps("ready"))
    _serve(conn, ctx)


def _serve(conn: Connection, ctx: ScreenContext) -> None:
    """The worker's loop: batches in, :data:`COLUMNS` tuples out, until ``None`` or the pipe closes."""
    seen: dict[str, int] = {}
    try:
        while (msg := pickle.loads(conn.recv_bytes())) is not None:  # noqa: S301 - our own parent
            if msg[0] == "seen":
                seen = msg[1]
                continue
            _, held, tuples = msg
            ctx.held_out.update(held)
            out = job_rows(screen([CustomerRow(*t) for t in tuples], ctx, seen))
            conn.send_bytes(pickle.dumps(("rows", out), pickle.HIGHEST_PROTOCOL))
    except EOFError:  # the loading process went away: nothing to do
        return
    except BaseException:  # noqa: BLE001 - the loader raises it with this text
        with contextlib.suppress(OSError):
            conn.send_bytes(pickle.dumps(("error", traceback.format_exc())))
