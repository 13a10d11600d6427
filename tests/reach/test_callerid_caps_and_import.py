"""Importing a pool (bad rows named by line), and daily caps that hold across nodes: the slot is
taken by a conditional UPDATE, so concurrent takers never exceed a cap together."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from runtime.campaigns.callerid.store import PoolError, import_csv, pool_numbers, take_slot


def test_import_csv_reads_numbers_caps_and_names_bad_rows(engine, tmp_path: Path) -> None:
    f = tmp_path / "pool.csv"
    f.write_text("number,cap\n13912345678,50\n02088881234\nnot-a-number\n13800138000,abc\n13800138000,0\n", encoding="utf-8")
    rep = import_csv(engine, "local", f)
    assert (rep.added, rep.updated) == (2, 0)
    assert [str(e).split(":")[0] for e in rep.errors] == ["line 4", "line 5", "line 6"]
    rows = {r["number"]: r for r in pool_numbers(engine, "local")}
    assert rows["+8613912345678"]["effective_cap"] == 50 and rows["+8613912345678"]["label"] == "江苏省常州市"
    assert rows["+862088881234"]["effective_cap"] == 200  # the pool's default
    f.write_text("13912345678,70\n", encoding="utf-8")
    assert import_csv(engine, "local", f).updated == 1
    assert {r["number"]: r for r in pool_numbers(engine, "local")}["+8613912345678"]["effective_cap"] == 70


@pytest.mark.offline
def test_import_refuses_a_bad_pool_name_and_binary_files(sqlite_engine, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(PoolError, match="not UTF-8"):
        import_csv(sqlite_engine, "p", f)
    f.write_text("13912345678\n", encoding="utf-8")
    with pytest.raises(PoolError, match="pool name"):
        import_csv(sqlite_engine, "a\nb", f)


def test_concurrent_takers_never_exceed_a_cap(engine, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("13912345678,25\n", encoding="utf-8")
    import_csv(engine, "capped", f)
    number_id = int(pool_numbers(engine, "capped")[0]["id"])
    won: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            ok = take_slot(engine, number_id, 25, "2026-12-07")
            with lock:
                won.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won.count(True) == 25 and len(won) == 40
