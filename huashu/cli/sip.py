"""``huashu sip``: place a test call through a SIP trunk and print how it ended."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from huashu.cli._common import emit_json, fail
from huashu.core.errors import UserError

__all__ = ["cli"]


def _trunk_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"expected HOST:PORT, got {value!r}", param_hint="--trunk")
    return host, int(port)


@click.group(help="SIP driver: place a test call through a trunk (a carrier, a PBX, FreeSWITCH, sipp).")
def cli() -> None:
    pass


@cli.command("call", help=(
    "Dial NUMBER through the trunk, play --play WAV once answered (or hold the line --hold seconds), "
    "hang up and print the outcome (connected, busy, no_answer, invalid_number ...)."
))
@click.argument("number")
@click.option("--trunk", required=True, help="HOST:PORT of the SIP trunk.")
@click.option("--transport", type=click.Choice(["udp", "tcp"]), default="udp", show_default=True,
              help="SIP transport to the trunk.")
@click.option("--user", default=None, help="Digest username (401/407 challenges, REGISTER).")
@click.option("--password", default=None, help="Digest password.")
@click.option("--register", is_flag=True, help="REGISTER with the trunk before dialling.")
@click.option("--caller-id", default="huashu", show_default=True, help="User part of the From URI.")
@click.option("--domain", default=None, help="Domain of the From/To URIs (default: the trunk host).")
@click.option("--local-ip", default="127.0.0.1", show_default=True, help="Address to bind and advertise.")
@click.option("--play", "play", type=click.Path(dir_okay=False, path_type=Path), help="WAV to play on answer.")
@click.option("--hold", "hold_s", type=float, default=3.0, show_default=True, help="Seconds to stay on without --play.")
@click.option("--ring-timeout", type=float, default=30.0, show_default=True, help="Seconds to ring before CANCEL.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object for scripts.")
def call_cmd(number: str, trunk: str, transport: str, user: str | None, password: str | None, register: bool, caller_id: str,
             domain: str | None, local_ip: str, play: Path | None, hold_s: float, ring_timeout: float,
             as_json: bool) -> None:
    from telephony.media.audio import AudioError, read_wav, resample_to_8k
    from telephony.sip import RegistrationFailed, SipDriver, SipTrunk
    from telephony.sip.probe import place_test_call

    host, port = _trunk_address(trunk)
    pcm = None
    if play is not None:
        try:
            raw, rate = read_wav(play)
        except (OSError, AudioError) as exc:
            raise click.BadParameter(f"cannot read {play}: {exc}", param_hint="--play") from None
        pcm = resample_to_8k(raw, rate)
    try:
        sip_trunk = SipTrunk(host, port, transport=transport, username=user, password=password, register=register,
                             from_domain=domain, local_ip=local_ip)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None

    def show(ev: object) -> None:
        if not as_json:
            click.echo(f"  {type(ev).__name__}")

    async def main() -> dict[str, object]:
        driver = SipDriver(sip_trunk)
        try:
            report = await place_test_call(driver, number, caller_id, pcm=pcm, hold_s=hold_s,
                                           ring_timeout_s=ring_timeout, on_event=show)
        finally:
            await driver.aclose()
        return report.to_dict()

    if not as_json:
        click.echo(f"calling {number} via {host}:{port} ...")
    try:
        result = asyncio.run(main())
    except (RegistrationFailed, UserError, OSError) as exc:
        fail(str(exc))
    if as_json:
        emit_json(result)
    else:
        status = f" (SIP {result['sip_status']})" if result["sip_status"] else ""
        click.echo(f"outcome: {result['outcome']}  cause: {result['cause']}{status}  by: {result['hung_up_by']}")
        if result["retry_after_s"] is not None:
            click.echo(f"the carrier asks to retry after {result['retry_after_s']} s (Retry-After)")
        if result["setup_ms"] is not None:
            click.echo(f"answered after {result['setup_ms']} ms; talked {result['talk_ms']} ms; "
                       f"{result['frames_received']} frames received")
