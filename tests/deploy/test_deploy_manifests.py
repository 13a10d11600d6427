"""The container image definition and the Kubernetes manifests pass their linters."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.offline


def _tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; `make test` installs it with the test extras")
    return found


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_kubernetes_manifests_validate_strictly() -> None:
    files = sorted(str(p) for p in (ROOT / "deploy" / "k8s").glob("*.yaml"))
    assert len(files) >= 4
    r = _run(_tool("kubernetes-validate"), "--strict", "--quiet", *files)
    assert r.returncode == 0, r.stdout + r.stderr


def test_manifests_request_resources_and_probes() -> None:
    import yaml

    for path in (ROOT / "deploy" / "k8s").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc["kind"] not in ("Deployment", "StatefulSet"):
                continue
            for c in doc["spec"]["template"]["spec"]["containers"]:
                assert c["resources"]["requests"], (path.name, c["name"])
                assert "readinessProbe" in c, (path.name, c["name"])


def test_yaml_lint() -> None:
    r = _run(_tool("yamllint"), "-c", "deploy/.yamllint", "deploy/k8s")
    assert r.returncode == 0, r.stdout + r.stderr


def test_dockerfile_lint() -> None:
    r = _run(_tool("hadolint"), "deploy/Dockerfile")
    assert r.returncode == 0, r.stdout + r.stderr
