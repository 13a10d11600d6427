"""The demo audience: semi-suspended customers of a synthetic base, minus a hold-out control group.

Pure functions over the synthetic frame; the control policy (salt, share) is passed in so
the same customers are held out on every run and in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huashu.demo.names import address_for
from huashu.demo.runner import CURVE_VARIABLE
from runtime.audience.control import control_mask
from runtime.audience.frame import Frame
from runtime.audience.propensity import answer_curve
from runtime.audience.synth import SynthOptions, synth_customers
from runtime.campaigns.mapping import CustomerRow

__all__ = ["DemoAudience", "build_audience", "customer_rows"]

TARGET_STATUS = "semi_suspended"


@dataclass(frozen=True)
class DemoAudience:
    """The base, and positions (into it) of the customers called and of those held out."""

    base: Frame
    called: np.ndarray
    control: np.ndarray

    @property
    def targets(self) -> int:
        return len(self.called) + len(self.control)


def build_audience(customers: int, seed: int, salt: str, fraction: float) -> DemoAudience:
    """Synthesise ``customers`` and split the semi-suspended ones into called and control."""
    base = synth_customers(customers, SynthOptions(seed=seed))
    target = np.flatnonzero(base["status"] == TARGET_STATUS)
    held = control_mask(base["customer_id"][target], salt, fraction)
    return DemoAudience(base=base, called=target[~held], control=target[held])


def customer_rows(aud: DemoAudience) -> list[CustomerRow]:
    """One campaign row per called customer: phone, secondary phone, name, arrears, answer curve."""
    b = aud.base
    rows: list[CustomerRow] = []
    for n, i in enumerate(aud.called):
        cid = int(b["customer_id"][i])
        name = address_for(cid, b["gender"][i])
        arrears = round(-float(b["balance"][i]), 2)
        curve = answer_curve(str(b["chronotype"][i]), float(b["answer_base"][i]))
        phone2 = b["secondary_phone"][i]
        rows.append(CustomerRow(
            row_no=n + 2, phone=str(b["phone"][i]), phone2=str(phone2) if phone2 else None,
            customer_id=str(cid), name=name,
            variables={"name": name, "arrears": arrears, CURVE_VARIABLE: ",".join(f"{p:.4f}" for p in curve)},
        ))
    return rows
