"""FreeSWITCH driver defaults that keep out of the switch's way on one host, and pacing to its session rate."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from huashu.core.telephony_settings import SESSIONS_PER_BRIDGED_CALL, FreeswitchSettings
from telephony.freeswitch.deploy import DEPLOY_DIR, read_vars
from telephony.freeswitch.driver import FreeswitchDriver

pytestmark = pytest.mark.offline


def test_media_port_is_none_of_the_switch_ports() -> None:
    assert FreeswitchSettings().media_listen_port not in (5060, 5061, 5080, 5081, 8021)


def test_rtp_ranges_do_not_overlap_and_match_the_deploy_files() -> None:
    s = FreeswitchSettings()
    values = read_vars(DEPLOY_DIR / "vars_huashu.xml")
    assert (s.switch_rtp_port_min, s.switch_rtp_port_max) == (
        int(values["huashu_rtp_start_port"]), int(values["huashu_rtp_end_port"]))
    assert s.switch_rtp_port_max < s.media_rtp_port_min
    with pytest.raises(ValidationError, match="overlap"):
        FreeswitchSettings(switch_rtp_port_min=16384, switch_rtp_port_max=32768)


def test_default_cps_fits_the_session_rate_the_deploy_files_set() -> None:
    s = FreeswitchSettings(media_endpoint="huashu@127.0.0.1:5090")
    sps = int(read_vars(DEPLOY_DIR / "vars_huashu.xml")["huashu_sessions_per_second"])
    assert s.switch_sessions_per_second == sps
    assert s.cps is not None and s.cps * SESSIONS_PER_BRIDGED_CALL <= sps


def test_pacing_never_exceeds_the_switch_session_rate() -> None:
    d = FreeswitchDriver(FreeswitchSettings(media_endpoint="huashu@127.0.0.1:5090", cps=50))
    assert d._paced_cps(30) == pytest.approx(30 * 0.9 / 2)  # FreeSWITCH's default 30: 13.5 calls/s
    assert d._paced_cps(6) == pytest.approx(2)  # a whole call a second of headroom at low rates
    assert d._paced_cps(1000) == 50
    parked = FreeswitchDriver(FreeswitchSettings(cps=50))
    assert parked._paced_cps(30) == pytest.approx(27)  # one session a call without the media leg


def test_runtime_line_cps_follows_the_freeswitch_driver() -> None:
    from huashu.cli.runtime import default_line_cps
    from huashu.core.config import Settings

    fs = Settings(telephony_driver="freeswitch")
    assert default_line_cps(fs, None) == fs.freeswitch.cps == 20  # was 50: over the switch's default rate
    assert default_line_cps(Settings(), "freeswitch") == 20
    assert default_line_cps(Settings(), None) == 50  # the simulator
