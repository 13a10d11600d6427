"""recording locations relative to the recordings store

Revision ID: 0003_recording_paths
Revises: 0002_source_timeout
Create Date: 2026-12-07 13:40:00

Rows written before this revision hold the path the runtime node wrote the file to: absolute
(``/srv/huashu/var/call-recordings/2026/07/01/attempt-5.wav``) or relative to the node's working
directory (``var/call-recordings/2026/07/01/attempt-5.wav``, the demo's). The web joined the
latter to the data directory again and answered 404 (issue 17). From now on the row holds the
location inside the store, ``2026/07/01/attempt-5.wav``; this converts the rows already stored.
A value that does not end in the store's layout is left as it is: the web serves by attempt id
and never turns such a value into a path. Downgrade keeps the relative locations (the old code
joined them to the data directory, which finds nothing for them either way).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0003_recording_paths"
down_revision = "0002_source_timeout"
branch_labels = None
depends_on = None

_TAIL = re.compile(r"(?:^|[/\\])(\d{4})[/\\](\d{2})[/\\](\d{2})[/\\]([A-Za-z0-9][A-Za-z0-9_.\-]*\.wav)$")
_BATCH = 1000


def relative_location(stored: str) -> str | None:
    """``YYYY/MM/DD/<name>.wav`` from a stored path, or None when it has no such tail."""
    m = _TAIL.search(stored)
    return "/".join(m.groups()) if m else None


def upgrade() -> None:
    conn = op.get_bind()
    attempts = sa.table("campaign_attempt", sa.column("id", sa.Integer), sa.column("recording", sa.String))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(attempts.c.id, attempts.c.recording)
            .where(attempts.c.recording.is_not(None), attempts.c.id > last)
            .order_by(attempts.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        for rid, stored in rows:
            new = relative_location(stored)
            if new is not None and new != stored:
                conn.execute(sa.update(attempts).where(attempts.c.id == rid).values(recording=new))
        last = rows[-1][0]


def downgrade() -> None:
    pass
