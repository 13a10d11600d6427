"""A real Kannel for the SMS tests: bearerbox + smsbox from Debian's ``kannel`` and the test SMSC
``fakesmsc`` from ``kannel-extras``, on free 127.0.0.1 ports in a temporary directory.

``received()`` reads what the fake SMSC got (``Got message N: <from to ucs-2 %xx..>``) back into
text, so a test sees exactly what a phone would have been sent.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port

__all__ = ["BEARERBOX", "SMSBOX", "FAKESMSC", "Kannel", "kannel", "available"]

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
_GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>")


def available() -> bool:
    return all(os.access(p, os.X_OK) for p in (BEARERBOX, SMSBOX, FAKESMSC))


def _wait_port(port: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@dataclass
class Kannel:
    dir: Path
    sendsms_port: int
    username: str = "huashu"
    password: str = "test-pw"

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def received(self) -> list[tuple[str, str]]:
        """(to, text) of every message the fake SMSC got, in order."""
        out = []
        for line in (self.dir / "fakesmsc.out").read_text(errors="replace").splitlines():
            m = _GOT.search(line)
            if m is None:
                continue
            _, to, coding, data = m.groups()
            raw = urllib.parse.unquote_to_bytes(data.replace("+", "%20"))  # form encoding: + is a 0x20 byte
            out.append((to, raw.decode("utf-16-be") if coding == "ucs-2" else raw.decode("latin-1")))
        return out


_CONF = """group = core
admin-port = {admin}
admin-interface = 127.0.0.1
admin-password = {password}
admin-allow-ip = 127.0.0.1
smsbox-port = {smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = {dir}/bearerbox.log
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
log-file = {dir}/smsbox.log
log-level = 1

group = sendsms-user
username = {user}
password = {password}
concatenation = true
max-messages = 10
"""


# Replies (MO messages) go to the node's listener, as docs/reach.md tells a deployment to set
# it up; max-messages = 0: Kannel sends nothing back to the customer.
_REPLY_SERVICE = """
group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{url}?from=%p&text=%a&token={token}"
"""


@contextlib.contextmanager
def kannel(tmp: Path, reply_url: str | None = None, reply_token: str = "", replies: tuple[str, ...] = ()) -> Iterator[Kannel]:
    """Start bearerbox, the fake SMSC and smsbox; stop them (by pid) afterwards.

    ``replies``: fakesmsc lines ("<sender> <receiver> text <message>") the fake SMSC sends as
    customers' replies (MO), forwarded by smsbox's ``sms-service`` to ``reply_url``; it sends
    len(replies) messages, each picked at random among the lines."""
    k = Kannel(tmp, free_port())
    admin, smsbox, smsc = free_port(), free_port(), free_port()
    conf = tmp / "kannel.conf"
    text = _CONF.format(admin=admin, smsbox=smsbox, smsc=smsc, sendsms=k.sendsms_port, dir=tmp,
                        user=k.username, password=k.password)
    if reply_url is not None:
        text += _REPLY_SERVICE.format(url=reply_url, token=reply_token)
    conf.write_text(text, encoding="utf-8")
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], out: str) -> None:
        f = (tmp / out).open("wb")
        procs.append(subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, cwd=tmp, start_new_session=True))

    try:
        start([BEARERBOX, str(conf)], "bearerbox.out")
        _wait_port(smsc)
        _wait_port(smsbox)
        start([SMSBOX, str(conf)], "smsbox.out")
        _wait_port(k.sendsms_port)
        time.sleep(0.5)  # smsbox has joined bearerbox: replies the fake SMSC sends now are routed to it
        start([FAKESMSC, "-H", "127.0.0.1", "-r", str(smsc), "-i", "0.2", "-m", str(len(replies)),
               *(replies or ("1 2 text unused",))], "fakesmsc.out")
        _wait_port(k.sendsms_port)
        time.sleep(0.5)  # smsbox and the fake SMSC finish their handshakes with bearerbox
        yield k
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
