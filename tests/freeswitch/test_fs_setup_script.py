"""tools/setup-freeswitch.sh: unpack the checked tarball once, skip quietly without one, refuse a bad one."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.offline

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "setup-freeswitch.sh"


def _tarball(tmp_path: Path) -> tuple[Path, str]:
    src = tmp_path / "src" / "opt" / "fs" / "bin"
    src.mkdir(parents=True)
    (src / "freeswitch").write_text("#!/bin/sh\n")
    tgz = tmp_path / "fs.tar.gz"
    with tarfile.open(tgz, "w:gz") as t:
        t.add(tmp_path / "src" / "opt", arcname="opt")
    return tgz, hashlib.sha256(tgz.read_bytes()).hexdigest()


def _run(tarball: Path, sha: str, root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUASHU_FS_TARBALL": str(tarball), "HUASHU_FS_SHA256": sha, "HUASHU_FS_ROOT": str(root)}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_unpacks_once_then_does_nothing(tmp_path: Path) -> None:
    tgz, sha = _tarball(tmp_path)
    root = tmp_path / "root"
    first = _run(tgz, sha, root)
    assert first.returncode == 0, first.stderr
    assert (root / "opt/fs/bin/freeswitch").exists() and "unpacking" in first.stdout
    (root / "opt/fs/bin/marker").write_text("kept")
    again = _run(tgz, sha, root)
    assert again.returncode == 0 and again.stdout == "" and (root / "opt/fs/bin/marker").exists()


def test_a_tarball_with_another_checksum_is_refused(tmp_path: Path) -> None:
    tgz, _ = _tarball(tmp_path)
    res = _run(tgz, "0" * 64, tmp_path / "root")
    assert res.returncode == 1 and "does not have sha256" in res.stderr
    assert not (tmp_path / "root" / "opt").exists()


def test_no_tarball_is_a_quiet_skip(tmp_path: Path) -> None:
    res = _run(tmp_path / "absent.tar.gz", "0" * 64, tmp_path / "root")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
