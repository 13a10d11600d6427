"""The S3-compatible recording store: the fake server's SigV4 checker against AWS's published
examples, and the store (the minio client) against a small S3 endpoint on a real local socket
that checks every signature with that checker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pytest

from telephony.recording import RecordingStoreError, S3Config, S3RecordingStore
from tests.support.sigv4 import EMPTY_SHA256, sha256_hex, sign_v4

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_sigv4_matches_the_aws_get_object_example() -> None:
    # AWS S3 API reference, "Signature Calculations for the Authorization Header", example GET Object
    h = sign_v4(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        EMPTY_SHA256,
        AK,
        SK,
        "us-east-1",
        datetime(2013, 5, 24, tzinfo=UTC),
    )
    assert h["Authorization"].endswith(
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date" in h["Authorization"]


def test_sigv4_matches_the_aws_put_object_example() -> None:
    body = b"Welcome to Amazon S3."
    h = sign_v4(
        "PUT",
        "https://examplebucket.s3.amazonaws.com/test%24file.text",
        {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
        sha256_hex(body),
        AK,
        SK,
        "us-east-1",
        datetime(2013, 5, 24, tzinfo=UTC),
    )
    assert h["Authorization"].endswith(
        "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    )


class _FakeS3(BaseHTTPRequestHandler):
    objects: dict[str, tuple[bytes, datetime]] = {}
    secret = SK
    fail_puts = 0

    def log_message(self, *args: object) -> None:
        pass

    def _verify(self, body: bytes) -> bool:
        auth = self.headers.get("Authorization", "")
        fields = dict(p.strip().split("=", 1) for p in auth.removeprefix("AWS4-HMAC-SHA256 ").split(","))
        signed = fields["SignedHeaders"].split(";")
        when = datetime.strptime(self.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        given = {h: self.headers[h] for h in signed if h not in ("x-amz-date", "x-amz-content-sha256")}
        payload = self.headers["x-amz-content-sha256"]
        if payload != sha256_hex(body):
            return False
        url = f"http://{self.headers['host']}{self.path}"
        want = sign_v4(self.command, url, given, payload, AK, self.secret, "us-east-1", when)
        return want["Authorization"] == auth

    def _reply(self, code: int, body: bytes = b"") -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        if body.startswith((b"<?xml", b"<Error>")):  # S3 labels its XML answers (listings, errors)
            self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._verify(body):
            return self._reply(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        parts = urlsplit(self.path)
        bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
        if bucket != "calls":
            return self._reply(404, b"<Error><Code>NoSuchBucket</Code></Error>")
        if self.command == "PUT":
            if _FakeS3.fail_puts:
                _FakeS3.fail_puts -= 1
                return self._reply(503, b"<Error><Code>SlowDown</Code></Error>")
            self.objects[key] = (body, datetime.now(UTC))
            return self._reply(200)
        if self.command == "DELETE":
            self.objects.pop(key, None)
            return self._reply(204)
        if key:
            if key not in self.objects:
                return self._reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
            return self._reply(200, self.objects[key][0])
        q = parse_qs(parts.query)
        keys = sorted(k for k in self.objects if k.startswith(q.get("prefix", [""])[0]))
        start = int(q.get("continuation-token", ["0"])[0])
        page = keys[start : start + 2]  # tiny pages, so the client must follow continuation tokens
        more = start + 2 < len(keys)
        items = "".join(
            f"<Contents><Key>{k}</Key><LastModified>{self.objects[k][1].strftime('%Y-%m-%dT%H:%M:%S.000Z')}"
            f"</LastModified><Size>{len(self.objects[k][0])}</Size></Contents>"
            for k in page
        )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Name>{bucket}</Name>{items}<IsTruncated>{'true' if more else 'false'}</IsTruncated>"
            f"{f'<NextContinuationToken>{start + 2}</NextContinuationToken>' if more else ''}</ListBucketResult>"
        )
        return self._reply(200, xml.encode())

    do_GET = do_PUT = do_DELETE = _handle


@pytest.fixture
def s3() -> Iterator[str]:
    _FakeS3.objects = {}
    _FakeS3.fail_puts = 0
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _FakeS3)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _record(store: S3RecordingStore, call_id: str, frames: int = 10) -> None:
    sink = store.open(call_id, started=datetime.now(UTC))
    for i in range(frames):
        sink.write(np.full(160, i, "<i2").tobytes(), np.full(160, -i, "<i2").tobytes())
    sink.close()


def test_recordings_upload_and_read_back(s3: str, tmp_path: Path) -> None:
    store = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "spool")
    _record(store, "c1")
    store.flush_pending()
    assert not store.failures
    body, _ = _FakeS3.objects["recordings/c1.wav"]
    assert body[:4] == b"RIFF" and len(body) == 44 + 10 * 160 * 4
    # a fresh node with an empty spool fetches it from the bucket
    other = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "spool2", background=False)
    assert other.open_read("c1").read_bytes() == body
    assert other.path_for("missing") is None
    with pytest.raises(RecordingStoreError, match="missing"):
        other.open_read("missing")


def test_failed_upload_stays_spooled_and_is_retried(s3: str, tmp_path: Path) -> None:
    _FakeS3.fail_puts = 1
    store = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "spool", background=False)
    _record(store, "c2")
    assert store.failures and "503" in store.failures[0]
    assert "recordings/c2.wav" not in _FakeS3.objects
    assert store.flush_pending() == 1
    assert "recordings/c2.wav" in _FakeS3.objects
    assert store.flush_pending() == 0


def test_wrong_secret_is_reported_not_hidden(s3: str, tmp_path: Path) -> None:
    store = S3RecordingStore(
        S3Config(s3, "calls", AK, "not-the-secret"), tmp_path / "spool", background=False
    )
    _record(store, "c3")
    assert store.failures and "403" in store.failures[0]
    with pytest.raises(RecordingStoreError, match="403"):
        store.flush_pending()


def test_retention_lists_all_pages_and_deletes_old_objects(s3: str, tmp_path: Path) -> None:
    store = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "spool", background=False)
    for i in range(5):
        _record(store, f"r{i}", frames=1)
    old = datetime.now(UTC) - timedelta(days=40)
    for k in ("recordings/r0.wav", "recordings/r3.wav", "recordings/r4.wav"):
        _FakeS3.objects[k] = (_FakeS3.objects[k][0], old)
    assert store.delete_older_than(30) == 3
    assert sorted(_FakeS3.objects) == ["recordings/r1.wav", "recordings/r2.wav"]


def test_bad_config_is_rejected() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        S3Config("s3.example.com", "b", AK, SK)
    with pytest.raises(ValueError, match="bucket"):
        S3Config("http://x", "a/b", AK, SK)


def test_the_web_fetches_a_recording_another_node_uploaded(s3: str, tmp_path: Path) -> None:
    """The attempt row names the writing node's spool path; on the web's machine that file is
    not there, so the configured bucket serves it by call id."""
    from web.operator.recording import recording_path

    node = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "node" / "spool")
    _record(node, "attempt-9")
    node.flush_pending()
    stored = str(tmp_path / "web-data" / "call-recordings" / "2026" / "12" / "06" / "attempt-9.wav")
    web_store = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "web-data" / "spool", background=False)
    p = recording_path(web_store, stored, 9)
    assert p.read_bytes() == _FakeS3.objects["recordings/attempt-9.wav"][0]


def test_an_endpoint_with_a_path_is_a_user_error() -> None:
    """The client addresses the bucket itself: a path on the endpoint would be silently ignored."""
    from huashu.core.errors import UserError

    with pytest.raises(UserError, match="without a path"):
        S3Config("http://127.0.0.1:9000/s3", "calls", AK, SK)


def test_erasure_deletes_the_object_and_every_local_copy(s3: str, tmp_path: Path) -> None:
    store = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "spool", background=False)
    _record(store, "attempt-5")
    _record(store, "attempt-6")
    other = S3RecordingStore(S3Config(s3, "calls", AK, SK), tmp_path / "web-spool", background=False)
    assert other.open_read("attempt-5").is_file()  # a fetched copy on another machine
    gone = store.delete("attempt-5")
    assert "attempt-5.wav" in gone and "s3://calls/recordings/attempt-5.wav" in gone
    assert "recordings/attempt-5.wav" not in _FakeS3.objects and "recordings/attempt-6.wav" in _FakeS3.objects
    assert store.spool.path_for("attempt-5") is None
    assert "fetched/attempt-5.wav" in other.delete("attempt-5")
    assert other.path_for("attempt-5") is None
