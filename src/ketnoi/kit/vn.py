"""Vietnamese text: NFC normalisation and diacritic folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Unicode NFC with collapsed outer whitespace: the form every stored text takes."""
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse spaces: 'Cơ sở Dữ liệu' → 'co so du lieu'."""
    # Loading folds every text cell of a file: the marks of Latin letters (all Vietnamese ones) are
    # removed by one regular expression, in C; other scripts and symbols take the general rule.
    return _SPACES.sub(" ", unmarked(text)).strip()


def unmarked(text: str) -> str:
    """`fold` without the spaces' collapsing: lower-case, no diacritics, đ → d."""
    folded = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text.lower())).replace("đ", "d")
    return folded if folded.isascii() else _fold_slowly(folded)


def _fold_slowly(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


_LATIN_MARKS = re.compile("[\u0300-\u036f]")  # the combining diacritical marks block
