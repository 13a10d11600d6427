"""Customers from a campaign data source: column types inferred, ids keyed, a real CSV source end to end."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from sqlmodel import Session

from huashu.core.db import init_db, make_engine
from runtime.audience.from_source import frame_from_rows, frame_from_source
from runtime.audience.prepare import apply_preparation, fit_preparation

pytestmark = pytest.mark.offline


def test_types_are_inferred_per_column() -> None:
    rows = [
        {"customer_id": "17", "phone": "13800000001", "balance": "12.5", "plan": "4g_38", "joined": "2024-01-02 10:00:00"},
        {"customer_id": "18", "phone": "13800000002", "balance": "", "plan": "5g_128", "joined": datetime(2023, 5, 1)},
        {"customer_id": "A-9", "phone": "13800000003", "balance": 3, "plan": None, "joined": None},
    ]
    f = frame_from_rows(rows)
    assert f["customer_id"][:2].tolist() == [17, 18] and f["customer_id"][2] > 1 << 61
    assert f["balance"].dtype.kind == "f" and np.isnan(f["balance"][1])
    assert f["joined"].dtype.kind == "M" and np.isnat(f["joined"][2])
    assert f["plan"].tolist() == ["4g_38", "5g_128", ""]
    prep = fit_preparation(f)
    assert "joined_days" in prep.numeric_features  # timestamps become durations
    assert apply_preparation(f, prep).report.nulls_filled["balance"] == 1
    with pytest.raises(ValueError, match="no column 'phone'"):
        frame_from_rows([{"customer_id": 1}])


def test_csv_data_source(tmp_path) -> None:
    from runtime.campaigns.models import DataSource

    path = tmp_path / "crm.csv"
    path.write_text("cid,mobile,arpu\n1,13800000001,50\n2,13800000002,80\n")
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    init_db(engine)
    with Session(engine) as s:
        s.add(DataSource(name="crm", kind="csv", path=str(path), created_at=datetime.now().astimezone()))
        s.commit()
        f, errors = frame_from_source(s, "crm", id_column="cid", phone_column="mobile")
        assert errors == []
        assert f["customer_id"].tolist() == [1, 2] and f["phone"].tolist() == ["13800000001", "13800000002"]
        assert f["arpu"].tolist() == [50.0, 80.0]
        with pytest.raises(ValueError, match="no data source"):
            frame_from_source(s, "nope")
