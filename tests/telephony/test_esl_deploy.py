"""The shipped FreeSWITCH configuration parses and agrees with the driver's defaults."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from telephony.freeswitch import FreeswitchSettings
from telephony.freeswitch.deploy import read_vars
from telephony.sip import SipSettings, trunk_from_settings

pytestmark = pytest.mark.offline

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "freeswitch"


def test_every_file_is_well_formed_xml() -> None:
    files = sorted(DEPLOY.rglob("*.xml"))
    assert len(files) >= 4
    for f in files:
        ET.parse(f)


def test_gateway_and_event_socket_match_the_driver_defaults() -> None:
    defaults = FreeswitchSettings()
    gw = ET.parse(DEPLOY / "sip_profiles/external/huashu-gateway.xml").getroot().find("gateway")
    assert gw is not None and gw.get("name") == defaults.gateway
    params = {p.get("name"): p.get("value") for p in ET.parse(DEPLOY / "autoload_configs/event_socket.conf.xml").iter("param")}
    assert params["listen-port"] == "$${huashu_esl_port}" and params["listen-ip"] == "$${huashu_esl_listen_ip}"
    values = read_vars(DEPLOY / "vars_huashu.xml")
    assert values["huashu_esl_port"] == str(defaults.port)
    assert values["huashu_esl_listen_ip"] == defaults.host


def test_transfer_targets_exist_in_the_dialplan() -> None:
    ctx = ET.parse(DEPLOY / "dialplan/huashu.xml").getroot().find("context")
    assert ctx is not None and ctx.get("name") == "huashu"
    names = {e.get("name") for e in ctx.iter("extension")}
    assert {"huashu_agent", "huashu_forward"} <= names


def test_sip_settings_build_a_checked_trunk() -> None:
    trunk = trunk_from_settings(SipSettings(host="10.0.0.1", username="u", password="p", registration=True))
    assert trunk.address == ("10.0.0.1", 5060) and trunk.register
    with pytest.raises(ValueError, match="register needs"):
        trunk_from_settings(SipSettings(registration=True))
