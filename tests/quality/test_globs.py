"""A pattern turned into GLOBs matches exactly the values the regular expression matches in full."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketnoi.quality.globs import to_globs
from ketnoi.quality.rules import anchored

TRANSLATED = [
    r"(0|\+84)(3|5|7|8|9)[0-9]{8}",
    r"[A-Z]-[0-9]{4}",
    r"[0-9]{4}-[0-9]{2}-[0-9]{4}/KQNC",
    r"DT-20(1|2)[0-9]-[0-9]{3}",
    r"[^0-9]x?[]a-]",
    r"(ab|c)?[*?]\[z",
    r"[a-cx-z^-]{2}",
    r"(Đ|D)T\.[A-ZĐ]{2}",
    r"",
]
UNTRANSLATED = [r"\d{4}", r".*@.*", r"[0-9]+", r"a{2,3}", r"(?i)abc", r"(?=a)a", r"^a", r"a$", r"[\w]", r"(a)\1", r"a|b|c|d|e" * 4]
_db = sqlite3.connect(":memory:")


def _glob_match(globs: list[str], value: str) -> bool:
    return any(_db.execute("SELECT ? GLOB ?", (value, g)).fetchone()[0] for g in globs)


@pytest.mark.parametrize("pattern", TRANSLATED)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_globs_and_the_pattern_agree_on_every_value(pattern: str, data: st.DataObject) -> None:
    globs = to_globs(pattern)
    assert globs is not None
    # Values near the pattern: its own characters, digits, letters and the GLOB wildcards, and full matches of it.
    alphabet = st.sampled_from(sorted(set(pattern) | set("0123456789+-aAbzZĐD*?[]^\n é")))
    value = data.draw(st.one_of(st.text(alphabet, max_size=14), st.from_regex(re.compile(anchored(pattern)), fullmatch=True)))
    if "\x00" in value:
        return  # never stored: the datastore refuses NUL (datastore.infer), as PostgreSQL must
    assert _glob_match(globs, value) == (re.search(anchored(pattern), value) is not None), (globs, value)


@pytest.mark.parametrize("pattern", UNTRANSLATED)
def test_other_patterns_are_left_to_regexp(pattern: str) -> None:
    assert to_globs(pattern) is None


def test_a_final_newline_does_not_match_as_python_s_dollar_would() -> None:
    assert re.search(anchored("ab"), "ab\n") is None and not _glob_match(to_globs("ab") or [], "ab\n")
