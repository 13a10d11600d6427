"""``huashu runtime run --metrics-port``: /healthz, /readyz and /metrics of a node that is dialling."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from huashu.core.db import init_db, make_engine
from runtime.campaigns.loading import add_numbers
from tests.support.scripts import rows, running_task

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN_TESTS = ROOT / "tests" / "campaigns"


def test_runtime_node_serves_health_and_metrics(tmp_path):
    url = f"sqlite:///{tmp_path / 'huashu.db'}"
    engine = make_engine(url)
    init_db(engine)
    tid = running_task(engine, max_concurrent=4, calls_per_second=100)
    add_numbers(engine, tid, rows([f"137300{i:05d}" for i in range(40)]))
    engine.dispose()
    env = dict(os.environ, PYTHONPATH=f"{CAMPAIGN_TESTS}{os.pathsep}{ROOT}", FAKE_CALL_DELAY="0.3")
    proc = subprocess.Popen([sys.executable, "-m", "huashu", "runtime", "run", "--db", url, "--node-id", "m1",
                             "--runner", "campaign_fake_runner:make", "--metrics-port", "0", "--metrics-host",
                             "127.0.0.1", "--progress-every", "0"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        port = None
        while port is None:
            line = proc.stderr.readline()
            assert line, "the node exited before serving metrics"
            m = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", line)
            port = int(m[1]) if m else None
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 200
        saw_up = saw_queue = False
        deadline = time.time() + 30
        while time.time() < deadline:
            text = httpx.get(f"{base}/metrics").text
            saw_up |= bool(re.search(r'huashu_calls_up\{node="m1"\} [1-4]\.0', text))
            saw_queue |= bool(re.search(rf'huashu_dial_queue_depth\{{campaign="{tid}"\}} [1-9]', text))
            done = sum(float(v) for v in re.findall(rf'huashu_call_attempts_total\{{campaign="{tid}",outcome="[a-z_]+"\}} (\S+)', text))
            if done >= 40:
                break
            time.sleep(0.1)
        assert done >= 40, text
        assert saw_up and saw_queue
        assert re.search(rf'huashu_connect_rate\{{campaign="{tid}"\}} 0\.[5-9]', text)  # 6 of 10 last digits connect
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
