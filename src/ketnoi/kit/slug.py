"""URL names ("slugs") for things the public links to: `Dữ liệu đề tài 2024` → `du-lieu-de-tai-2024`.

CKAN clients address a dataset by its `name` (lower-case ASCII letters, digits, `-` and `_`, 2 to
100 characters), and so do our portal's URLs. A slug is made once, when the thing is created, and
kept when it is renamed: links and harvesters that know it go on working.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ketnoi.kit.vn import fold

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")
MAX_LENGTH = 100
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, fallback: str = "du-lieu", max_length: int = 80) -> str:
    """The folded words of `text` joined by hyphens; `fallback` when nothing is left of it."""
    slug = _NOT_SLUG.sub("-", fold(text)).strip("-")[:max_length].rstrip("-")
    return slug if len(slug) >= 2 and not _UUID.match(slug) else fallback


def unique_slug(text: str, taken: Callable[[str], bool], *, fallback: str = "du-lieu") -> str:
    """slugify(text), with `-2`, `-3`… appended until `taken` says the name is free."""
    base = slugify(text, fallback=fallback)
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")


def is_slug(value: str) -> bool:
    """A URL name, and never one shaped like an id: links take either, and must not mistake one for the other."""
    return bool(SLUG.match(value)) and not _UUID.match(value)
