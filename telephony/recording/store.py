"""Where recordings live: one small interface, a local-folder store by default.

The web serves recordings with HTTP range requests from :meth:`RecordingStore.find` (a local
path), always by call id. Files are laid out ``<root>/YYYY/MM/DD/<call_id>.wav`` so retention
can drop whole days and an operator can find a call by date on disk. The database keeps a
recording's *location* relative to the root (``2026/07/01/attempt-5.wav``,
:meth:`RecordingStore.location_of`), so it means the same on the node that recorded it, the web
app, another working directory and another machine with the same store mounted.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from huashu.core.errors import HuashuError
from telephony.contract import RecordingInfo, RecordingSink
from telephony.recording.wav import PART_SUFFIX, StereoWavSink, recover_partial

__all__ = ["RecordingStore", "LocalRecordingStore", "RecordingStoreError", "valid_call_id", "location_matches"]

_log = logging.getLogger(__name__)
_CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
_LOCATION = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/([^/]+)\.wav$")


class RecordingStoreError(HuashuError, LookupError):
    """A recording that cannot be stored or found; the message names the call id."""


def valid_call_id(call_id: str) -> str:
    """Call ids become file names: letters, digits, ``_.-`` only, so no path can escape the root."""
    if not _CALL_ID.match(call_id) or ".." in call_id:
        raise RecordingStoreError(
            f"call id {call_id!r} is not usable as a recording name (letters, digits, _ . -)"
        )
    return call_id


def location_matches(location: str | None, call_id: str) -> bool:
    """True when ``location`` is exactly the store layout's place for ``call_id``'s recording
    (``YYYY/MM/DD/<call_id>.wav``): anything else in a row (``secret.key``, ``../x``, an
    absolute path) is never turned into a path."""
    m = _LOCATION.match(location or "")
    return m is not None and m.group(4) == call_id


@runtime_checkable
class RecordingStore(Protocol):
    """Where call recordings live (not prompt recordings: :mod:`runtime.speech.recordings`)."""

    #: The recordings live off this machine (an object store); the local files are a spool
    #: and a cache. False: the local folder is the store.
    remote: bool

    def open(self, call_id: str, started: datetime | None = None) -> RecordingSink:
        """A sink for a new recording; raises if one already exists for ``call_id``."""
        ...

    def path_for(self, call_id: str) -> Path | None:
        """The finished recording's local path, or None when there is none."""
        ...

    def open_read(self, call_id: str) -> Path:
        """A local file to serve (the web does range requests on it); raises when missing."""
        ...

    def find(self, call_id: str, location: str | None = None) -> Path:
        """:meth:`open_read`, looking first at ``location`` (from the database) when it is the
        layout's place for ``call_id``; raises when missing."""
        ...

    def location_of(self, path: Path) -> str:
        """Where a recording this store wrote lives, relative to the store (for the database)."""
        ...

    def delete_older_than(self, days: int, now: datetime | None = None) -> int:
        """Retention: delete recordings from days before ``now - days``; returns how many."""
        ...

    def delete(self, call_id: str) -> list[str]:
        """Erasure: delete ``call_id``'s recording wherever this store keeps it (every copy:
        the file, a half-written part, a spooled or fetched copy, the object in the bucket);
        returns what was deleted (file or object names), empty when there was none."""
        ...

    def recover(self) -> int:
        """At start-up: finish what a crashed node left half-written or unsent; returns how many."""
        ...


class CapturingSink:
    """A recording sink that closes its ``inner`` sink once and keeps the :class:`RecordingInfo`
    (:attr:`info`; closing again returns it), passing it to ``on_close`` that one time."""

    def __init__(self, inner: RecordingSink, on_close: Callable[[RecordingInfo], None] | None = None) -> None:
        self.inner = inner
        self.on_close = on_close
        self.info: RecordingInfo | None = None

    def write(self, inbound: bytes, outbound: bytes) -> None:
        self.inner.write(inbound, outbound)

    def close(self) -> RecordingInfo:
        if self.info is None:
            self.info = self.inner.close()
            if self.on_close is not None:
                self.on_close(self.info)
        return self.info


def recording_path(path: Path | None, call_id: str, where: str) -> Path:
    """``path``; :class:`RecordingStoreError` ``no recording for call <id> <where>`` when it is None."""
    if path is None:
        raise RecordingStoreError(f"no recording for call {call_id} {where}")
    return path


class LocalRecordingStore:
    """Recordings in a local folder tree, ``root/YYYY/MM/DD/<call_id>.wav``."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not self.root.exists():
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.root.chmod(0o700)  # mkdir's mode is filtered by the umask

    def _day_dir(self, day: date) -> Path:
        return self.root / f"{day.year:04d}" / f"{day.month:02d}" / f"{day.day:02d}"

    def open(self, call_id: str, started: datetime | None = None) -> RecordingSink:
        valid_call_id(call_id)
        if self.path_for(call_id) is not None:
            raise RecordingStoreError(
                f"a recording for call {call_id} already exists; refusing to overwrite it"
            )
        day = (started or datetime.now(UTC)).date()
        return StereoWavSink(call_id, self._day_dir(day) / f"{call_id}.wav")

    def _days(self) -> list[tuple[date, Path]]:
        out = []
        for d in self.root.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]"):
            try:
                out.append((date(int(d.parent.parent.name), int(d.parent.name), int(d.name)), d))
            except ValueError:
                continue
        return sorted(out, reverse=True)

    def path_for(self, call_id: str) -> Path | None:
        valid_call_id(call_id)
        for _, d in self._days():
            p = d / f"{call_id}.wav"
            if p.is_file():
                return p
        return None

    def open_read(self, call_id: str) -> Path:
        return recording_path(self.path_for(call_id), call_id, f"under {self.root}")

    def find(self, call_id: str, location: str | None = None) -> Path:
        valid_call_id(call_id)
        if location is not None and location_matches(location, call_id):
            p = self.root / location
            if p.is_file():
                return p
        return self.open_read(call_id)

    def location_of(self, path: Path) -> str:
        """``path`` relative to the root, ``YYYY/MM/DD/<call_id>.wav``; ValueError when the file
        is not where this store puts recordings."""
        rel = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        if not _LOCATION.match(rel):
            raise ValueError(f"{path} is not a recording of the store at {self.root}")
        return rel

    def delete_older_than(self, days: int, now: datetime | None = None) -> int:
        if days < 0:
            raise ValueError(f"retention days must be >= 0, got {days}")
        cutoff = (now or datetime.now(UTC)).date() - timedelta(days=days)
        deleted = 0
        for day, d in self._days():
            if day >= cutoff:
                continue
            deleted += sum(1 for p in d.iterdir() if p.suffix == ".wav")
            shutil.rmtree(d)
        return deleted

    def delete(self, call_id: str) -> list[str]:
        valid_call_id(call_id)
        gone: list[str] = []
        for _, d in self._days():
            for p in sorted(d.glob(f"{call_id}.*")):  # the WAV, a .part, an upload marker
                if p.is_file() and p.name.split(".", 1)[0] == call_id:
                    p.unlink()
                    gone.append(p.name)
        return gone

    def recover(self) -> int:
        return len(self.recover_partials())

    def recover_partials(self) -> list[Path]:
        """Finish recordings a crashed runtime left as ``.part`` files (run at start-up). A part
        too short to hold any audio (the process died before its buffer reached the disk) is
        logged and left where it is; it never stops the recovery of the others."""
        done: list[Path] = []
        for _, d in self._days():
            for p in sorted(d.glob(f"*{PART_SUFFIX}")):
                try:
                    done.append(recover_partial(p))
                except (ValueError, OSError) as e:
                    _log.warning("recording not recovered: %s", e)
        return done
