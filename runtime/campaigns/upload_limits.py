"""How far an upload may expand: rows read, and the uncompressed size of an XLSX's parts.

A byte limit on the upload is not enough: an XLSX is a zip, and 27.7 MB of sheet XML that
expands to 1 GB (10 million rows) grew the server past 2 GB in the probe of issue 15. So an
XLSX is inspected before anything parses it — each part's uncompressed size as the archive
declares it, then as it actually inflates (read in chunks, stopped at the limit; Python's
zipfile never inflates past the declared size and checks the CRC, so a lying header ends in an
error, not in memory) — and every reader counts rows against a limit. Limits are
configuration (``[uploads]`` in huashu.toml, ``HUASHU_UPLOADS__MAX_ROWS``, see docs/operations.md).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

__all__ = ["UploadLimits", "DEFAULT_MAX_ROWS", "DEFAULT_MAX_CELLS", "DEFAULT_MAX_EXPANDED_BYTES", "too_many_rows", "size_text", "oversized_part", "oversized_parquet"]

DEFAULT_MAX_ROWS = 1_000_000
#: rows x header columns: what an upload costs in memory (~140 bytes a cell on its way to a frame)
DEFAULT_MAX_CELLS = 5_000_000
DEFAULT_MAX_EXPANDED_BYTES = 200 * 1024 * 1024
#: an XLSX has a dozen parts; thousands are a trick (each one costs a directory entry in memory)
MAX_ZIP_ENTRIES = 10_000
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """``max_rows``: rows read from one file (blank ones too: reading them costs the same);
    ``max_cells``: rows times header columns (a 100 MB CSV of one-character cells is 50 million
    of them); ``max_expanded_bytes``: the uncompressed size of any one part of an XLSX, and of all parts
    together. Shared strings are held in memory by the XLSX reader, so they get a quarter."""

    max_rows: int = DEFAULT_MAX_ROWS
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES
    max_cells: int = DEFAULT_MAX_CELLS

    @classmethod
    def configured(cls) -> UploadLimits:
        """The limits of this deployment's configuration."""
        from huashu.core.config import get_settings

        u = get_settings().uploads
        return cls(max_rows=u.max_rows, max_expanded_bytes=u.max_expanded_mb * 1024 * 1024, max_cells=u.max_cells)

    def row_cap(self, width: int) -> int:
        """The most rows a file with ``width`` header columns may have."""
        return max(1, min(self.max_rows, self.max_cells // max(1, width)))

    @property
    def max_shared_strings_bytes(self) -> int:
        return self.max_expanded_bytes // 4


def size_text(n: int) -> str:
    """1.0 GB, 200 MB, 512 KB: sizes people read (binary units, as file managers show them)."""
    if n >= 1000 * 1024**2:  # 1000 MB and up read better as 1.0 GB
        return f"{n / 1024**3:.1f} GB"
    if n >= 1024**2:
        v = n / 1024**2
        return f"{v:.0f} MB" if v >= 10 else f"{v:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def _cells_note(limits: UploadLimits, width: int) -> str:
    """Why the row limit is lower than ``max_rows``, when it is."""
    if limits.row_cap(width) < limits.max_rows:
        return f" for {width} columns ({limits.max_cells:,} cells)"
    return ""


def too_many_rows(limits: UploadLimits, width: int) -> str:
    """The sentence for a file past its row cap."""
    cap = limits.row_cap(width)
    setting = "uploads.max_cells" if cap < limits.max_rows else "uploads.max_rows"
    return (f"the file has more than {cap:,} rows; the limit is {cap:,}{_cells_note(limits, width)} "
            f"({setting} in the configuration)")


def _what(name: str) -> str:
    if name.startswith("xl/worksheets/"):
        return "the sheet"
    if name == "xl/sharedStrings.xml":
        return "the shared strings part"
    return f"the part {name}"


def _limit_of(name: str, limits: UploadLimits) -> int:
    return limits.max_shared_strings_bytes if name == "xl/sharedStrings.xml" else limits.max_expanded_bytes


def oversized_part(archive: zipfile.ZipFile, limits: UploadLimits) -> str | None:
    """Why the workbook expands too far ("the sheet expands to 1.0 GB; the limit is 200 MB"), or None.

    Declared sizes first (free), then the actual inflation of every part, chunk by chunk."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        return f"the workbook has {len(infos):,} parts; the limit is {MAX_ZIP_ENTRIES:,}"
    total = 0
    for info in infos:
        limit = _limit_of(info.filename, limits)
        if info.file_size > limit:
            return f"{_what(info.filename)} expands to {size_text(info.file_size)}; the limit is {size_text(limit)}"
        total += info.file_size
    if total > limits.max_expanded_bytes:
        return f"the workbook expands to {size_text(total)}; the limit is {size_text(limits.max_expanded_bytes)}"
    for info in infos:
        limit, actual = _limit_of(info.filename, limits), 0
        with archive.open(info) as part:
            while chunk := part.read(_CHUNK):
                actual += len(chunk)
                if actual > limit:
                    return f"{_what(info.filename)} expands to more than {size_text(limit)}; the limit is {size_text(limit)}"
    return None


def oversized_parquet(path: str, limits: UploadLimits) -> str | None:
    """Why a Parquet file is past the limits by its footer (rows; uncompressed size of its row
    groups), or None: checked before the columns are read and decompressed."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    cap = limits.row_cap(meta.num_columns)
    if meta.num_rows > cap:
        return f"the file has {meta.num_rows:,} rows; the limit is {cap:,}" + _cells_note(limits, meta.num_columns)
    expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if expanded > limits.max_expanded_bytes:
        return f"the data expands to {size_text(expanded)}; the limit is {size_text(limits.max_expanded_bytes)}"
    return None
