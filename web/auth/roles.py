"""Roles and what each may do. Pure data: the guards and the templates both read it."""

from __future__ import annotations

from enum import StrEnum

from huashu.core.errors import UserError

__all__ = ["Role", "Permission", "ROLE_PERMISSIONS", "allows", "parse_role"]


class Role(StrEnum):
    ADMIN = "admin"
    DESIGNER = "designer"
    REVIEWER = "reviewer"
    OPERATOR = "operator"


class Permission(StrEnum):
    VIEW_SCRIPTS = "scripts.view"
    EDIT_SCRIPTS = "scripts.edit"  # create, import, edit drafts, submit for review
    REVIEW_SCRIPTS = "scripts.review"  # approve / reject submitted versions
    RETIRE_SCRIPTS = "scripts.retire"
    TEST_TALK = "scripts.talk"
    MANAGE_USERS = "users.manage"
    RUN_CAMPAIGNS = "campaigns.run"
    VIEW_AUDIT = "audit.view"  # the audit trail page and its export
    VIEW_PERSONAL = "personal.view"  # phone numbers and names unmasked
    PLAY_RECORDINGS = "recordings.play"  # play recordings, read transcripts
    ERASE_PERSONAL = "personal.erase"  # erase everything held about a number


# A designer cannot approve their own work; an operator only reads scripts and runs campaigns.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DESIGNER: frozenset(
        {Permission.VIEW_SCRIPTS, Permission.EDIT_SCRIPTS, Permission.TEST_TALK}
    ),
    Role.REVIEWER: frozenset(
        {Permission.VIEW_SCRIPTS, Permission.REVIEW_SCRIPTS, Permission.RETIRE_SCRIPTS, Permission.TEST_TALK}
    ),
    # numbers and names masked (personal.view is the admin's); recordings and transcripts allowed
    Role.OPERATOR: frozenset({Permission.VIEW_SCRIPTS, Permission.RUN_CAMPAIGNS, Permission.PLAY_RECORDINGS}),
}


def parse_role(value: str) -> Role:
    """The role named ``value``; UserError (a ValueError) with the list of valid names otherwise."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role {value!r} (choose one of: {names})") from None


def allows(role: str | Role | None, permission: Permission) -> bool:
    if role is None:
        return False
    try:
        r = Role(role)
    except ValueError:
        return False
    return permission in ROLE_PERMISSIONS[r]
