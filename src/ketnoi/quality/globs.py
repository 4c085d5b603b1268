"""Simple patterns as SQLite GLOBs, which SQLite matches in C, instead of a Python REGEXP call per row.

SQLite has no regular expressions of its own: REGEXP calls a Python function for every row, which
is most of a rule run's time on a large table (measured on 1M rows: 0.73 s of 1.2 s). Most patterns
stewards write for codes and numbers are a fixed sequence of literal characters and character
classes, with alternatives and exact counts: `(0|\\+84)(3|5|7|8|9)[0-9]{8}`. Such a pattern matches
exactly the strings one of a few GLOBs matches, and `to_globs` writes them; any other pattern (a `*`
or `+`, `.`, `\\d`, flags, anchors inside...) gives None and the REGEXP is used. Matching is the same
by construction: both match the whole value, case-sensitively, code point by code point.
"""

from __future__ import annotations

from itertools import product

MAX_GLOBS = 16  # alternatives multiply: beyond this, one REGEXP call is cheaper than many GLOBs
MAX_REPEAT = 64

Piece = list[str]  # the GLOB fragments one position may take (alternatives)


class _Untranslatable(Exception):
    pass


def to_globs(regex: str) -> list[str] | None:
    """The GLOBs whose union matches exactly the whole values `regex` matches in full, or None."""
    try:
        parser = _Parser(regex)
        globs = parser.alternatives()
        if parser.pos != len(regex):
            raise _Untranslatable
    except _Untranslatable:
        return None
    return sorted(set(globs))


class _Parser:
    """A recursive-descent reader of the small regex subset above, expanding it into GLOB strings."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def take(self) -> str:
        char = self.peek()
        if char is None:
            raise _Untranslatable
        self.pos += 1
        return char

    def alternatives(self) -> list[str]:
        out = self.sequence()
        while self.peek() == "|":
            self.pos += 1
            out = out + self.sequence()
            _bounded(out)
        return out

    def sequence(self) -> list[str]:
        out = [""]
        while (char := self.peek()) is not None and char not in "|)":
            options = self.repeated(self.atom())
            out = [a + b for a, b in product(out, options)]
            _bounded(out)
        return out

    def atom(self) -> list[str]:
        char = self.take()
        if char == "(":
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self.peek() == "?":
                raise _Untranslatable  # lookarounds, named groups, flags
            inner = self.alternatives()
            if self.take() != ")":
                raise _Untranslatable
            return _as_class(inner)
        if char == "[":
            return [self.char_class()]
        if char == "\\":
            escaped = self.take()
            if escaped.isalnum():  # \d \w \s \b \1 ...: classes and references GLOB cannot say exactly
                raise _Untranslatable
            return [_literal(escaped)]
        if char in ".*+?{}^$)":
            raise _Untranslatable
        return [_literal(char)]

    def char_class(self) -> str:
        """A [...] class as a GLOB class with the same members (single characters and code-point ranges)."""
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        singles: list[str] = []
        ranges: list[str] = []
        while True:
            char = self._class_char(first=not singles and not ranges)
            if char is None:
                break
            if self.peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                high = self._class_char(first=False)
                if high is None or high < char:
                    raise _Untranslatable
                ranges.append(f"{char}-{high}")
            else:
                singles.append(char)
        if not singles and not ranges:
            raise _Untranslatable
        # SQLite reads "]" as a member only first, "-" only last, and "^" as negation only first.
        body = ("]" if "]" in singles else "") + "".join(ranges) + "".join(c for c in singles if c not in "]^-")
        body += ("^" if "^" in singles else "") + ("-" if "-" in singles else "")
        if body.startswith("^"):
            raise _Untranslatable  # a class of "^" (and "-") alone
        return "[" + ("^" if negated else "") + body + "]"

    def _class_char(self, *, first: bool) -> str | None:
        """The next member character of a class, or None at its closing bracket."""
        char = self.take()
        if char == "]" and not first:
            return None
        if char == "\\":
            char = self.take()
            if char.isalnum():  # \d, \w, \s...: Unicode classes
                raise _Untranslatable
        elif char == "[":
            raise _Untranslatable  # a nested set (Python warns of it)
        return char

    def repeated(self, options: list[str]) -> list[str]:
        char = self.peek()
        if char == "?":
            self.pos += 1
            return ["", *options]
        if char != "{":
            return options
        end = self.text.find("}", self.pos)
        if end < 0:
            raise _Untranslatable
        count = self.text[self.pos + 1 : end]
        if not count.isdigit() or int(count) > MAX_REPEAT:
            raise _Untranslatable  # {m,n} and {m,}: variable lengths
        self.pos = end + 1
        if self.peek() in ("?", "+"):
            raise _Untranslatable
        out = [""]
        for _ in range(int(count)):
            out = [a + b for a, b in product(out, options)]
            _bounded(out)
        return out


def _as_class(options: list[str]) -> list[str]:
    """(3|5|7|8|9) as the one class [35789]: one GLOB instead of five."""
    if len(options) < 2 or any(len(o) != 1 or o in "]^-" for o in options):
        return options
    return ["[" + "".join(sorted(set(options))) + "]"]


def _literal(char: str) -> str:
    return f"[{char}]" if char in "*?[" else char


def _bounded(globs: list[str]) -> None:
    if len(globs) > MAX_GLOBS:
        raise _Untranslatable
