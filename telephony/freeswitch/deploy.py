"""Install ``deploy/freeswitch/`` into a FreeSWITCH configuration directory, the one way.

The tests' switch and an operator's switch get the same files by the same code (``huashu
freeswitch install-config``): copy the Huashu files, include ``vars_huashu.xml`` from
``vars.xml``, point ``switch.conf.xml``'s session rate and RTP range at the Huashu variables,
and set the values a site needs (carrier address, Event Socket password ...). Idempotent: a
second run changes nothing but the values given.

Why a tool and not "copy these files": FreeSWITCH's preprocessor acts on every line that
contains its directive name, comments included, so the include line cannot be shipped inside
the very file it includes, and ``switch.conf.xml`` is the distribution's file, edited in place.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from huashu.core.errors import UserError

__all__ = ["DEPLOY_DIR", "DeployError", "install_config", "read_vars", "INCLUDE_LINE", "set_vars"]

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "freeswitch"
INCLUDE_LINE = '<X-PRE-PROCESS cmd="include" data="vars_huashu.xml"/>'
_DIRECTIVE = "X-PRE-PROCESS"
_SET = re.compile(r'(<X-PRE-PROCESS cmd="set" data=")([A-Za-z0-9_]+)=([^"]*)("/>)')
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_BAD_VALUE = set('"<>&\r\n')
_SWITCH_PARAMS = {
    "sessions-per-second": "$${huashu_sessions_per_second}",
    "rtp-start-port": "$${huashu_rtp_start_port}",
    "rtp-end-port": "$${huashu_rtp_end_port}",
}


class DeployError(UserError):
    """The configuration directory or a value cannot take the Huashu files."""


def read_vars(path: Path) -> dict[str, str]:
    """The ``name=value`` pairs a vars file sets, in order."""
    return {m.group(2): m.group(3) for m in _SET.finditer(path.read_text(encoding="utf-8"))}


def _check_no_directive_in_comments(path: Path) -> None:
    """A directive inside a comment still runs (the preprocessor reads lines, not XML)."""
    text = path.read_text(encoding="utf-8")
    for comment in re.findall(r"<!--.*?-->", text, flags=re.S):
        if _DIRECTIVE in comment:
            raise DeployError(f"{path}: a comment names {_DIRECTIVE}, which FreeSWITCH would run")


def set_vars(path: Path, values: Mapping[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    known = read_vars(path)
    for name, value in values.items():
        if not _NAME.match(name):
            raise DeployError(f"variable name {name!r}: letters, digits and underscores only")
        if name not in known:
            raise DeployError(f"unknown variable {name!r}; vars_huashu.xml sets {', '.join(known)}")
        bad = sorted(set(value) & _BAD_VALUE)
        if bad or len(value) > 500:
            raise DeployError(f"value for {name} must be under 500 characters without {''.join(bad) or 'quotes'}")
        pattern = re.compile(rf'(<X-PRE-PROCESS cmd="set" data="){name}=[^"]*("/>)')
        text = pattern.sub(lambda m: f"{m.group(1)}{name}={value}{m.group(2)}", text)  # noqa: B023
    path.write_text(text, encoding="utf-8")


def _include_vars(vars_xml: Path) -> None:
    text = vars_xml.read_text(encoding="utf-8")
    if INCLUDE_LINE in text:
        return
    end = text.rfind("</include>")
    if end < 0:
        raise DeployError(f"{vars_xml} has no closing </include>")
    vars_xml.write_text(text[:end] + f"  {INCLUDE_LINE}\n" + text[end:], encoding="utf-8")


def _switch_params(switch_conf: Path) -> None:
    """Point the session rate and RTP range at the Huashu variables (commented examples removed)."""
    text = switch_conf.read_text(encoding="utf-8")
    for name, value in _SWITCH_PARAMS.items():
        text = re.sub(rf'[ \t]*<!--\s*<param name="{name}"[^>]*/>\s*-->[ \t]*\n', "", text)
        line = f'<param name="{name}" value="{value}"/>'
        if re.search(rf'<param name="{name}"', text):
            text = re.sub(rf'<param name="{name}" value="[^"]*"/>', line, text)
        else:
            at = text.find("<settings>")
            if at < 0:
                raise DeployError(f"{switch_conf} has no <settings> block")
            at += len("<settings>")
            text = text[:at] + f"\n    {line}" + text[at:]
    switch_conf.write_text(text, encoding="utf-8")


def install_config(conf_dir: Path, values: Mapping[str, str] | None = None, deploy_dir: Path = DEPLOY_DIR) -> list[str]:
    """Install the Huashu files into ``conf_dir`` (FreeSWITCH's ``etc/freeswitch``); returns what was written."""
    conf_dir = Path(conf_dir)
    vars_xml, switch_conf = conf_dir / "vars.xml", conf_dir / "autoload_configs" / "switch.conf.xml"
    for needed in (vars_xml, switch_conf):
        if not needed.is_file():
            raise DeployError(f"{needed} not found: is {conf_dir} a FreeSWITCH configuration directory?")
    written: list[str] = []
    for src in sorted(p for p in deploy_dir.rglob("*.xml") if p.is_file()):
        _check_no_directive_in_comments(src)
        rel = src.relative_to(deploy_dir)
        dst = conf_dir / rel
        if rel.name == "vars_huashu.xml" and dst.exists():
            # Keep the site's values; add variables a newer release introduced.
            site = read_vars(dst)
            shutil.copyfile(src, dst)
            set_vars(dst, {k: v for k, v in site.items() if k in read_vars(dst)})
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
        written.append(str(rel))
    if values:
        set_vars(conf_dir / "vars_huashu.xml", values)
    _include_vars(vars_xml)
    _switch_params(switch_conf)
    return [*written, "vars.xml", "autoload_configs/switch.conf.xml"]
