"""deploy/freeswitch/ loads into a real FreeSWITCH without an error, at start and on reloadxml."""

from __future__ import annotations

import pytest

from tests.freeswitch.switch import Switch

pytestmark = [pytest.mark.freeswitch, pytest.mark.timeout(60)]


def test_switch_starts_with_the_deploy_files_and_logs_no_error(switch: Switch) -> None:
    assert "is ready" in switch.api("status")
    assert switch.error_lines() == [], switch.error_lines()
    # Our files are what it runs: the gateway, the context, the Event Socket password.
    assert "huashu" in switch.api("sofia status gateway huashu")
    assert "huashu" in switch.api("xml_locate dialplan context name huashu")
    assert switch.api("global_getvar huashu_sessions_per_second").strip() == "100"


def test_reloadxml_logs_no_error(switch: Switch) -> None:
    before = len(switch.log_text())
    assert "+OK" in switch.api("reloadxml")
    assert switch.error_lines(since=before) == []
