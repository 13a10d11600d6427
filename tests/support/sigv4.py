"""AWS Signature Version 4, as the test's fake S3 server checks it.

The recording store signs with the ``minio`` client; this independent signer, checked against
the worked examples in AWS's S3 documentation ("Signature Calculations for the Authorization
Header"), lets the fake server refuse any request whose signature is wrong, so the tests show
that the store's requests would pass a real S3 endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

__all__ = ["sign_v4", "EMPTY_SHA256", "sha256_hex"]

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    """Each name and value URI-encoded once (the wire form is decoded first: ``%2F`` stays
    ``%2F``, it does not become ``%252F``), sorted by name."""
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        k, _, v = part.partition("=")
        pairs.append((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def sign_v4(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    access_key: str,
    secret_key: str,
    region: str,
    now: datetime | None = None,
    service: str = "s3",
) -> dict[str, str]:
    """Headers to send: the given ones plus ``x-amz-date``, ``x-amz-content-sha256`` and ``Authorization``.

    ``url``'s path and query must already be URI-encoded the way they go on the wire.
    """
    when = (now or datetime.now(UTC)).astimezone(UTC)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    day = when.strftime("%Y%m%d")
    parts = urlsplit(url)
    out = {k: v for k, v in headers.items()}
    out.setdefault("host", parts.netloc)
    out["x-amz-date"] = amz_date
    out["x-amz-content-sha256"] = payload_sha256
    canon = {k.lower(): " ".join(str(v).strip().split()) for k, v in out.items()}
    signed = ";".join(sorted(canon))
    canonical_request = "\n".join(
        [
            method.upper(),
            parts.path or "/",
            _canonical_query(parts.query),
            "".join(f"{k}:{canon[k]}\n" for k in sorted(canon)),
            signed,
            payload_sha256,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(canonical_request.encode())])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
    return out
