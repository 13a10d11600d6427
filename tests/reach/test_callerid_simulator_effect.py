"""The simulator's model of caller ids: local numbers are answered more, a busy number less; the
runner applies it to the answer curve it hands the simulated carrier (opt-in; the demo uses it)."""

from __future__ import annotations

import pytest

from runtime.campaigns.callerid.simeffect import LOCALITY_FACTOR, answer_factor, locality
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.sim_runner import CURVE_VARIABLE, SimulatorRunner

CALLEE = "+8613912340000"  # 江苏常州 中国移动


@pytest.mark.offline
def test_locality_and_volume_decay() -> None:
    assert locality("+8613912345678", CALLEE) == "city"
    assert locality("+8615150001234", CALLEE) == "province"
    assert locality("+8613800138000", CALLEE) == "operator"
    assert locality("+862088881234", CALLEE) == "any"
    assert locality("95555", CALLEE) == "any"
    assert answer_factor("+8613912345678", CALLEE, 0) == 1.0
    assert answer_factor("+8613912345678", CALLEE, 300) == pytest.approx(0.5)
    assert answer_factor("+862088881234", CALLEE, 0) == LOCALITY_FACTOR["any"]


def _req(caller: str | None, attempt: int) -> DialRequest:
    return DialRequest(job_id=attempt, attempt_id=attempt, task_id=1, phone=CALLEE, leg="primary", caller_id=caller,
                       voice=None, script_id="s", script_version=1, variables={})


@pytest.mark.offline
def test_runner_scales_the_answer_curve_by_the_shown_number() -> None:
    r = SimulatorRunner(lambda sid, v: {}, caller_effect=True)
    local = [float(x) for x in r.line_variables(_req("+8613912345678", 1))[CURVE_VARIABLE].split(",")]
    far = [float(x) for x in r.line_variables(_req("+862088881234", 2))[CURVE_VARIABLE].split(",")]
    assert local[24] == pytest.approx(2 * far[24], rel=1e-3)  # noon: city 1.0 vs any 0.5
    assert r.caller_calls["+8613912345678"] == 1
    plain = SimulatorRunner(lambda sid, v: {})
    assert CURVE_VARIABLE not in plain.line_variables(_req("+862088881234", 3))  # off unless asked
