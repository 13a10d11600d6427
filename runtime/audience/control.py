"""The random hold-out control group, kept out of every campaign.

Membership is ``hash(salt, customer_id) < fraction``: stable across runs, machines and
campaigns without storing a row per customer, and independent of every customer attribute
(so the comparison with treated customers is a fair randomised one). The salt and fraction
are persisted once (:class:`ControlPolicy`) so the group never silently changes.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np
from sqlmodel import Session, select

from runtime.audience.models import ControlPolicy

__all__ = ["hash_unit", "control_mask", "is_control", "get_policy", "set_policy", "DEFAULT_FRACTION"]

DEFAULT_FRACTION = 0.10
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _salt_key(salt: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.sha256(salt.encode()).digest()[:8], "little"))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a well-spread 64-bit hash, vectorised."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def hash_unit(customer_ids: np.ndarray, salt: str) -> np.ndarray:
    """A number in [0, 1) per customer id, uniform and stable for the same id and salt."""
    ids = np.asarray(customer_ids).astype(np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = _mix(ids ^ _salt_key(salt))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def control_mask(customer_ids: np.ndarray, salt: str, fraction: float) -> np.ndarray:
    """True for customers in the hold-out group."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError("the control fraction must be in [0, 1)")
    return hash_unit(customer_ids, salt) < fraction


def is_control(customer_id: int, salt: str, fraction: float) -> bool:
    return bool(control_mask(np.asarray([customer_id]), salt, fraction)[0])


def get_policy(session: Session, create: bool = True) -> ControlPolicy | None:
    """The persisted policy; created with a random salt and the default share on first use."""
    policy = session.exec(select(ControlPolicy).order_by(ControlPolicy.id)).first()  # type: ignore[arg-type]
    if policy is None and create:
        policy = ControlPolicy(salt=secrets.token_hex(8), fraction=DEFAULT_FRACTION)
        session.add(policy)
        session.flush()
    return policy


def set_policy(session: Session, fraction: float, salt: str | None = None) -> ControlPolicy:
    """Change the share (and optionally the salt). Raising the share keeps every current member."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError("the control fraction must be in [0, 1)")
    policy = get_policy(session)
    assert policy is not None
    policy.fraction = fraction
    if salt:
        policy.salt = salt
    session.add(policy)
    session.flush()
    return policy
