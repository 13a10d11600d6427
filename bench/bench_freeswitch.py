"""The FreeSWITCH driver through a real FreeSWITCH 1.10.12 (the run-time tarball at /opt/fs):

- calls per second the switch accepts from the driver (bgapi originate -> answered, sipp
  answering at once, switch session rate raised so the switch, not its throttle, is measured);
- CPU of the runtime process per concurrent bridged call with RTP both ways, at 20/50/100
  calls (and the switch's CPU beside it); every event attributed to its call, none stuck;
- end of customer speech -> first bot audio at the customer, measured from the RTP the
  customer receives, through FreeSWITCH and on the plain SIP path (same bot, same customer);
- post-dial delay: originate -> the customer's INVITE.

    nice -n 10 .venv/bin/python bench/bench_freeswitch.py [--levels 20,50,100] [--turns 20]

The customer runs in a child process (the project's SIP stack answering incoming calls), so
the CPU figures are the runtime's alone. The bot under test is deliberately simple: an energy
endpointer (speech, then 300 ms of quiet) and a 1 s reply prompt, so the figure is the media
path's (jitter buffer, bridge, RTP) plus that fixed 300 ms, not ASR time. Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from _timing import cpu_s, percentile  # noqa: E402

from huashu.core.telephony_settings import FreeswitchSettings  # noqa: E402
from telephony.contract import Answered, HungUp, OriginateRequest, PlaybackFinished  # noqa: E402
from telephony.freeswitch.driver import FreeswitchDriver  # noqa: E402
from telephony.sip import SipDriver, SipTrunk  # noqa: E402
from tests.freeswitch.switch import Switch, free_port, fs_available  # noqa: E402

ENDPOINT_MS = 300
LOUD = 1500.0


def cpu_pid(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tone(seconds: float, hz: float) -> bytes:
    t = np.arange(int(8000 * seconds)) / 8000
    return (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tobytes()


def rms(frame: bytes) -> float:
    a = np.frombuffer(frame, dtype="<i2").astype(np.float32)
    return float(np.sqrt(np.mean(a * a))) if a.size else 0.0


# --- the customer (child process) ------------------------------------------------------------
def _customer_main(port: int, turns: int, out: Any, ready: Any, stop: Any) -> None:
    """Answer every INVITE; after 0.5 s speak 1 s, then time the first loud frame that comes back."""

    async def main() -> None:
        drv = SipDriver(SipTrunk("127.0.0.1", 5060, local_ip="127.0.0.1", local_port=port,
                                 rtp_port_range=(40000, 50000)))
        tasks: set[asyncio.Task[None]] = set()

        async def talk(invite: Any, t_invite: float, number: str) -> None:
            call = await drv.accept_incoming(invite, f"cust-{number}")
            reply = None
            if turns:
                await asyncio.sleep(0.5)
                await call.play(tone(1.0, 300), 1)
                async for ev in call.events():
                    if isinstance(ev, PlaybackFinished):
                        break
                    if isinstance(ev, HungUp):
                        return
                spoke_end = time.monotonic()
                async for frame in call.incoming_frames():
                    if rms(frame) > LOUD:
                        reply = time.monotonic() - spoke_end
                        break
            out.put((number, t_invite, reply))

        def on_incoming(invite: Any) -> None:
            t = time.time()
            m = re.search(r"sip:\+?(\d+)@", str(getattr(invite.invite, "uri", "")))
            number = m.group(1) if m else "?"
            task = asyncio.get_running_loop().create_task(talk(invite, t, number))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        drv.on_incoming = on_incoming
        await drv.start()
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await drv.aclose()

    asyncio.run(main())


class CustomerProcess:
    def __init__(self, turns: int) -> None:
        self.port = free_port()
        self.out: Any = mp.Queue()
        self._ready, self._stop = mp.Event(), mp.Event()
        self.proc = mp.Process(target=_customer_main, args=(self.port, turns, self.out, self._ready, self._stop),
                               daemon=True)

    def __enter__(self) -> CustomerProcess:
        self.proc.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()

    def results(self, n: int, timeout: float = 30) -> list[tuple[str, float, float | None]]:
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            try:
                got.append(self.out.get(timeout=0.5))
            except Exception:  # noqa: BLE001 - queue.Empty
                continue
        return got


# --- the bot (this process) ------------------------------------------------------------------
async def bot_call(driver: Any, number: str, hold_s: float, reply: bool, stats: dict[str, Any]) -> None:
    t0 = time.time()
    call = await driver.originate(OriginateRequest(number, "95555", f"bench-{number}", ring_timeout_s=20))
    stats["originated"][number] = t0
    answered = asyncio.Event()

    async def events() -> None:
        async for ev in call.events():
            if isinstance(ev, Answered):
                answered.set()
            if isinstance(ev, HungUp):
                stats["ended"].append((number, call.outcome))
                answered.set()
                return

    ev_task = asyncio.create_task(events())
    await answered.wait()
    if call.outcome is None:
        if reply:
            heard, quiet = False, 0
            async for frame in call.incoming_frames():
                if rms(frame) > LOUD:
                    heard, quiet = True, 0
                elif heard:
                    quiet += 20
                    if quiet >= ENDPOINT_MS:
                        await call.play(tone(1.0, 500), 1)
                        break
        stats["up"] += 1
        if stats["up"] == stats["n"]:  # every call is up: measure the CPU of this steady state
            stats["t_all_up"] = (time.monotonic(), cpu_s(), cpu_pid(stats["fs_pid"]) if stats["fs_pid"] else 0.0)
            stats["all_up"].set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stats["all_up"].wait(), 60)
        await asyncio.sleep(hold_s)
        if "t_hangup" not in stats:
            stats["t_hangup"] = (time.monotonic(), cpu_s(), cpu_pid(stats["fs_pid"]) if stats["fs_pid"] else 0.0)
        await call.hangup()
    await asyncio.wait_for(ev_task, 20)


async def run_calls(driver: Any, n: int, hold_s: float, reply: bool, prefix: str, fs_pid: int = 0) -> dict[str, Any]:
    stats: dict[str, Any] = {"originated": {}, "ended": [], "up": 0, "n": n, "all_up": asyncio.Event(),
                             "fs_pid": fs_pid}
    await driver.start()
    try:
        await asyncio.gather(*(bot_call(driver, f"{prefix}{i:05d}", hold_s, reply, stats) for i in range(n)))
    finally:
        await driver.aclose()
    return stats


def fs_driver(sw: Switch, media_port: int, **kw: Any) -> FreeswitchDriver:
    return FreeswitchDriver(FreeswitchSettings(port=sw.esl_port, password=sw.esl_password,
                                               media_endpoint=f"huashu@127.0.0.1:{media_port}",
                                               media_listen_port=media_port, **kw))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--levels", default="20,50,100", help="Concurrent bridged calls to measure CPU at.")
    ap.add_argument("--turns", type=int, default=20, help="Calls for the speech-end -> bot-audio latency.")
    ap.add_argument("--setups", type=int, default=100, help="Calls for calls/s the switch accepts.")
    ap.add_argument("--hold", type=float, default=6.0, help="Seconds each concurrent call stays up.")
    args = ap.parse_args()
    if not fs_available():
        sys.exit("FreeSWITCH not found at $HUASHU_FS_PREFIX (default /opt/fs): run tools/setup.sh test")
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        sw = Switch(Path(tmp) / "fs", sessions_per_second=1000)
        sw.start()
        assert sw.proc is not None
        try:
            with CustomerProcess(turns=0) as cust:
                sw.point_gateway(cust.port)
                # 1. calls/s accepted: no pacing, switch throttle raised; originate -> answered.
                drv = fs_driver(sw, free_port(), cps=None, switch_sessions_per_second=1000)
                t0 = time.monotonic()
                st = asyncio.run(run_calls(drv, args.setups, 0.0, False, "1390"))
                el = time.monotonic() - t0
                ok = sum(1 for _, o in st["ended"] if str(o) == "connected")
                print(f"setups: {args.setups} bridged calls unpaced in {el:.2f} s = {args.setups / el:.1f} calls/s "
                      f"({ok} connected)")
                pdd = []
                got = cust.results(args.setups, 10)
                if got and not any(n in st["originated"] for n, _, _ in got):
                    print(f"  (customer numbers {got[0][0]!r} do not match {next(iter(st['originated']))!r})")
                for number, t_inv, _ in got:
                    t_org = st["originated"].get(number)
                    if t_org is not None:
                        pdd.append((t_inv - t_org) * 1000)
                print(f"post-dial delay (originate -> customer INVITE): p50 {percentile(pdd, .50):.1f} ms, "
                      f"p95 {percentile(pdd, .95):.1f} ms (n={len(pdd)})")
                # 2. CPU per concurrent call.
                for level in [int(x) for x in args.levels.split(",")]:
                    drv = fs_driver(sw, free_port(), cps=None, switch_sessions_per_second=1000)
                    st = asyncio.run(run_calls(drv, level, args.hold, False, f"13{level:03d}", sw.proc.pid))
                    (t0, c0, f0), (t1, c1, f1) = st["t_all_up"], st["t_hangup"]
                    el = t1 - t0
                    ok = sum(1 for _, o in st["ended"] if str(o) == "connected")
                    time.sleep(1)
                    stuck = int(re.search(r"(\d+) total", sw.api("show channels count")).group(1))  # type: ignore[union-attr]
                    print(f"{level:4d} calls up for {el:.1f} s: runtime CPU {100 * (c1 - c0) / el / level:.2f} % of a core "
                          f"per call, switch {100 * (f1 - f0) / el / level:.2f} %; {ok}/{level} connected, "
                          f"{len(st['ended'])} ended, {stuck} left on the switch")
                    cust.results(level, 5)
            # 3. speech end -> first bot audio, through FreeSWITCH and plain SIP.
            for path in ("freeswitch", "sip"):
                with CustomerProcess(turns=1) as cust:
                    if path == "freeswitch":
                        sw.point_gateway(cust.port)
                        drv: Any = fs_driver(sw, free_port())
                    else:
                        drv = SipDriver(SipTrunk("127.0.0.1", cust.port))
                    asyncio.run(run_calls(drv, args.turns, 0.3, True, "1370"))
                    lat = [r * 1000 for _, _, r in cust.results(args.turns, 10) if r is not None]
                    print(f"speech end -> first bot audio at the customer ({path}): p50 {percentile(lat, .50):.0f} ms, "
                          f"p95 {percentile(lat, .95):.0f} ms (n={len(lat)}, incl. {ENDPOINT_MS} ms endpointing)")
        finally:
            sw.stop()
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
