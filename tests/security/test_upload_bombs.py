"""Issue 15, finding 4: uploads are read streaming within a row limit and an expanded-size
limit; an XLSX that expands past the limit is refused before it is read, in bounded memory."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from runtime.campaigns.upload_limits import UploadLimits, size_text
from runtime.campaigns.uploads import (
    RowError,
    UploadError,
    UploadTooLarge,
    read_csv_text,
    read_upload,
    read_xlsx,
)
from tests.support.sec_data_bombs import lying_wav, plain_xlsx, xlsx_bomb

ROOT = Path(__file__).resolve().parents[2]
#: peak RSS growth allowed while a 1 GB bomb is refused (the bomb itself is ~3 MB)
MEMORY_BOUND_MB = 60


def test_a_1gb_xlsx_bomb_is_refused_before_it_is_read_and_memory_stays_bounded() -> None:
    """In a fresh process, so the peak (VmHWM) is this upload's and no other test's."""
    probe = r"""
import json, time
from tests.support.sec_data_bombs import xlsx_bomb
from runtime.campaigns.uploads import read_xlsx, UploadTooLarge
from runtime.campaigns.upload_limits import UploadLimits
import openpyxl  # loaded before the baseline: the refusal must not need it

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
data = xlsx_bomb(1024)
before, t = hwm(), time.monotonic()
try:
    read_xlsx(data, [], UploadLimits())
    message = None
except UploadTooLarge as e:
    message = str(e)
print(json.dumps({"size": len(data), "message": message, "growth_mb": hwm() - before, "s": time.monotonic() - t}))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    got = json.loads(out.stdout)
    assert got["size"] < 5_000_000
    assert got["message"] == "the sheet expands to 1.0 GB; the limit is 200 MB"
    assert got["growth_mb"] < MEMORY_BOUND_MB, got
    assert got["s"] < 1.0, got


def test_a_sheet_that_lies_about_its_size_is_refused_as_unreadable() -> None:
    """Declared 1 KB, 300 MB behind it: inflation stops at the declared size and the CRC fails."""
    with pytest.raises(UploadError, match="not a readable XLSX workbook: Bad CRC-32"):
        read_xlsx(xlsx_bomb(300, declared_bytes=1000), [], UploadLimits())


def test_the_expanded_limit_is_configuration() -> None:
    data = plain_xlsx(20_000)  # ~1.1 MB of sheet XML
    with pytest.raises(UploadTooLarge, match=r"^the sheet expands to 1\.1 MB; the limit is 1\.0 MB$"):
        read_xlsx(data, [], UploadLimits(max_expanded_bytes=1024 * 1024))
    assert sum(1 for _ in read_xlsx(data, [], UploadLimits())) == 20_000


def test_shared_strings_get_a_quarter_of_the_limit() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t>x</t></si>" * 200_000 + b"</sst>")
    with pytest.raises(UploadTooLarge, match=r"^the shared strings part expands to 3\.2 MB; the limit is 2\.5 MB$"):
        read_xlsx(buf.getvalue(), [], UploadLimits(max_expanded_bytes=10 * 1024 * 1024))


def test_xlsx_with_too_many_rows_is_refused_with_the_limit() -> None:
    assert len(list(read_xlsx(plain_xlsx(10), [], UploadLimits(max_rows=10)))) == 10
    with pytest.raises(UploadTooLarge, match=r"^the file has more than 10 rows; the limit is 10 "):
        list(read_xlsx(plain_xlsx(11), [], UploadLimits(max_rows=10)))


def test_csv_with_too_many_rows_is_refused_with_the_limit(tmp_path: Path) -> None:
    text = "phone,name\n" + "".join(f"1380000{i:04d},n{i}\n" for i in range(1001))
    errors: list[RowError] = []
    with pytest.raises(UploadTooLarge, match=r"^the file has more than 1,000 rows; the limit is 1,000 \(uploads\.max_rows"):
        list(read_csv_text(text, errors, UploadLimits(max_rows=1000)))
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UploadTooLarge):
        list(read_upload(path, errors, UploadLimits(max_rows=1000)))
    assert len(list(read_upload(path, errors, UploadLimits(max_rows=1001)))) == 1001


def test_a_wide_file_is_held_to_the_cell_limit() -> None:
    """100 MB of one-character cells would be 50 million Python objects: rows x columns is capped."""
    header = ",".join(f"c{i}" for i in range(100))
    text = header + "\n" + ("1," * 99 + "1\n") * 11
    assert UploadLimits(max_cells=1000).row_cap(100) == 10
    with pytest.raises(UploadTooLarge, match=r"^the file has more than 10 rows; the limit is 10 for 100 columns "
                                             r"\(1,000 cells\) \(uploads\.max_cells in the configuration\)$"):
        list(read_csv_text(text, [], UploadLimits(max_cells=1000)))
    assert len(list(read_csv_text(text, [], UploadLimits(max_cells=1100)))) == 11


def test_limits_are_read_from_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    from huashu.core.config import Settings, get_settings

    monkeypatch.setenv("HUASHU_UPLOADS__MAX_ROWS", "5")
    monkeypatch.setenv("HUASHU_UPLOADS__MAX_EXPANDED_MB", "7")
    assert Settings().uploads.max_rows == 5
    get_settings.cache_clear()
    try:
        assert UploadLimits.configured() == UploadLimits(max_rows=5, max_expanded_bytes=7 * 1024 * 1024)
        with pytest.raises(UploadTooLarge, match="more than 5 rows"):
            list(read_csv_text("phone\n" + "1\n" * 6, []))
    finally:
        get_settings.cache_clear()


def test_size_text_reads_like_a_file_manager() -> None:
    assert [size_text(n) for n in (500, 2048, 1024 * 1024 + 100_000, 200 * 1024**2, 1024**3)] == \
        ["500 bytes", "2 KB", "1.1 MB", "200 MB", "1.0 GB"]


# --- audio: a header that lies, and hours of silence in a few kilobytes ----------------------

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (Debian ffmpeg)")


@pytest.mark.audio
@needs_ffmpeg
def test_a_wav_that_lies_about_its_length_is_read_as_far_as_it_goes_and_no_further() -> None:
    from runtime.speech.recordings import normalise_upload

    # declares 4 billion bytes (74 hours), holds 2 s: read as the 2 s it has
    assert len(normalise_upload(lying_wav(1e9, 2), "long-header.wav")) == 2 * 8000 * 2
    # declares 1 s, 120 s follow: the declared second is the recording, never the 120 s
    assert len(normalise_upload(lying_wav(1, 120), "short-header.wav")) == 1 * 8000 * 2


@pytest.mark.audio
@needs_ffmpeg
def test_hours_of_compressed_silence_are_refused_by_length(tmp_path: Path) -> None:
    from runtime.speech.recordings import RecordingError, normalise_upload

    flac = tmp_path / "bomb.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "7200",
                    "-c:a", "flac", str(flac)], check=True, timeout=120)
    assert flac.stat().st_size < 2_000_000
    with pytest.raises(RecordingError, match=r"too long \(7200\.0 s; the limit is 60 s\)"):
        normalise_upload(flac.read_bytes(), "bomb.flac")


# --- through the web endpoints ----------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path):
    from litestar.testing import TestClient

    from huashu.core.config import UploadSettings
    from tests.support.sec_data_web import operator_app, sign_in

    app = operator_app(tmp_path / "var", UploadSettings(max_rows=1000, max_expanded_mb=200))
    with TestClient(app) as client:
        yield client, sign_in(client), tmp_path / "var"


def _upload(client, token: str, name: str, data: bytes, lang: str = "en"):
    return client.post("/analytics/audiences/upload", data={"_csrf_token": token},
                       files={"file": (name, data, "application/octet-stream")},
                       headers={"accept": "text/html", "accept-language": lang}, follow_redirects=False)


def test_the_audience_upload_answers_413_with_the_message_for_a_bomb(web) -> None:
    client, token, data_dir = web
    r = _upload(client, token, "bomb.xlsx", xlsx_bomb(1024))
    assert r.status_code == 413, r.text[:500]
    assert "bomb.xlsx is refused before it is read: the sheet expands to 1.0 GB; the limit is 200 MB" in r.text
    r = _upload(client, token, "bomb.xlsx", xlsx_bomb(1024), lang="zh")
    assert r.status_code == 413 and "bomb.xlsx 在读取前即被拒绝：the sheet expands to 1.0 GB" in r.text
    assert not list(data_dir.glob("*.parquet"))


def test_the_audience_upload_answers_413_for_too_many_rows(web) -> None:
    client, token, _ = web
    rows = "customer_id,phone\n" + "".join(f"{i},1380000{i:04d}\n" for i in range(1001))
    r = _upload(client, token, "many.csv", rows.encode())
    assert r.status_code == 413
    assert "many.csv is refused before it is read: the file has more than 1,000 rows; the limit is 1,000" in r.text
    r = _upload(client, token, "ok.csv", rows.rsplit("\n", 2)[0].encode() + b"\n")
    assert r.status_code in (302, 303), r.text[:300]


def test_the_audience_upload_checks_a_parquet_footer(web, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    client, token, _ = web
    p = tmp_path / "big.parquet"
    pq.write_table(pa.table({"customer_id": list(range(1001)), "phone": ["13800000000"] * 1001}), p)
    r = _upload(client, token, "big.parquet", p.read_bytes())
    assert r.status_code == 413 and "the file has 1,001 rows; the limit is 1,000" in r.text


def test_the_numbers_api_refuses_more_than_its_limit_with_the_message(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    from tests.support.sec_data_web import operator_app
    from web.api.oauth import create_client
    from web.api.routes import MAX_NUMBERS

    app = operator_app(tmp_path / "var")
    cid, secret = create_client(app.state.engine, "crm", "tasks:write")
    with TestClient(app) as client:
        tok = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid,
                                                "client_secret": secret}).json()["access_token"]
        numbers = [{"phone": "13800000000"}] * (MAX_NUMBERS + 1)
        r = client.post("/api/v1/tasks/1/numbers", json={"numbers": numbers}, headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 400 and f"numbers: at most {MAX_NUMBERS} per request, got {MAX_NUMBERS + 1}" in r.text
