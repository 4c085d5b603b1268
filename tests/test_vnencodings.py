"""TCVN3 and VNI-Windows codecs and encoding detection (ketnoi.kit.vnencodings)."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest

from ketnoi.kit import vnencodings
from ketnoi.kit.vnencodings import detect, vietnamese_letters

# Two lines every Vietnamese official document starts with, as the legacy fonts stored them: the
# well-known garbage they show as when a Windows-1252 program opens the file.
MOTTO = "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc"
MOTTO_TCVN3_SEEN_AS_CP1252 = "Céng hßa x· héi chñ nghÜa ViÖt Nam. §éc lËp - Tù do - H¹nh phóc"
MOTTO_VNI_SEEN_AS_CP1252 = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam. Ñoäc laäp - Töï do - Haïnh phuùc"

PARAGRAPH = (
    "BỘ KHOA HỌC VÀ CÔNG NGHỆ. Danh mục cơ sở dữ liệu dùng chung của Bộ; đề tài nghiên cứu khoa học "
    "cấp quốc gia đã nghiệm thu; Trung tâm Công nghệ thông tin; Cục Thông tin khoa học và công nghệ "
    "quốc gia. Hà Nội, ngày 03 tháng 11 năm 2021. Kinh phí: 1.234.567,89 triệu đồng. Trạng thái: Có."
)


def test_the_alphabet_is_complete() -> None:
    letters = vietnamese_letters()
    assert len(letters) == len(set(letters)) == 134
    assert {"đ", "Đ", "ư", "Ự", "ỵ", "Ỹ", "ẵ", "Ặ"} <= set(letters)
    assert all(unicodedata.is_normalized("NFC", c) and len(c) == 1 for c in letters)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_every_vietnamese_letter_round_trips(encoding: str) -> None:
    for letter in vietnamese_letters():
        data = letter.encode(encoding)
        assert data.decode(encoding) == letter, (letter, data)
        assert all(b >= 0x80 or chr(b).isascii() for b in data)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_round_trip_of_a_paragraph_with_punctuation_and_digits(encoding: str) -> None:
    assert PARAGRAPH.encode(encoding).decode(encoding) == PARAGRAPH


def test_tcvn3_matches_the_published_table() -> None:
    data = MOTTO_TCVN3_SEEN_AS_CP1252.encode("cp1252")
    assert data.decode("tcvn3") == MOTTO
    assert MOTTO.encode("tcvn3") == data
    # Small letters and the seven capitals VN3 has, at their codes.
    assert "ăâêôơưđ".encode("tcvn3") == bytes(range(0xA8, 0xAF))
    assert "ĂÂÊÔƠƯĐ".encode("tcvn3") == bytes(range(0xA1, 0xA8))
    assert "àảãáạ".encode("tcvn3") == bytes([0xB5, 0xB6, 0xB7, 0xB8, 0xB9])


def test_tcvn3_capitals_without_a_code_use_the_combining_tone_mark() -> None:
    assert "Ú".encode("tcvn3") == b"U\xb3"  # U + TCVN 5712 combining acute
    assert "Ự".encode("tcvn3") == b"\xa6\xb4"  # Ư + combining dot below
    assert b"U\xb3".decode("tcvn3") == "Ú"


def test_vni_matches_the_published_table() -> None:
    data = MOTTO_VNI_SEEN_AS_CP1252.encode("cp1252")
    assert data.decode("vni") == MOTTO
    assert MOTTO.encode("vni") == data
    assert "ơưđ".encode("vni") == b"\xf4\xf6\xf1"
    assert "Ấ".encode("vni") == b"A\xc1" and "ấ".encode("vni") == b"a\xe1"  # capitals take their own mark bytes


def test_decoding_composes_nfc_and_marks_undefined_bytes() -> None:
    text = b"Vi\xd6t \x81".decode("tcvn3", errors="replace")
    assert text == "Việt \ufffd"
    with pytest.raises(UnicodeDecodeError):
        b"Vi\xd6t \x81".decode("tcvn3")


def test_encoding_refuses_what_the_table_cannot_hold() -> None:
    with pytest.raises(UnicodeEncodeError):
        "漢".encode("vni")
    assert "a漢b".encode("tcvn3", errors="replace") == b"a?b"


def test_codec_names_and_aliases() -> None:
    for name in ("TCVN3", "tcvn", "ABC", "VNI-Windows", "vni"):
        assert codecs.lookup(name).name in ("tcvn3", "vni")
    with pytest.raises(LookupError):
        vnencodings.decode(b"", "viscii")


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Windows writes it: precomposed where the code page has the letter, else a tone mark."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tone = next(m for m in decomposed if m in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PARAGRAPH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + PARAGRAPH.encode("utf-8"), "utf-8-sig"),
        (PARAGRAPH.encode("utf-16"), "utf-16"),
        (PARAGRAPH.encode("utf-16-le"), "utf-16-le"),
        (PARAGRAPH.encode("utf-16-be"), "utf-16-be"),
        (_cp1258(PARAGRAPH), "cp1258"),
        (PARAGRAPH.encode("tcvn3"), "tcvn3"),
        (PARAGRAPH.encode("vni"), "vni"),
        (MOTTO.encode("tcvn3"), "tcvn3"),
        (MOTTO.encode("vni"), "vni"),
        (_cp1258(MOTTO), "cp1258"),
        (b"ma_de_tai,nam_bat_dau\nDT-2021-000123,2021\n", "utf-8"),
    ],
    ids=["utf-8", "utf-8 bom", "utf-16 bom", "utf-16-le", "utf-16-be", "cp1258", "tcvn3", "vni", "tcvn3 motto", "vni motto",
         "cp1258 motto", "ascii"],
)  # fmt: skip
def test_detection_finds_the_encoding_and_reading_it_gives_the_text(data: bytes, expected: str) -> None:
    found = detect(data)
    assert found.encoding == expected, found
    assert found.reason  # said to the user, in Vietnamese
    text = unicodedata.normalize("NFC", data.decode(found.encoding))
    assert text.lstrip("\ufeff") in (PARAGRAPH, MOTTO, data.decode("ascii", errors="replace"))


def test_nfd_utf8_is_detected_as_such() -> None:
    found = detect(unicodedata.normalize("NFD", PARAGRAPH).encode("utf-8"))
    assert (found.encoding, found.was_nfd) == ("utf-8", True)
    assert detect(PARAGRAPH.encode("utf-8")).was_nfd is False


def test_detection_survives_a_sample_cut_inside_a_character() -> None:
    data = PARAGRAPH.encode("utf-8")
    cut = data[: data.index("ộ".encode()) + 1]  # the first byte of a three-byte character
    assert detect(cut, complete=False).encoding == "utf-8"
    assert detect(cut).encoding != "utf-8"  # the whole file ends inside a character: not UTF-8


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_large_file_streams_through_io_text_wrapper(encoding: str, tmp_path: Path) -> None:
    """Files are read a chunk at a time (memory bounded by the chunk); each line composes to NFC."""
    path = tmp_path / "data.csv"
    lines = [f"{n};{PARAGRAPH}" for n in range(2000)]
    path.write_bytes("\n".join(lines).encode(encoding))
    with path.open(encoding=encoding, newline="") as stream:
        read = [unicodedata.normalize("NFC", line.rstrip("\n")) for line in stream]
    assert read == lines
