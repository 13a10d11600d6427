"""Upload bombs made in a second: an XLSX whose sheet XML inflates to a gigabyte, and WAV files
whose headers lie. Used by tests/security/test_upload_bombs.py and bench/bench_upload_bomb.py.

The sheet is deflated once per 1 MiB block with a full flush between blocks, so every block
after the first compresses to the same bytes: the archive is written by repeating them (no
gigabyte is ever compressed here), and the CRC is the only pass over the expanded data."""

from __future__ import annotations

import struct
import zipfile
import zlib
from io import BytesIO

__all__ = ["xlsx_bomb", "plain_xlsx", "lying_wav"]

_ROW = b'<row><c t="inlineStr"><is><t>13800000000</t></is></c></row>'
_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         b'<row><c t="inlineStr"><is><t>phone</t></is></c></row>')
_TAIL = b"</sheetData></worksheet>"

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'),
}
SHEET = "xl/worksheets/sheet1.xml"


def _deflate_repeated(block: bytes, times: int) -> tuple[bytes, int, int]:
    """(raw deflate stream, crc32, size) of head + block * times + tail."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(_HEAD) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(_TAIL) + c.flush()
    crc = zlib.crc32(_HEAD)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(_TAIL, crc)
    return head + body * times + tail, crc, len(_HEAD) + len(block) * times + len(_TAIL)


def _zip_with_sheet(sheet: bytes, crc: int, size: int, declared: int | None = None) -> bytes:
    """The four small parts through zipfile, then the sheet's entry written by hand (deflated already)."""
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _PARTS.items():
            z.writestr(name, text)
    small = buf.getvalue()
    # split what zipfile wrote into its entries and its central directory
    eocd = small.rfind(b"PK\x05\x06")
    n_entries, cd_size, cd_offset = struct.unpack("<HII", small[eocd + 10:eocd + 20])
    entries, central = small[:cd_offset], small[cd_offset:cd_offset + cd_size]
    name = SHEET.encode()
    usize = size if declared is None else declared
    offset = len(entries)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(sheet), usize, len(name), 0) + name
    cdir = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(sheet), usize, len(name),
                       0, 0, 0, 0, 0, offset) + name
    body = entries + local + sheet
    central += cdir
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n_entries + 1, n_entries + 1, len(central), len(body), 0)
    return body + central + end


def xlsx_bomb(expanded_mib: int = 1024, declared_bytes: int | None = None) -> bytes:
    """An XLSX whose sheet inflates to about ``expanded_mib`` MiB of rows (one phone number each;
    1 GiB is ~18 million rows, ~3.5 MB compressed). ``declared_bytes``: the size the archive
    claims for the sheet, to make it lie (default: the truth)."""
    block = _ROW * (1024 * 1024 // len(_ROW))
    sheet, crc, size = _deflate_repeated(block, expanded_mib)
    return _zip_with_sheet(sheet, crc, size, declared_bytes)


def plain_xlsx(rows: int) -> bytes:
    """An honest small XLSX: a phone header and ``rows`` rows."""
    sheet, crc, size = _deflate_repeated(_ROW, rows)
    return _zip_with_sheet(sheet, crc, size)


def lying_wav(seconds_declared: float, seconds_real: float, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of a tone whose header declares ``seconds_declared`` of data while
    ``seconds_real`` follow (0xFFFFFFFF-style lies when declared is huge)."""
    import math

    n = int(seconds_real * rate)
    pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n))
    declared = min(0xFFFFFFFF - 36, int(seconds_declared * rate) * 2)
    header = b"RIFF" + struct.pack("<I", 36 + declared) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", declared) + pcm
