"""Every call outcome has a badge colour on the calls pages (``.sbadge.o-<outcome>`` in the
operator stylesheet): an outcome without one shows as plain text beside the coloured ones."""

from __future__ import annotations

import re
from pathlib import Path

from telephony.outcomes import Outcome

CSS = Path(__file__).resolve().parents[2] / "web" / "static" / "operator" / "operator.css"


def test_every_outcome_has_a_badge_class() -> None:
    styled = set(re.findall(r"\.sbadge\.o-([a-z_]+)", CSS.read_text(encoding="utf-8")))
    assert sorted(o.value for o in Outcome if o.value not in styled) == []
