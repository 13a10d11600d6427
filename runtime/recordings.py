"""Call recordings as the runtime and the web use them: the configured store, the recording
sample, retention, and finding a call's file to serve.

The stores themselves (local folder, S3-compatible) live in :mod:`telephony.recording`; this
module turns :class:`huashu.core.config.RecordingSettings` into one and applies the policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from huashu.core.config import RecordingSettings, Settings
from huashu.core.errors import UserError
from huashu.core.registry import Registry
from telephony.recording.store import LocalRecordingStore, RecordingStore, RecordingStoreError

__all__ = ["RECORDING_STORES", "RecordingConfigError", "open_recording_store", "open_recording_reader", "recordings_dir", "should_record",
           "apply_retention", "recover", "retention_loop", "RecordingStoreError", "attempt_call_id", "find_recording"]

_log = logging.getLogger(__name__)


class RecordingConfigError(UserError):
    """The recording settings cannot make a store; the message names the setting."""


def recordings_dir(settings: Settings) -> Path:
    """Where call recordings (or the S3 store's local spool) live."""
    rs = settings.recordings
    return Path(rs.dir) if rs.dir is not None else Path(settings.data_dir) / "call-recordings"


def attempt_call_id(attempt_id: int) -> str:
    """The call id of a dial attempt, the name its recording has in every store."""
    return f"attempt-{attempt_id}"


def _check_private(settings: Settings, root: Path) -> None:
    """The recordings folder holds recordings only: never the data directory itself or one above
    it, where the database and the secret key live."""
    data = Path(settings.data_dir).resolve()
    where = root.resolve()
    if data == where or data.is_relative_to(where):
        raise RecordingConfigError(
            f"recordings.dir {root} contains the data directory {settings.data_dir} (the database and the "
            "secret key); give recordings a folder of their own (default: <data_dir>/call-recordings)"
        )


def open_recording_store(settings: Settings) -> RecordingStore | None:
    """The store the settings ask for; None when recording is switched off."""
    rs: RecordingSettings = settings.recordings
    if not rs.enabled:
        return None
    return open_recording_reader(settings)


def _s3_store(settings: Settings, root: Path) -> RecordingStore:
    from telephony.recording.s3 import S3Config, S3RecordingStore

    rs = settings.recordings
    missing = [n for n in ("s3_endpoint", "s3_bucket", "s3_access_key", "s3_secret_key") if not getattr(rs, n)]
    if missing:
        raise RecordingConfigError(
            "S3 recordings need " + ", ".join(f"recordings.{n}" for n in missing)
            + " (HUASHU_RECORDINGS__" + missing[0].upper() + ", ...)"
        )
    try:
        config = S3Config(str(rs.s3_endpoint), str(rs.s3_bucket), str(rs.s3_access_key), str(rs.s3_secret_key),
                          region=rs.s3_region, prefix=rs.s3_prefix)
    except UserError as e:
        raise RecordingConfigError(f"recordings: {e}") from e
    return S3RecordingStore(config, root)


def _local_store(settings: Settings, root: Path) -> RecordingStore:
    try:
        return LocalRecordingStore(root)
    except OSError as e:
        raise RecordingConfigError(f"recordings.dir {root}: cannot create it ({e.strerror})") from e


#: The call-recording stores, each built from the settings and its local folder (the store
#: itself, or the S3 store's spool). Any ``recordings.s3_*`` setting chooses ``s3``.
RECORDING_STORES: Registry[Callable[[Settings, Path], RecordingStore]] = Registry("recording store")
RECORDING_STORES.register("local", _local_store)
RECORDING_STORES.register("s3", _s3_store)


def open_recording_reader(settings: Settings) -> RecordingStore:
    """The configured store whether or not new calls are recorded: the web serves the recordings
    made while recording was on from it."""
    rs: RecordingSettings = settings.recordings
    root = recordings_dir(settings)
    _check_private(settings, root)
    kind = "s3" if rs.s3_endpoint or rs.s3_bucket else "local"
    return RECORDING_STORES.get(kind)(settings, root)


def find_recording(store: RecordingStore, attempt_id: int, location: str | None) -> Path:
    """The local file of attempt ``attempt_id``'s recording, found by its call id in ``store``.

    ``location`` is what the database row says; it is only a hint, used when it is exactly the
    store's place for this call (``YYYY/MM/DD/attempt-<id>.wav``), never as a path of its own.
    Raises :class:`RecordingStoreError` (a ``LookupError``) when the store has no such file."""
    return store.find(attempt_call_id(attempt_id), location)


def should_record(call_id: str, sample: float) -> bool:
    """Whether this call is in the recording sample: a hash of the call id, so the decision is
    the same on every node and in every rerun (no random state)."""
    if sample >= 1.0:
        return True
    if sample <= 0.0:
        return False
    h = int.from_bytes(hashlib.blake2b(call_id.encode(), digest_size=8).digest(), "big")
    return h / 2**64 < sample


def apply_retention(store: RecordingStore, days: int | None, now: datetime | None = None) -> int:
    """Delete recordings older than ``days`` (None: keep for ever); returns how many went."""
    if days is None:
        return 0
    deleted = store.delete_older_than(days, now)
    if deleted:
        _log.info("recording retention: %d recordings older than %d days deleted", deleted, days,
                  extra={"hs_deleted": deleted})
    return deleted


def recover(store: RecordingStore) -> int:
    """At start-up: finish the recordings a crashed node left half-written (local ``.part``
    files) and upload the ones whose upload was never confirmed (S3). Returns how many."""
    return store.recover()


async def retention_loop(store: RecordingStore, days: int | None, stop: asyncio.Event, every_s: float = 3600.0) -> None:
    """Apply retention now and then every ``every_s`` until ``stop``; a failure is logged and
    tried again next time (a node must not die because the bucket is briefly down)."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(apply_retention, store, days)
        except (RecordingStoreError, OSError) as e:
            _log.warning("recording retention failed: %s", e)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
