"""Legal basis per number, and which bases a task's business type needs.

A list maps a consent column (its values: consent / contract / legitimate_interest / none, or
the Chinese labels); a task declares its business type. ``None`` as the business type keeps a
task's numbers unchecked (tasks made before this existed); a region policy may require one.
Pure data and two small functions: the screen binds :func:`required_bases` once per load and
looks each row's basis up in a dict.
"""

from __future__ import annotations

from huashu.core.errors import UserError

__all__ = ["BASES", "BUSINESS_TYPES", "ConsentError", "basis_of", "check_business_type", "required_bases"]

BASES = ("consent", "contract", "legitimate_interest", "none")

#: business type -> the bases that allow calling for it. Marketing needs explicit consent
#: (PIPL art. 13/14, MIIT, TCPA prior express consent for an artificial voice, GDPR/ePrivacy);
#: service calls and collection may rest on the contract or a legitimate interest.
BUSINESS_TYPES: dict[str, frozenset[str]] = {
    "marketing": frozenset({"consent"}),
    "service": frozenset({"consent", "contract", "legitimate_interest"}),
    "collection": frozenset({"contract", "legitimate_interest", "consent"}),
}

_LABELS: dict[str, str] = {
    **{b: b for b in BASES},
    "legitimate interest": "legitimate_interest", "legitimate-interest": "legitimate_interest",
    "同意": "consent", "已同意": "consent", "合同": "contract", "合同履行": "contract",
    "合法利益": "legitimate_interest", "正当利益": "legitimate_interest", "无": "none", "": "none",
}


class ConsentError(UserError):
    """An unknown business type; the message lists the valid ones."""


def basis_of(value: object) -> str | None:
    """The basis a cell names (case and spaces ignored), or None for a value that names none."""
    if value is None:
        return None
    return _LABELS.get(str(value).strip().lower())


def check_business_type(value: str | None) -> None:
    if value is not None and value not in BUSINESS_TYPES:
        raise ConsentError(f"business_type: {value!r} is not one of {', '.join(BUSINESS_TYPES)} (or empty)")


def required_bases(business_type: str | None) -> frozenset[str] | None:
    """The bases a number needs for this business type; None: the task does not check consent."""
    return BUSINESS_TYPES.get(business_type) if business_type else None
