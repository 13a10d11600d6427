"""An S3-compatible recording store (AWS S3, MinIO, Ceph, cloud S3 APIs) behind the same interface.

Recordings are written to a local spool first (a call never waits on the network) and
uploaded when the call's recording closes, in a background thread. A ``.upload`` marker
beside each spooled file is removed only after the object store confirmed the PUT, so
:meth:`S3RecordingStore.flush_pending` (run at start-up) uploads whatever a crash or an
outage left behind: no recording is lost to a network error. Objects are
``<prefix><call_id>.wav``; retention lists them and deletes by ``LastModified``.

The wire protocol (SigV4 signing, XML listings, error bodies) is the maintained ``minio``
client's; this module only maps its outcomes onto :class:`RecordingStoreError`.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from huashu.core.errors import UserError
from telephony.contract import RecordingInfo, RecordingSink
from telephony.recording.store import (
    CapturingSink,
    LocalRecordingStore,
    RecordingStoreError,
    recording_path,
    valid_call_id,
)

__all__ = ["S3Config", "S3RecordingStore"]

_MARKER = ".upload"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class S3Config:
    endpoint: str  # e.g. "https://s3.eu-west-1.amazonaws.com" or "http://127.0.0.1:9000"
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    prefix: str = "recordings/"
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.endpoint.startswith(("http://", "https://")):
            raise UserError(f"S3 endpoint must start with http:// or https://, got {self.endpoint!r}")
        parts = urlsplit(self.endpoint)
        if not parts.hostname or parts.path.strip("/") or parts.query:
            # the client addresses the bucket itself (path or virtual-host style): no path here
            raise UserError(f"S3 endpoint must be scheme://host[:port] without a path, got {self.endpoint!r}")
        if not self.bucket or "/" in self.bucket:
            raise UserError(f"S3 bucket name {self.bucket!r} is not valid")

    def client(self) -> Minio:
        """The minio client for this bucket's server. No HTTP retries of its own: the spool and
        :meth:`S3RecordingStore.flush_pending` are the retry, and a background upload must not
        hold a worker through minio's default five attempts against a server that is down."""
        parts = urlsplit(self.endpoint)
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=self.timeout_s, read=self.timeout_s),
            retries=urllib3.Retry(total=0, redirect=0, raise_on_status=False),
        )
        return Minio(parts.netloc, access_key=self.access_key, secret_key=self.secret_key,
                     secure=parts.scheme == "https", region=self.region, http_client=http)


def _status(exc: Exception) -> str:
    """The HTTP status and S3 code of a failed request, for the message (``HTTP 403 AccessDenied``)."""
    if isinstance(exc, S3Error):
        return f"HTTP {exc.response.status} {exc.code}"
    if isinstance(exc, ServerError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, InvalidResponseError):  # its message names the status: "Response code: 502"
        return str(exc)[:200]
    return f"{type(exc).__name__}: {exc}"


def _is_missing(exc: Exception) -> bool:
    return isinstance(exc, S3Error) and (exc.code == "NoSuchKey" or exc.response.status == 404)


_FAILURES = (MinioException, urllib3.exceptions.HTTPError, OSError)


class S3RecordingStore:
    """A :class:`~telephony.recording.store.RecordingStore` on an S3-compatible bucket."""

    remote = True

    def __init__(
        self,
        config: S3Config,
        spool_dir: Path,
        *,
        client: Minio | None = None,
        background: bool = True,
    ) -> None:
        self.config = config
        self.spool = LocalRecordingStore(spool_dir)
        self._client = client or config.client()
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="s3-upload") if background else None
        self._lock = threading.Lock()
        self.pending: set[Future[None]] = set()
        self.failures: list[str] = []

    def _key(self, call_id: str) -> str:
        return f"{self.config.prefix}{call_id}.wav"

    def _error(self, what: str, key: str, exc: Exception) -> RecordingStoreError:
        return RecordingStoreError(f"S3 {what} {self.config.bucket}/{key} failed: {_status(exc)}")

    # -- uploads --------------------------------------------------------------------
    def _upload(self, info: RecordingInfo) -> None:
        key = self._key(info.call_id)
        try:
            with info.path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                self._client.put_object(self.config.bucket, key, fh, size, content_type="audio/wav")
        except _FAILURES as exc:
            raise self._error("PUT", key, exc) from exc
        info.path.with_name(info.path.name + _MARKER).unlink(missing_ok=True)

    def _upload_logged(self, info: RecordingInfo) -> None:
        try:
            self._upload(info)
        except RecordingStoreError as exc:
            with self._lock:
                self.failures.append(str(exc))  # the marker stays: flush_pending() retries

    def _closed(self, info: RecordingInfo) -> None:
        info.path.with_name(info.path.name + _MARKER).touch()
        if self._pool is None:
            self._upload_logged(info)
            return
        fut = self._pool.submit(self._upload_logged, info)
        self.pending.add(fut)
        fut.add_done_callback(self.pending.discard)

    def flush_pending(self) -> int:
        """Upload every spooled recording whose upload was never confirmed; returns how many now are."""
        for fut in list(self.pending):
            fut.result()
        done = 0
        for marker in sorted(self.spool.root.glob(f"*/*/*/*.wav{_MARKER}")):
            wav = marker.with_name(marker.name[: -len(_MARKER)])
            if not wav.is_file():
                marker.unlink()
                continue
            self._upload(RecordingInfo(call_id=wav.stem, path=wav, duration_ms=0))
            done += 1
        return done

    # -- the RecordingStore interface ---------------------------------------------------
    def recover(self) -> int:
        """The spool's half-written recordings, then the uploads never confirmed. A bucket that
        is down is logged, not raised: the spool keeps them for the next start."""
        done = self.spool.recover()
        try:
            done += self.flush_pending()
        except RecordingStoreError as e:
            _log.warning("recordings: pending uploads not flushed: %s", e)
        return done

    def open(self, call_id: str, started: datetime | None = None) -> RecordingSink:
        valid_call_id(call_id)
        return CapturingSink(self.spool.open(call_id, started), self._closed)

    def path_for(self, call_id: str) -> Path | None:
        local = self.spool.path_for(call_id)
        if local is not None:
            return local
        key = self._key(call_id)
        path = self.spool.root / "fetched" / f"{call_id}.wav"
        try:
            response = self._client.get_object(self.config.bucket, key)
        except _FAILURES as exc:
            if _is_missing(exc):
                return None
            raise self._error("GET", key, exc) from exc
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # a call's audio: owner only
            with os.fdopen(fd, "wb") as fh:
                for chunk in response.stream(64 * 1024):
                    fh.write(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            path.unlink(missing_ok=True)  # never serve half a recording
            raise self._error("GET", key, exc) from exc
        finally:
            response.close()
            response.release_conn()
        return path

    def open_read(self, call_id: str) -> Path:
        return recording_path(self.path_for(call_id), call_id, f"in bucket {self.config.bucket}")

    def find(self, call_id: str, location: str | None = None) -> Path:
        """The spooled file at ``location`` when it is still here, else fetched by call id."""
        try:
            return self.spool.find(call_id, location)
        except RecordingStoreError:
            return self.open_read(call_id)

    def location_of(self, path: Path) -> str:
        return self.spool.location_of(path)

    def _list(self) -> list[tuple[str, datetime]]:
        """Every object under the prefix with its ``LastModified`` (the client follows the pages)."""
        try:
            return [
                (obj.object_name, obj.last_modified)
                for obj in self._client.list_objects(self.config.bucket, prefix=self.config.prefix, recursive=True)
                if obj.object_name is not None and obj.last_modified is not None
            ]
        except _FAILURES as exc:
            raise RecordingStoreError(f"S3 list {self.config.bucket} failed: {_status(exc)}") from exc

    def delete_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete objects modified before ``now - days`` and the matching local spool days."""
        if days < 0:
            raise UserError(f"retention days must be >= 0, got {days}")
        now = now or datetime.now(UTC)
        cutoff = now - timedelta(days=days)
        deleted = 0
        for key, modified in self._list():
            if modified < cutoff:
                try:
                    self._client.remove_object(self.config.bucket, key)
                except _FAILURES as exc:
                    raise self._error("DELETE", key, exc) from exc
                deleted += 1
        self.flush_pending()  # never drop a spooled day whose upload is unconfirmed (raises if it fails)
        self.spool.delete_older_than(days, now)
        return deleted

    def delete(self, call_id: str) -> list[str]:
        """The object in the bucket, the spooled copy and a fetched copy."""
        valid_call_id(call_id)
        for fut in list(self.pending):
            fut.result()  # an upload still running would put the object back after the delete
        key = self._key(call_id)
        gone = self.spool.delete(call_id)
        fetched = self.spool.root / "fetched" / f"{call_id}.wav"
        if fetched.is_file():
            fetched.unlink()
            gone.append(f"fetched/{fetched.name}")
        try:  # S3's DELETE of a missing key succeeds too: the object is gone either way
            self._client.remove_object(self.config.bucket, key)
        except _FAILURES as exc:
            raise self._error("DELETE", key, exc) from exc
        return [*gone, f"s3://{self.config.bucket}/{key}"]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
