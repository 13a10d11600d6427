"""The installer that puts deploy/freeswitch/ into a FreeSWITCH configuration directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.freeswitch.deploy import DEPLOY_DIR, INCLUDE_LINE, DeployError, install_config, read_vars

pytestmark = pytest.mark.offline

_VARS = '<?xml version="1.0"?>\n<include>\n  <X-PRE-PROCESS cmd="set" data="domain=example"/>\n</include>\n'
_SWITCH = """<configuration name="switch.conf" description="Core Configuration">
  <settings>
    <param name="sessions-per-second" value="30"/>
    <!-- <param name="rtp-start-port" value="16384"/> -->
  </settings>
</configuration>
"""


def _conf(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    (conf / "autoload_configs").mkdir(parents=True)
    (conf / "vars.xml").write_text(_VARS)
    (conf / "autoload_configs" / "switch.conf.xml").write_text(_SWITCH)
    return conf


def test_no_shipped_comment_names_the_preprocessor_directive() -> None:
    """FreeSWITCH runs X-PRE-PROCESS even inside comments: the old vars file included itself."""
    for f in DEPLOY_DIR.rglob("*.xml"):
        for chunk in f.read_text().split("<!--")[1:]:
            assert "X-PRE-PROCESS" not in chunk.split("-->")[0], f


def test_install_is_idempotent_and_keeps_site_values(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    install_config(conf, {"huashu_trunk_proxy": "10.0.0.1:5060", "huashu_esl_password": "s3cret"})
    first = {p: p.read_text() for p in conf.rglob("*.xml")}
    install_config(conf)
    assert {p: p.read_text() for p in conf.rglob("*.xml")} == first
    assert (conf / "vars.xml").read_text().count(INCLUDE_LINE) == 1
    assert read_vars(conf / "vars_huashu.xml")["huashu_trunk_proxy"] == "10.0.0.1:5060"
    switch = (conf / "autoload_configs" / "switch.conf.xml").read_text()
    assert '<param name="sessions-per-second" value="$${huashu_sessions_per_second}"/>' in switch
    assert '<param name="rtp-start-port" value="$${huashu_rtp_start_port}"/>' in switch
    assert "<!-- <param" not in switch
    assert (conf / "dialplan" / "huashu.xml").exists()
    assert (conf / "sip_profiles" / "external" / "huashu-gateway.xml").exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [({"nope": "1"}, "unknown variable"), ({"huashu_trunk_proxy": 'a"/><x'}, "without"),
     ({"bad name": "1"}, "letters, digits")],
)
def test_bad_values_are_refused_with_a_message(tmp_path: Path, values: dict[str, str], message: str) -> None:
    with pytest.raises(DeployError, match=message):
        install_config(_conf(tmp_path), values)


def test_a_directory_that_is_not_a_freeswitch_configuration_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="vars.xml not found"):
        install_config(tmp_path)


def test_cli_installs_and_reports_bad_values(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from huashu.cli import cli

    conf = _conf(tmp_path)
    ok = CliRunner().invoke(cli, ["freeswitch", "install-config", str(conf), "--set", "huashu_esl_port=9021", "--json"])
    assert ok.exit_code == 0, ok.output
    assert "vars_huashu.xml" in json.loads(ok.output)["written"]
    assert read_vars(conf / "vars_huashu.xml")["huashu_esl_port"] == "9021"
    bad = CliRunner().invoke(cli, ["freeswitch", "install-config", str(conf), "--set", "nope=1"])
    assert bad.exit_code != 0 and "unknown variable 'nope'" in bad.output and "Traceback" not in bad.output
