"""A real FreeSWITCH that a test (or a benchmark) owns: its own configuration, ports, password.

The configuration is the distribution's (``<prefix>/etc/freeswitch``) copied to a temp
directory, with ``deploy/freeswitch/`` installed by the product's own installer
(:func:`telephony.freeswitch.deploy.install_config`) exactly as an operator would, and the
values a site sets (carrier address, Event Socket port and password) pointed at the test's
peers. FreeSWITCH runs in the foreground (``-nc -nf``) so we keep its pid and stop it by pid.

Where FreeSWITCH is: ``HUASHU_FS_PREFIX`` (default ``/opt/fs``, the prefix the run-time tarball
is built for); a distribution's package works too, e.g. ``HUASHU_FS_PREFIX=/usr`` with
``HUASHU_FS_CONF=/etc/freeswitch`` (its sample configuration) and the binary on ``bin/``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from telephony.freeswitch.deploy import install_config, set_vars
from tests.support.ports import free_port

__all__ = ["FS_PREFIX", "FS_BINARY", "FS_CONF", "Switch", "fs_available"]

FS_PREFIX = Path(os.environ.get("HUASHU_FS_PREFIX", "/opt/fs"))
FS_BINARY = FS_PREFIX / "bin" / "freeswitch"
FS_CONF = Path(os.environ.get("HUASHU_FS_CONF", str(FS_PREFIX / "etc" / "freeswitch")))
_ERR = re.compile(r"\[(ERR|CRIT|ALERT|EMERG)\]")


def fs_available() -> bool:
    return FS_BINARY.is_file() and os.access(FS_BINARY, os.X_OK) and (FS_CONF / "vars.xml").is_file()


@dataclass
class Switch:
    """One FreeSWITCH process; ``start()``, ``api(...)``, ``point_gateway(port)``, ``stop()``."""

    root: Path
    carrier_port: int = 5060  # where the "huashu" gateway sends calls (a sipp customer)
    esl_port: int = field(default_factory=lambda: free_port(socket.SOCK_STREAM))
    esl_password: str = field(default_factory=lambda: "t" + os.urandom(6).hex())
    internal_port: int = field(default_factory=free_port)
    external_port: int = field(default_factory=free_port)
    agent_dialstring: str = "error/USER_NOT_REGISTERED"
    sessions_per_second: int | None = None  # None: what vars_huashu.xml ships
    extra_vars: dict[str, str] = field(default_factory=dict)
    timer_b_ms: int | None = None  # sofia's timer-T1X64 on the external profile (32 s by default)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.root / "conf"

    @property
    def log_path(self) -> Path:
        return self.root / "log" / "freeswitch.log"

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    def configure(self) -> None:
        """Copy the distribution's configuration and install Huashu's as an operator would."""
        if self.conf.exists():
            shutil.rmtree(self.conf)
        shutil.copytree(FS_CONF, self.conf)
        for sub in ("log", "db", "run", "tmp", "recordings"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        vars_xml = self.conf / "vars.xml"
        text = vars_xml.read_text()
        for name, port in (("internal_sip_port", self.internal_port), ("external_sip_port", self.external_port),
                           ("internal_tls_port", free_port()), ("external_tls_port", free_port())):
            text = re.sub(rf'data="{name}=\d+"', f'data="{name}={port}"', text)
        vars_xml.write_text(text)
        values = {
            "huashu_esl_port": str(self.esl_port),
            "huashu_esl_password": self.esl_password,
            "huashu_trunk_realm": "127.0.0.1",
            "huashu_trunk_proxy": f"127.0.0.1:{self.carrier_port}",
            "huashu_trunk_register": "false",
            "huashu_recordings_dir": str(self.recordings),
            "huashu_agent_dialstring": self.agent_dialstring,
            **self.extra_vars,
        }
        if self.sessions_per_second is not None:
            values["huashu_sessions_per_second"] = str(self.sessions_per_second)
        install_config(self.conf, values)
        if self.timer_b_ms is not None:  # a test knob, not part of a deployment
            ext = self.conf / "sip_profiles" / "external.xml"
            ext.write_text(ext.read_text().replace(
                "<settings>", f'<settings>\n    <param name="timer-T1X64" value="{self.timer_b_ms}"/>', 1))
        # The sample gateway of the distribution (example.com) is not ours; the sample
        # configuration we copy already leaves it out of external/ on the test tarball.

    def start(self, timeout_s: float = 20.0) -> None:
        if not (self.conf / "vars.xml").exists():
            self.configure()
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        d = self.root
        cmd = [str(FS_BINARY), "-nc", "-nf", "-nonat", "-nonatmap", "-np",
               "-conf", str(self.conf), "-log", str(d / "log"), "-db", str(d / "db"), "-run", str(d / "run"),
               "-temp", str(d / "tmp"), "-recordings", str(self.recordings)]
        self.proc = subprocess.Popen(cmd, cwd=FS_PREFIX, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"FreeSWITCH exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if "is ready" in self.api("status", timeout_s=2):
                    return
            except (OSError, RuntimeError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"FreeSWITCH not ready in {timeout_s} s: {self.log_tail()}")

    def api(self, command: str, timeout_s: float = 10.0) -> str:
        """One API command over a fresh Event Socket connection (independent of the driver's)."""
        with socket.create_connection(("127.0.0.1", self.esl_port), timeout=timeout_s) as s:
            f = s.makefile("rb")

            def message() -> tuple[dict[str, str], bytes]:
                headers: dict[str, str] = {}
                while True:
                    line = f.readline()
                    if not line:
                        raise RuntimeError("Event Socket closed")
                    line = line.rstrip(b"\n")
                    if not line:
                        if headers:
                            break
                        continue
                    k, _, v = line.decode().partition(": ")
                    headers[k] = v
                body = f.read(int(headers["Content-Length"])) if "Content-Length" in headers else b""
                return headers, body

            message()
            s.sendall(f"auth {self.esl_password}\n\n".encode())
            h, _ = message()
            if not h.get("Reply-Text", "").startswith("+OK"):
                raise RuntimeError(f"Event Socket auth refused: {h}")
            s.sendall(f"api {command}\n\n".encode())
            _, body = message()
            return body.decode(errors="replace")

    def point_gateway(self, port: int) -> None:
        """Send the "huashu" gateway's calls to ``127.0.0.1:port`` (a fresh sipp per test)."""
        if port == self.carrier_port:
            return
        gw = self.conf / "sip_profiles" / "external" / "huashu-gateway.xml"
        set_vars(self.conf / "vars_huashu.xml", {"huashu_trunk_proxy": f"127.0.0.1:{port}"})
        assert gw.exists()
        self.carrier_port = port
        self.api("sofia profile external killgw huashu")
        self.api("reloadxml")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.api("sofia profile external rescan")
            if f"127.0.0.1:{port}" in self.api("sofia status gateway huashu"):
                return
            time.sleep(0.2)
        raise RuntimeError(f"gateway huashu did not move to port {port}: {self.api('sofia status gateway huashu')}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def error_lines(self, since: int = 0) -> list[str]:
        """``[ERR]`` (and worse) lines of the log from byte offset ``since``."""
        return [ln for ln in self.log_text()[since:].splitlines() if _ERR.search(ln)]

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM by pid (FreeSWITCH shuts down cleanly on it), SIGKILL if it hangs."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def kill(self) -> None:
        """SIGKILL: a crash, for the restart tests."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
