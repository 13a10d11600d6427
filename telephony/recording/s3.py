"""An S3-compatible recording store (AWS S3, MinIO, Ceph, cloud S3 APIs) behind the same interface.

Recordings are written to a local spool first (a call never waits on the network) and
uploaded when the call's recording closes, in a background thread. A ``.upload`` marker
beside each spooled file is removed only after the object store confirmed the PUT, so
:meth:`S3RecordingStore.flush_pending` (run at start-up) uploads whatever a crash or an
outage left behind: no recording is lost to a network error. Objects are
``<prefix><call_id>.wav``; retention lists them and deletes by ``LastModified``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
from defusedxml import ElementTree as ET  # a list answer is the server's XML: no entity expansion

from telephony.contract import RecordingInfo, RecordingSink
from telephony.recording.sigv4 import EMPTY_SHA256, sha256_hex, sign_v4
from telephony.recording.store import LocalRecordingStore, RecordingStoreError, valid_call_id

__all__ = ["S3Config", "S3RecordingStore"]

_MARKER = ".upload"
_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


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
            raise ValueError(f"S3 endpoint must start with http:// or https://, got {self.endpoint!r}")
        if not self.bucket or "/" in self.bucket:
            raise ValueError(f"S3 bucket name {self.bucket!r} is not valid")


class _UploadingSink:
    def __init__(self, inner: RecordingSink, on_close: Callable[[RecordingInfo], None]) -> None:
        self._inner = inner
        self._on_close = on_close
        self._info: RecordingInfo | None = None

    def write(self, inbound: bytes, outbound: bytes) -> None:
        self._inner.write(inbound, outbound)

    def close(self) -> RecordingInfo:
        if self._info is None:
            self._info = self._inner.close()
            self._on_close(self._info)
        return self._info


class S3RecordingStore:
    """A :class:`~telephony.recording.store.RecordingStore` on an S3-compatible bucket."""

    def __init__(
        self,
        config: S3Config,
        spool_dir: Path,
        *,
        client: httpx.Client | None = None,
        background: bool = True,
    ) -> None:
        self.config = config
        self.spool = LocalRecordingStore(spool_dir)
        self._client = client or httpx.Client(timeout=config.timeout_s)
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="s3-upload") if background else None
        self._lock = threading.Lock()
        self.pending: set[Future[None]] = set()
        self.failures: list[str] = []

    # -- HTTP -----------------------------------------------------------------------
    def _url(self, key: str = "", query: str = "") -> str:
        base = f"{self.config.endpoint.rstrip('/')}/{quote(self.config.bucket)}"
        path = f"{base}/{quote(key, safe='/~')}" if key else f"{base}/"
        return f"{path}?{query}" if query else path

    def _request(self, method: str, key: str = "", query: str = "", body: bytes = b"") -> httpx.Response:
        url = self._url(key, query)
        payload = sha256_hex(body) if body else EMPTY_SHA256
        headers = sign_v4(
            method, url, {}, payload, self.config.access_key, self.config.secret_key, self.config.region
        )
        try:
            return self._client.request(method, url, headers=headers, content=body or None)
        except httpx.HTTPError as exc:
            raise RecordingStoreError(f"S3 {method} {self.config.bucket}/{key}: {exc}") from exc

    def _key(self, call_id: str) -> str:
        return f"{self.config.prefix}{call_id}.wav"

    # -- uploads --------------------------------------------------------------------
    def _upload(self, info: RecordingInfo) -> None:
        data = info.path.read_bytes()
        r = self._request("PUT", self._key(info.call_id), body=data)
        if r.status_code // 100 != 2:
            raise RecordingStoreError(
                f"S3 PUT {self.config.bucket}/{self._key(info.call_id)} failed: HTTP {r.status_code} {r.text[:200]}"
            )
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
    def open(self, call_id: str, started: datetime | None = None) -> RecordingSink:
        valid_call_id(call_id)
        return _UploadingSink(self.spool.open(call_id, started), self._closed)

    def path_for(self, call_id: str) -> Path | None:
        local = self.spool.path_for(call_id)
        if local is not None:
            return local
        r = self._request("GET", self._key(call_id))
        if r.status_code == 404:
            return None
        if r.status_code // 100 != 2:
            raise RecordingStoreError(
                f"S3 GET {self.config.bucket}/{self._key(call_id)}: HTTP {r.status_code}"
            )
        path = self.spool.root / "fetched" / f"{call_id}.wav"
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # a call's audio: owner only
        with os.fdopen(fd, "wb") as fh:
            fh.write(r.content)
        return path

    def open_read(self, call_id: str) -> Path:
        p = self.path_for(call_id)
        if p is None:
            raise RecordingStoreError(f"no recording for call {call_id} in bucket {self.config.bucket}")
        return p

    def find(self, call_id: str, location: str | None = None) -> Path:
        """The spooled file at ``location`` when it is still here, else fetched by call id."""
        try:
            return self.spool.find(call_id, location)
        except RecordingStoreError:
            return self.open_read(call_id)

    def location_of(self, path: Path) -> str:
        return self.spool.location_of(path)

    def _list(self) -> list[tuple[str, datetime]]:
        out: list[tuple[str, datetime]] = []
        token = ""
        while True:
            q = f"list-type=2&prefix={quote(self.config.prefix, safe='')}"
            if token:
                q += f"&continuation-token={quote(token, safe='')}"
            r = self._request("GET", "", q)
            if r.status_code // 100 != 2:
                raise RecordingStoreError(f"S3 list {self.config.bucket}: HTTP {r.status_code}")
            root = ET.fromstring(r.content)
            for c in root.iter(f"{_NS}Contents"):
                key = c.findtext(f"{_NS}Key") or ""
                modified = (c.findtext(f"{_NS}LastModified") or "").replace("Z", "+00:00")
                out.append((key, datetime.fromisoformat(modified)))
            if (root.findtext(f"{_NS}IsTruncated") or "false") != "true":
                return out
            token = root.findtext(f"{_NS}NextContinuationToken") or ""

    def delete_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete objects modified before ``now - days`` and the matching local spool days."""
        if days < 0:
            raise ValueError(f"retention days must be >= 0, got {days}")
        now = now or datetime.now(UTC)
        cutoff = now - timedelta(days=days)
        deleted = 0
        for key, modified in self._list():
            if modified < cutoff:
                r = self._request("DELETE", key)
                if r.status_code // 100 != 2:
                    raise RecordingStoreError(f"S3 DELETE {self.config.bucket}/{key}: HTTP {r.status_code}")
                deleted += 1
        self.flush_pending()  # never drop a spooled day whose upload is unconfirmed (raises if it fails)
        self.spool.delete_older_than(days, now)
        return deleted

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._client.close()
