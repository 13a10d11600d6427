"""Run sipp as the far end of a test call: a scenario from this folder on a free loopback port.

Shared by the SIP tests and ``bench/bench_sip.py``; the customer audio is made here with
espeak-ng and sox (never downloaded).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SCENARIOS", "Sipp", "free_udp_port", "make_customer_audio"]

SCENARIOS = Path(__file__).resolve().parent


def free_udp_port(even: bool = False) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if not even or port % 2 == 0:
            return port


def _udp_port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _tcp_listening(port: int) -> bool:
    """Probed by bind, not connect: a probe connection would be a peer sipp has to deal with."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def make_customer_audio(folder: Path, text: str = "Hello, yes, I am interested. Tell me more please.") -> Path:
    """Raw PCMU at 8 kHz (what sipp's rtp_stream plays) of espeak-ng saying ``text``."""
    wav = folder / "customer.wav"
    raw = folder / "customer.ulaw"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(wav), text], check=True, capture_output=True)
    subprocess.run(["sox", str(wav), "-r", "8000", "-c", "1", "-t", "ul", str(raw)], check=True, capture_output=True)
    return raw


@dataclass
class Sipp:
    """One sipp UAS process; ``await start()``, place calls at ``port``, ``await wait()`` for its verdict."""

    scenario: str
    workdir: Path
    keys: dict[str, str] = field(default_factory=dict)
    calls: int = 1
    extra: list[str] = field(default_factory=list)
    timeout_s: float = 20.0
    transport: str = "udp"  # "tcp": sipp -t t1 (one TCP connection per peer)
    port: int = field(default_factory=free_udp_port)
    media_port: int = field(default_factory=lambda: free_udp_port(even=True))
    proc: asyncio.subprocess.Process | None = None

    @property
    def error_file(self) -> Path:
        return self.workdir / f"sipp-{self.port}-errors.log"

    def _render(self) -> Path:
        """The scenario with ``[key]`` filled in (sipp's own -key does not reach exec attributes)."""
        text = (SCENARIOS / self.scenario).read_text()
        for k, v in self.keys.items():
            text = text.replace(f"[{k}]", v)
        out = self.workdir / f"{self.port}-{self.scenario}"
        out.write_text(text)
        return out

    async def start(self) -> None:
        """Start sipp; a port taken between our probe and sipp's bind gets fresh ports (3 tries)."""
        for attempt in range(3):
            try:
                await self._start_once()
                return
            except RuntimeError as exc:
                if "errno = 98" not in str(exc) or attempt == 2:
                    raise
                self.port, self.media_port = free_udp_port(), free_udp_port(even=True)

    async def _start_once(self) -> None:
        cmd = [
            "sipp", "-sf", str(self._render()), "-i", "127.0.0.1", "-p", str(self.port),
            "-mi", "127.0.0.1", "-mp", str(self.media_port), "-m", str(self.calls),
            "-timeout", f"{int(self.timeout_s)}s", "-timeout_error", "-nostdin",
            "-trace_err", "-error_file", str(self.error_file), *self.extra,
        ]
        if self.transport == "tcp":
            cmd += ["-t", "t1"]
        self.proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, cwd=self.workdir
        )
        deadline = time.monotonic() + 5
        up = _tcp_listening if self.transport == "tcp" else _udp_port_taken
        while not up(self.port):
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sipp did not start: {await self._stderr()}")
            await asyncio.sleep(0.02)

    async def _stderr(self) -> str:
        assert self.proc is not None and self.proc.stderr is not None
        return (await self.proc.stderr.read()).decode(errors="replace")[-2000:]

    async def wait(self, timeout: float | None = None) -> int:
        """sipp's exit status (0: every call followed the scenario)."""
        assert self.proc is not None
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout or self.timeout_s + 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise

    def errors(self) -> str:
        return self.error_file.read_text(errors="replace") if self.error_file.exists() else ""

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
