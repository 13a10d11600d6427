"""Typed form bodies: each page form is a dataclass, parsed by Litestar from the request body.

``data: Annotated[CommentForm, URL_ENCODED]`` parses an ``application/x-www-form-urlencoded``
body into the dataclass (``MULTI_PART`` for uploads). Every field has a default, so a missing
field is the empty value and the handler says what is wrong in the user's language, as it did
when the forms were read by hand; fields the form does not declare (``_csrf_token``) are
ignored. Lengths are still cut by the handler where a value is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.enums import RequestEncodingType
from litestar.params import Body

__all__ = ["URL_ENCODED", "MULTI_PART", "CommentForm", "PhoneForm", "is_checked"]

URL_ENCODED = Body(media_type=RequestEncodingType.URL_ENCODED)
MULTI_PART = Body(media_type=RequestEncodingType.MULTI_PART)


def is_checked(value: str) -> bool:
    """A checkbox or hidden flag that is on (``1``, ``on``, ``true``)."""
    return value in ("1", "on", "true")


@dataclass
class CommentForm:
    """Submit, retire: an optional comment."""

    comment: str = ""


@dataclass
class PhoneForm:
    """The privacy page's erase and opt-out forms."""

    phone: str = ""
    detail: str = ""
