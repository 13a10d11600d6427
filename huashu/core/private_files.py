"""Files that hold customer data or secrets are the server user's only: folders 0700, files 0600.

The SQLite database, the secret key, uploaded customer lists and prompt recordings, sessions
and call recordings were created with the process umask (usually 0644/0755: readable by every
account on the machine). Each of them is created through here, so the mode holds whatever the
umask. The umask itself is left alone: other files (rendered prompts a FreeSWITCH on the same
volume plays, exports written where the user asked) keep the modes the deployment chose.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["private_dir", "create_private_file", "make_private"]


def private_dir(path: Path | str) -> Path:
    """``path`` created, with its missing parents, as 0700 folders; an existing folder is left as
    it is (it may be shared on purpose, e.g. a mounted volume)."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for p in reversed(missing):
        try:
            p.mkdir(mode=0o700)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(p, 0o700)  # mkdir's mode is filtered by the umask
    return path


def create_private_file(path: Path | str) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True when it was created here."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    os.chmod(path, 0o600)
    return True


def make_private(path: Path | str) -> Path:
    """Set a file this process just wrote (through a library that chose the mode) to 0600."""
    os.chmod(path, 0o600)
    return Path(path)
