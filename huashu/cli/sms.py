"""``huashu sms``: SMS follow-up rules of a task, its messages, and the length of a text."""

from __future__ import annotations

import click

from huashu.cli._common import database_group, emit, emit_json, fail, open_db

__all__ = ["cli"]


@database_group
def cli() -> None:
    """SMS follow-up after calls: rules per task, messages and their status."""



@cli.command("reply-url")
@click.option("--json", "as_json", is_flag=True)
def reply_url_cmd(as_json: bool) -> None:
    """The URL the SMS gateway forwards customers' replies to (an opt-out word such as TD or 退订
    opts the number out). Paste it as the get-url of smsbox's sms-service (docs/reach.md)."""
    from huashu.core.config import get_settings
    from runtime.campaigns.secrets import app_secret
    from runtime.campaigns.sms.replies import reply_get_url

    settings = get_settings()
    s = settings.sms
    if not s.dlr_port and not s.dlr_public_url:
        fail("no reply listener: set sms.dlr_port (HUASHU_SMS__DLR_PORT) or sms.dlr_public_url", code="no_listener")
    public = s.dlr_public_url or f"http://{s.dlr_host}:{s.dlr_port}"
    base = public.split("/sms/", 1)[0]  # a public URL given for delivery reports names the same listener
    url = reply_get_url(base, app_secret(settings))
    emit({"get_url": url}, as_json, f'get-url = "{url}"')


@cli.command("add-rule")
@click.argument("task_id", type=int)
@click.option("--name", required=True, help="What the rule is for, e.g. 'recharge link'.")
@click.option("--template", required=True, help="Message text; ${name} takes the call's variables (the script's syntax).")
@click.option("--intent", help="The call's intent label or category (e.g. 已充值, success).")
@click.option("--outcome", help="The call's outcome (connected, no_answer, busy, ...).")
@click.option("--attempts", type=int, help="The number's attempt count at that call (2: the second try).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def add_rule_cmd(ctx: click.Context, task_id: int, name: str, template: str, intent: str | None, outcome: str | None,
                 attempts: int | None, as_json: bool) -> None:
    """Add a rule: when a call of TASK_ID matches every condition given, send the template once."""
    from runtime.campaigns.sms.store import RuleError, RuleIn, add_rule

    try:
        r = add_rule(open_db(ctx), task_id, RuleIn(name, template, intent, outcome, attempts))
    except RuleError as e:
        fail(str(e))
    n = r["length"]
    emit(r, as_json, f"rule {r['id']} added ({n['units']} characters, {n['segments']} SMS)")


@cli.command("rules")
@click.argument("task_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def rules_cmd(ctx: click.Context, task_id: int, as_json: bool) -> None:
    """The task's rules."""
    from runtime.campaigns.sms.store import list_rules

    rules = list_rules(open_db(ctx), task_id)
    if as_json:
        emit_json(rules)
        return
    for r in rules:
        cond = ", ".join(f"{k}={r[k]}" for k in ("intent", "outcome", "attempts") if r[k] is not None)
        click.echo(f"{r['id']}\t{r['name']}\t{cond}\t{r['length']['segments']} SMS\t{r['template']}")


@cli.command("remove-rule")
@click.argument("task_id", type=int)
@click.argument("rule_id", type=int)
@click.pass_context
def remove_rule_cmd(ctx: click.Context, task_id: int, rule_id: int) -> None:
    """Remove a rule (messages already queued by it stay)."""
    from runtime.campaigns.sms.store import remove_rule

    if not remove_rule(open_db(ctx), task_id, rule_id):
        fail(f"task {task_id} has no rule {rule_id}")
    click.echo(f"rule {rule_id} removed")


@cli.command("messages")
@click.argument("task_id", type=int)
@click.option("--attempt", "attempt_id", type=int, help="Only the messages of this call.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 5000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def messages_cmd(ctx: click.Context, task_id: int, attempt_id: int | None, limit: int, as_json: bool) -> None:
    """The task's messages, newest first, with their status (queued, sending, sent, delivered, failed)."""
    from runtime.campaigns.sms.store import messages, summary

    engine = open_db(ctx)
    rows = messages(engine, task_id=task_id, attempt_id=attempt_id, limit=limit)
    if as_json:
        emit_json({"summary": summary(engine, task_id), "messages": rows})
        return
    click.echo(" ".join(f"{k} {v}" for k, v in summary(engine, task_id).items()))
    for m in rows:
        click.echo(f"{m['id']}\tcall {m['attempt_id']}\t{m['phone']}\t{m['state']}\t{m['rule'] or ''}\t{m['text']}"
                   + (f"\t({m['error']})" if m["error"] else ""))


@cli.command("count")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True)
def count_cmd(text: str, as_json: bool) -> None:
    """How many SMS TEXT costs: 70 Chinese characters in one, 67 a part when longer (GSM: 160/153)."""
    from runtime.campaigns.sms.segments import measure

    n = measure(text)
    emit(n.as_dict(), as_json, f"{n.units} characters ({n.encoding}), {n.segments} SMS")
