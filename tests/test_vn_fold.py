"""kit.vn.fold: the table-driven path gives what the Unicode decomposition gives, for every Latin letter."""

from __future__ import annotations

import random
import unicodedata

from ketnoi.kit.vn import _fold_slowly, fold
from ketnoi.kit.vnencodings import vietnamese_letters


def _reference(text: str) -> str:
    return " ".join(_fold_slowly(text).split())


def test_every_latin_and_vietnamese_letter_folds_as_its_decomposition_says() -> None:
    letters = [chr(c) for c in (*range(0x20, 0x250), *range(0x1E00, 0x1F00))] + vietnamese_letters()
    for letter in letters:
        assert fold(letter) == _reference(letter), hex(ord(letter))


def test_mixed_text_nfd_input_and_other_scripts_fold_the_same_way() -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible test strings, not secrets
    alphabet = vietnamese_letters() + list("abcđĐ xyz,.–…") + ["Ω", "ά", "日本", "İ", "ﬁ"]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for form in (text, unicodedata.normalize("NFD", text)):
            assert fold(form) == _reference(form), repr(form)
    assert fold("  Cơ  sở Dữ liệu ") == "co so du lieu"
