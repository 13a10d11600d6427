"""The demo campaign end to end (``huashu demo``): set-up, a run on the simulator, the report.

Each module is one step; :mod:`huashu.demo.setup` strings the idempotent set-up together,
:mod:`huashu.demo.headless` runs the campaign in the terminal and :mod:`huashu.demo.serve`
runs the web app and a runtime node in one process.
"""

from __future__ import annotations

__all__ = ["DEMO_SCRIPT", "DEMO_TASK_NAME", "DEMO_BUSINESS"]

DEMO_SCRIPT = "mobile-semi-suspension-recharge"
DEMO_TASK_NAME = "演示：半停机客户充值提醒"
DEMO_BUSINESS = "demo-semi-suspension-recharge"
