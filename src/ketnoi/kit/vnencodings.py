"""Vietnamese text encodings: the legacy ones Python lacks (TCVN3, VNI-Windows), and telling them apart.

Files that ministries export were often typed years ago with ".Vn" fonts (TCVN3, also called ABC)
or "VNI-" fonts: each byte is drawn by the font, so the bytes only make sense in that font's
table. Python knows Windows-1258 (`cp1258`) but not these two. Both are built here from their
published tables (TCVN 5712:1993, whose 8-bit VN3 form the ABC fonts use; the VNI-Windows font
layout) and registered as codecs: `data.decode("tcvn3")`, `text.encode("vni")`.

Decoding maps bytes to characters with `str.translate` and composes with NFC (C speed: a large
file is not decoded one character at a time in Python). Encoding accepts every Vietnamese letter
in either case: where a table has no code for a capital letter (TCVN3 gives capitals the codes of
small letters and lets an uppercase font draw them), it writes the base letter and TCVN 5712's
combining tone mark, which decoding composes back.

`detect` says which encoding a file's bytes are in, with the evidence, so the user can be told
what was found and choose another.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

# -- the Vietnamese alphabet -----------------------------------------------------------------------

_TONES = {"grave": "\u0300", "acute": "\u0301", "hook": "\u0309", "tilde": "\u0303", "dot": "\u0323"}
_TONE_MARKS = frozenset(_TONES.values())
_VOWELS = "aăâeêioôơuưy"


def vietnamese_letters() -> list[str]:
    """Every letter of Vietnamese beyond ASCII, small then capital (67 + 67): ă â ê ô ơ ư đ and each
    of the 12 vowels with each of the 5 tones."""
    small = [c for c in _VOWELS if not c.isascii()] + ["đ"]
    small += [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES.values()]
    return small + [c.upper() for c in small]


_LETTERS = frozenset(vietnamese_letters())

# -- TCVN3 (TCVN 5712:1993, VN3 as the ABC fonts use it) ------------------------------------------
# Bytes 0xA1-0xFF, in order; "" = no character. The small letters and Ă Â Ê Ô Ơ Ư Đ are VN3's; the
# capitals at 0xAF, 0xBA, 0xBF, 0xC0-0xC5, 0xCD, 0xD9-0xDB, 0xE0, 0xF0, 0xFF and the combining tone
# marks at 0xB0-0xB4 are the rest of TCVN 5712's 8-bit table in this range (no VN3 letter uses
# them). 0x80-0x9F carry no letter in VN3: they are read as Windows punctuation (smart quotes and
# dashes that Word put into such files).
_TCVN3_HIGH = (
    "ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA1-0xAF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0-0xBF
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0-0xCF
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0-0xDF
    "ỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"  # 0xE0-0xFF
)


def _cp1252(first: int, last: int) -> dict[int, str]:
    """Windows-1252's characters for the bytes first..last (the five it leaves undefined left out)."""
    table = {b: bytes([b]).decode("cp1252", errors="replace") for b in range(first, last + 1)}
    return {b: c for b, c in table.items() if c != "\ufffd"}


def _tcvn3_table() -> dict[int, str]:
    table = _cp1252(0x80, 0x9F)
    table[0xA0] = "\u00a0"
    table.update({0xA1 + i: c for i, c in enumerate(_TCVN3_HIGH)})
    return table


# -- VNI-Windows ------------------------------------------------------------------------------------
# A letter is its ASCII base followed by one byte for its marks (the byte differs for a small and a
# capital base); ơ ư đ and the toned i, and ỵ, have bytes of their own. Other bytes are Windows-1252.
_CIRC, _BREVE = "\u0302", "\u0306"
_VNI_MARKS_SMALL = {
    0xF8: _TONES["grave"], 0xF9: _TONES["acute"], 0xFB: _TONES["hook"], 0xF5: _TONES["tilde"], 0xEF: _TONES["dot"],
    0xE2: _CIRC, 0xE0: _CIRC + _TONES["grave"], 0xE1: _CIRC + _TONES["acute"], 0xE5: _CIRC + _TONES["hook"],
    0xE3: _CIRC + _TONES["tilde"], 0xE4: _CIRC + _TONES["dot"],
    0xEA: _BREVE, 0xE8: _BREVE + _TONES["grave"], 0xE9: _BREVE + _TONES["acute"], 0xFA: _BREVE + _TONES["hook"],
    0xFC: _BREVE + _TONES["tilde"], 0xEB: _BREVE + _TONES["dot"],
}  # fmt: skip
# A capital's byte is the small one's less 0x20, as Windows-1252 spaces its accented capitals.
_VNI_MARKS_CAPITAL = {b - 0x20: marks for b, marks in _VNI_MARKS_SMALL.items()}
_VNI_SMALL_LETTERS = {0xF1: "đ", 0xF4: "ơ", 0xF6: "ư", 0xEC: "ì", 0xED: "í", 0xE6: "ỉ", 0xF3: "ĩ", 0xF2: "ị", 0xEE: "ỵ"}
_VNI_LETTERS = _VNI_SMALL_LETTERS | {b - 0x20: c.upper() for b, c in _VNI_SMALL_LETTERS.items()}


def _vni_table() -> dict[int, str]:
    table = _cp1252(0x80, 0xFF)
    table.update(_VNI_MARKS_SMALL)
    table.update(_VNI_MARKS_CAPITAL)
    table.update(_VNI_LETTERS)
    return table


_DECODE = {"tcvn3": _tcvn3_table(), "vni": _vni_table()}


def _encoding_map(name: str) -> dict[str, bytes]:
    """Character → bytes for every character the table decodes to, and every Vietnamese letter."""
    table = _DECODE[name]
    out = {c: bytes([b]) for b, c in sorted(table.items(), reverse=True) if len(c) == 1}
    if name == "vni":
        # Marks are looked up as a set: NFD puts the dot below (class 220) before the circumflex (230).
        marks = {True: _VNI_MARKS_SMALL, False: _VNI_MARKS_CAPITAL}
        by_marks = {small: {"".join(sorted(m)): b for b, m in table_.items()} for small, table_ in marks.items()}
        own = set(_VNI_LETTERS.values())
        for letter in vietnamese_letters():
            if letter in own:
                continue
            decomposed = unicodedata.normalize("NFD", letter)
            base, rest = decomposed[0], list(decomposed[1:])
            if base.lower() in "ou" and "\u031b" in rest:  # the horn: ơ ư are letters of their own
                base, rest = ("ơ" if base.lower() == "o" else "ư"), [m for m in rest if m != "\u031b"]
                base = base if letter.islower() else base.upper()
            head = out.get(base) or base.encode("ascii")
            out[letter] = head + (bytes([by_marks[letter.islower()]["".join(sorted(rest))]]) if rest else b"")
    return out


_ENCODE = {name: _encoding_map(name) for name in _DECODE}


def _charmap(table: dict[int, str]) -> str | dict[int, str]:
    """The fastest form codecs.charmap_decode takes: a 256-character string when every byte is one
    character (TCVN3: hundreds of MB/s), else a dict (VNI's marks are two characters: ~70 MB/s)."""
    full = {b: chr(b) for b in range(0x80)} | table
    if all(len(c) == 1 for c in full.values()):
        return "".join(full.get(b, "\ufffe") for b in range(256))  # U+FFFE: undefined, for the codec
    return full


_CHARMAPS = {name: _charmap(table) for name, table in _DECODE.items()}


def decode(data: bytes, encoding: str, errors: str = "replace") -> str:
    """Bytes in TCVN3 or VNI-Windows as NFC text (undefined bytes become U+FFFD, or raise with "strict")."""
    name = _canonical(encoding)
    text, _ = codecs.charmap_decode(data, errors, _CHARMAPS[name])  # type: ignore[arg-type]  # typeshed omits str/dict[int, str] tables
    if name == "tcvn3" and not any(mark in data for mark in _TCVN3_MARK_BYTES):
        return text  # every character of the table is NFC already: skip a pass over the text
    return unicodedata.normalize("NFC", text)


_TCVN3_MARK_BYTES = [bytes([b]) for b in range(0xB0, 0xB5)]  # TCVN 5712's combining tone marks


def encode(text: str, encoding: str, errors: str = "strict") -> bytes:
    name = _canonical(encoding)
    mapping = _ENCODE[name]
    out = bytearray()
    for position, char in enumerate(unicodedata.normalize("NFC", text)):
        if char < "\x80":
            out += char.encode("ascii")
        elif (code := mapping.get(char) or (_tcvn3_decomposed(char, mapping) if name == "tcvn3" else None)) is not None:
            out += code
        elif errors == "replace":
            out += b"?"
        elif errors != "ignore":
            raise UnicodeEncodeError(name, text, position, position + 1, f"{char!r} has no code in {name}")
    return bytes(out)


def _tcvn3_decomposed(char: str, mapping: dict[str, bytes]) -> bytes | None:
    """A capital TCVN3 has no code for: its letter without the tone, then TCVN 5712's tone mark."""
    decomposed = unicodedata.normalize("NFD", char)
    tones = [m for m in decomposed if m in _TONE_MARKS]
    base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONE_MARKS))
    head = base.encode("ascii") if base.isascii() else mapping.get(base)
    if head is None or len(tones) != 1:
        return None
    return head + mapping[tones[0]]


_ALIASES = {"tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "tcvn5712": "tcvn3", "vni": "vni", "vni_windows": "vni"}


def _canonical(encoding: str) -> str:
    name = _ALIASES.get(encoding.lower().replace("-", "_").replace(" ", "_"))
    if name is None:
        raise LookupError(f"not a legacy Vietnamese encoding: {encoding!r}")
    return name


def _search(name: str) -> codecs.CodecInfo | None:
    try:
        canonical = _canonical(name)
    except LookupError:
        return None

    def encoder(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return encode(text, canonical, errors), len(text)

    def decoder(data: Buffer, errors: str = "strict", /) -> tuple[str, int]:
        data = bytes(data)
        return decode(data, canonical, errors), len(data)

    charmap = _CHARMAPS[canonical]

    class IncrementalDecoder(codecs.IncrementalDecoder):
        """For io.TextIOWrapper (streaming a large file): every byte is read alone, so no state is
        kept; the text is not composed here (a mark may start the next chunk): the reader composes
        (NFC) each line."""

        def decode(self, data: Buffer, final: bool = False) -> str:
            return codecs.charmap_decode(bytes(data), self.errors, charmap)[0]  # type: ignore[arg-type]

    class IncrementalEncoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return encode(text, canonical, self.errors)

    return codecs.CodecInfo(encoder, decoder, name=canonical, incrementaldecoder=IncrementalDecoder, incrementalencoder=IncrementalEncoder)


codecs.register(_search)

# -- detection -------------------------------------------------------------------------------------

LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (có BOM)",
    "utf-16": "UTF-16",
    "cp1258": "Windows-1258",
    "tcvn3": "TCVN3 (ABC)",
    "vni": "VNI-Windows",
}
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Detected:
    encoding: str  # a name Python's codecs know (after `import ketnoi.kit.vnencodings`)
    reason: str  # what gave it away, in Vietnamese, for the person who uploaded the file
    was_nfd: bool = False  # Unicode text whose letters were decomposed (NFD): NFC is stored

    @property
    def label(self) -> str:
        return LABELS.get(self.encoding, self.encoding)


def detect(sample: bytes, *, complete: bool = True) -> Detected:
    """The encoding of a file from its first bytes (64 KiB are plenty; `complete=False` when the
    sample is only the start of the file, so a character cut at its end is not an error).

    Short texts can be ambiguous (a few words may read as Vietnamese in two tables): the caller
    shows what was found and lets the user choose another encoding.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if sample.startswith(bom):
            return Detected(name, "Tệp bắt đầu bằng dấu BOM của " + LABELS[name].split(" ")[0] + ".")
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
        even_zeros = sample[0::2].count(0) > sample[1::2].count(0)
        name = "utf-16-be" if even_zeros else "utf-16-le"
        return Detected(name, "Một nửa số byte là 0: văn bản UTF-16 không có BOM.")
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return _legacy(sample)
    if text.isascii():
        return Detected("utf-8", "Chỉ có ký tự ASCII (không dấu).")
    nfd = unicodedata.normalize("NFC", text) != text and any(unicodedata.combining(c) for c in text)
    return Detected("utf-8", "Văn bản UTF-8 hợp lệ.", was_nfd=nfd)


def _legacy(sample: bytes) -> Detected:
    """Not UTF-8: the one of Windows-1258, TCVN3 and VNI whose reading looks most like Vietnamese words."""
    scores = {name: _vietnamese_score(_decode_any(sample, name)) for name in ("cp1258", "tcvn3", "vni")}
    # VNI read as TCVN3 also gives letters: the shape of its bytes (a mark after each vowel) tells them apart.
    vni_like = scores["vni"] >= scores["tcvn3"] - 0.02 and _vni_shape(sample) >= 0.8
    best = "vni" if vni_like else max(scores, key=lambda name: scores[name])
    share = f"{scores[best]:.0%}".replace(".", ",")
    return Detected(best, f"Không phải UTF-8; đọc theo {LABELS[best]} thì {share} số từ có dấu là từ tiếng Việt hợp lệ.")


def _decode_any(sample: bytes, name: str) -> str:
    if name == "cp1258":
        return unicodedata.normalize("NFC", sample.decode("cp1258", errors="replace"))
    return decode(sample, name)


def _vietnamese_score(text: str) -> float:
    """The share of words with non-ASCII letters that are spelled with Vietnamese letters and one tone."""
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    if not words:
        return 0.0
    good = 0
    for word in words:
        if all(c.isascii() or c in _LETTERS for c in word):
            tones = sum(1 for c in unicodedata.normalize("NFD", word) if c in _TONE_MARKS)
            good += tones <= 1
    return good / len(words)


_VNI_MARK_BYTES = frozenset(_VNI_MARKS_SMALL) | frozenset(_VNI_MARKS_CAPITAL)
_VNI_BASES = frozenset(b"aeouyAEOUY") | {0xF4, 0xD4, 0xF6, 0xD6}


def _vni_shape(sample: bytes) -> float:
    """Of the bytes above 0x7F, the share that VNI would read as a letter or as marks after a vowel."""
    high = [i for i, b in enumerate(sample) if b >= 0x80]
    if not high:
        return 0.0
    fitting = sum(1 for i in high if sample[i] in _VNI_LETTERS or (sample[i] in _VNI_MARK_BYTES and i and sample[i - 1] in _VNI_BASES))
    return fitting / len(high)
