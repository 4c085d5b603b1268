"""What visitors and staff send about open data, checked at the edge (NFC text, lengths, links, e-mail)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ketnoi.kit.validation import Email, Input, OptionalText, Text

MAX_BODY = 4000
MIN_BODY = 10
MIN_TITLE = 5
MAX_LINKS = 3  # a person points to a page or two; a spammer to many
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def count_links(text: str | None) -> int:
    return len(_LINK.findall(text or ""))


def _body(value: str) -> str:
    if len(value) < MIN_BODY:
        raise ValueError("Nội dung quá ngắn: hãy viết ít nhất 10 ký tự.")
    if count_links(value) > MAX_LINKS:
        raise ValueError("Nội dung có quá nhiều liên kết (tối đa 3).")
    return value


def _title(value: str) -> str:
    if len(value) < MIN_TITLE:
        raise ValueError("Tiêu đề quá ngắn: hãy viết ít nhất 5 ký tự.")
    return _no_link(value) or value


def _no_link(value: str | None) -> str | None:
    if count_links(value):
        raise ValueError("Không được chứa liên kết.")
    return value


Body = Annotated[Text, AfterValidator(_body)]
Name = Annotated[OptionalText, AfterValidator(_no_link)]


class _FromVisitor(Input):
    """The fields every public form carries: who writes (optional), and the two traps for robots."""

    author_name: Name = Field(default=None, max_length=255)
    author_email: Email = Field(default=None, max_length=255)
    website: str | None = None  # the honeypot: hidden by CSS, a person leaves it empty
    form_token: str = ""  # signed render time (feedback.antispam)


class FeedbackIn(_FromVisitor):
    """A comment on, or an error report about, a public dataset."""

    kind: Literal["comment", "error_report"] = "comment"
    body: Body = Field(max_length=MAX_BODY)


class RequestIn(_FromVisitor):
    """A request that a dataset be published as open data (optionally addressed to a unit)."""

    title: Annotated[Text, AfterValidator(_title)] = Field(max_length=255)
    body: Body = Field(max_length=MAX_BODY)
    organization_id: uuid.UUID | None = None


class ModerationIn(Input):
    decision: Literal["publish", "reject"]
    note: OptionalText = Field(default=None, max_length=2000)


class ReplyIn(Input):
    reply: Text = Field(min_length=2, max_length=MAX_BODY)
    # For a dataset request: the public dataset that answers it (its URL name, or its portal address).
    dataset: OptionalText = Field(default=None, max_length=300)
