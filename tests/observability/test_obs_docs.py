"""docs/operations.md stays true: it lists every metric the registry has, and names no other."""

from __future__ import annotations

import re
from pathlib import Path

from huashu.core.metrics import REGISTRY

DOC = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()


def _registry_names() -> set[str]:
    return {f.name + ("_total" if f.type == "counter" else "") for f in REGISTRY.collect()}


def test_every_metric_is_documented_in_the_table() -> None:
    table = {m.group(1) for m in re.finditer(r"^\| `(huashu_[a-z_]+)` \|", DOC, re.M)}
    assert table == _registry_names()


def test_queries_and_prose_name_only_real_series() -> None:
    known = _registry_names()
    series = known | {n + s for n in known for s in ("_bucket", "_sum", "_count")}
    mentioned = set(re.findall(r"\bhuashu_[a-z_]+\b", DOC))
    assert mentioned <= series, mentioned - series
    assert "histogram_quantile(0.95" in DOC and "rate(huashu_call_attempts_total" in DOC
