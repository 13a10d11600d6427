"""``huashu campaign create`` and :class:`runtime.campaigns.tasks.TaskSpec` describe one task shape:
every field a user sets has an option of the same name and default, and every option is a field
or one of the few listed below, each saying how it reaches the task."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from huashu.cli.campaign import create_cmd
from runtime.campaigns.tasks import TaskSpec

# TaskSpec fields that no option sets under their own name: the option that sets each instead
FIELDS_SET_OTHERWISE = {
    "source_id": "--source NAME or --file PATH (uploaded and registered as a source)",
    "query_params": "--param KEY=VALUE, repeated",
    "mapping": "--map FIELD=COLUMN, --var VAR=COLUMN and --consent basis=COLUMN",
    "schedule_kind": "'cron' when --cron is given, else 'once'",
    "audience_id": "--audience ID-or-NAME (looked up)",
}
# options that are not TaskSpec fields: what each is for
OPTIONS_NOT_FIELDS = {
    "source_name": "--source: becomes source_id",
    "file_path": "--file: uploaded, becomes source_id",
    "audience_ref": "--audience: becomes audience_id",
    "numbers_later": "--numbers-later: no source, numbers come with add-numbers (a usage check only)",
    "params": "--param: becomes query_params",
    "maps": "--map: becomes mapping",
    "vars_": "--var: becomes mapping['variables']",
    "consent_maps": "--consent: becomes mapping['consent']",
    "as_json": "--json: the output format",
}


def _spec_fields() -> dict[str, Any]:
    """Field name -> default (dataclasses.MISSING when it has none or a factory)."""
    assert dataclasses.is_dataclass(TaskSpec), "TaskSpec changed shape: teach this test to read its fields"
    return {f.name: f.default for f in dataclasses.fields(TaskSpec)}


def _options() -> dict[str, click.Parameter]:
    return {p.name: p for p in create_cmd.params if p.name is not None}


def test_every_task_field_has_a_create_option_and_every_option_is_a_field() -> None:
    fields, options = _spec_fields(), _options()
    assert not set(FIELDS_SET_OTHERWISE) - set(fields), "a listed field is gone from TaskSpec: drop it here"
    assert not set(OPTIONS_NOT_FIELDS) - set(options), "a listed option is gone from campaign create: drop it here"
    missing = sorted(set(fields) - set(options) - set(FIELDS_SET_OTHERWISE))
    assert not missing, f"TaskSpec fields without a `campaign create` option: {missing}"
    extra = sorted(set(options) - set(fields) - set(OPTIONS_NOT_FIELDS))
    assert not extra, f"`campaign create` options that are no TaskSpec field: {extra}"
    both = set(fields) & set(OPTIONS_NOT_FIELDS) | set(options) & set(FIELDS_SET_OTHERWISE)
    assert not both, f"listed as an exception but matching by name: {sorted(both)}"


def test_create_options_default_to_the_task_defaults() -> None:
    fields, options = _spec_fields(), _options()
    # what a user gets leaving an option out: the command line parsed with the required options only
    given = create_cmd.make_context("create", ["--name", "n", "--business", "b", "--script", "s"]).params
    differ = {
        name: (given[name], default)
        for name, default in fields.items()
        if name in options and default is not dataclasses.MISSING and not options[name].required
        and given[name] != default
    }
    assert not differ, f"option default != TaskSpec default (option, field): {differ}"
