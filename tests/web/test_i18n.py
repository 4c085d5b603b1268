import re
import uuid
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ketnoi.web.deps import accepted_language
from ketnoi.web.i18n import LOCALE_DIR
from ketnoi.web.security import LANG_COOKIE
from tests import factories as f
from tests.test_error_templates import placeholders
from tests.web.conftest import login, post

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "ketnoi" / "web" / "templates"


def test_the_english_switch_renders_english_and_is_remembered(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    vietnamese = client.get("/")
    assert 'lang="vi"' in vietnamese.text and "Tổng quan" in vietnamese.text and "Cơ sở dữ liệu" in vietnamese.text
    english = client.get("/?lang=en")
    assert 'lang="en"' in english.text
    for text in ("Overview", "Organizations", "Databases", "Datasets", "Audit log", "Log in"):
        assert text in english.text
    assert client.cookies.get(LANG_COOKIE) == "en"
    login(client, "canbo", f.PASSWORD)
    page = client.get("/databases")  # no ?lang= any more: the cookie keeps English
    assert "API tokens" in page.text and "Log out" in page.text and "Search" in page.text
    invalid = post(client, "/databases/new", {"name": ""})
    assert "Please correct the errors below" in invalid.text and "This field is required." in invalid.text
    assert "Tiếng Việt" in page.text  # the way back is always offered in its own language
    assert "Tổng quan" in client.get("/?lang=vi").text


def _catalog() -> dict[tuple[str | None, object], object]:
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    return {(m.context, m.id): m.string for m in catalog if m.id}


def test_every_ui_string_has_an_english_translation() -> None:
    method_map, options_map = parse_mapping_cfg((ROOT / "babel.cfg").open())
    catalog = _catalog()
    untranslated = []
    for _filename, _lineno, message, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        key = (context, message if isinstance(message, str) else tuple(message))
        translated = catalog.get(key) or catalog.get((context, message[0] if isinstance(message, tuple) else message))
        if not translated or (isinstance(translated, tuple) and not all(translated)):
            untranslated.append(key)
    assert untranslated == [], "run the commands in babel.cfg and translate these"


def test_translations_keep_the_placeholders_of_their_msgid() -> None:
    """A translation that drops or renames a `{name}` would raise KeyError when the message is filled (kit.errors)."""
    differing = []
    for (_context, msgid), translated in _catalog().items():
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = translated if isinstance(translated, tuple) else (translated,)
        expected = set().union(*(placeholders(i) for i in ids))
        differing += [(msgid, s) for s in strings if s and placeholders(s) != expected]
    assert differing == []


def test_a_converted_service_error_is_english_on_an_english_page(client: TestClient, db: Session) -> None:
    mine = f.unit(db)
    f.dataset(db, f.database(db, mine), "Hồ sơ chuyên gia", slug="ho-so-chuyen-gia")
    f.user(db, "steward", mine, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    database_id = str(f.database(db, mine, "CSDL thứ hai").id)
    db.commit()
    form = {"database_id": database_id, "name": "Trùng tên", "slug": "ho-so-chuyen-gia", "data_class": "other", "visibility": "internal"}
    vietnamese = post(client, "/datasets/new", form)
    assert vietnamese.status_code == 409
    assert "Tên «ho-so-chuyen-gia» đã được bộ dữ liệu khác dùng trong đường dẫn." in vietnamese.text
    english = post(client, "/datasets/new?lang=en", form)
    assert english.status_code == 409 and "Please correct the errors below" in english.text
    assert "The name «ho-so-chuyen-gia» is already used in the address of another dataset." in english.text
    summary = english.text.split('id="error-summary"')[1].split("</p>")[0]
    assert "The name «ho-so-chuyen-gia»" in summary and "Tên «" not in summary  # the field's own line shows its text as it comes


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, vi;q=0.8", "vi"),
        ("de, EN-gb;q=0.3", "en"),
        ("en;q=0, vi;q=0.1", "vi"),
        ("en;q=0", None),
        ("*", None),
        ("en;q=abc", None),
        ("", None),
    ],
)
def test_accept_language_picks_the_most_wanted_of_our_languages(header: str, chosen: str | None) -> None:
    assert accepted_language(header) == chosen


def test_a_program_gets_api_errors_in_the_language_it_accepts_and_pages_stay_vietnamese(client: TestClient, db: Session) -> None:
    missing = f"/api/v1/datasets/{uuid.uuid4()}"
    english = client.get(missing, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.status_code == 404 and english.json()["error"]["message"] == "Dataset not found."
    assert "accept-language" in english.headers["vary"].lower()  # a cache keeps one answer per language
    assert client.get(missing).json()["error"]["message"] == "Không tìm thấy bộ dữ liệu."
    assert client.get(missing, headers={"Accept-Language": "vi, en;q=0.5"}).json()["error"]["message"] == "Không tìm thấy bộ dữ liệu."
    client.cookies.set(LANG_COOKIE, "vi")  # a choice made on the site wins over the header
    assert client.get(missing, headers={"Accept-Language": "en"}).json()["error"]["message"] == "Không tìm thấy bộ dữ liệu."
    client.cookies.clear()
    page = client.get(f"/datasets/{uuid.uuid4()}", headers={"Accept-Language": "en"})  # a browser's language is not a choice
    assert page.status_code == 404 and "Không tìm thấy bộ dữ liệu." in page.text


def test_templates_follow_the_content_security_policy() -> None:
    """No inline script, inline style or on* handler: the CSP (web/security.py) would block them."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        # A JSON-LD block is data, never run: the CSP does not apply to it (schema.org on the portal's pages).
        assert not re.search(r'<script(?![^>]*\b(src=|type="application/ld\+json"))', text), template
        assert not re.search(r"<style|\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template
        assert "cdn" not in text.lower() and "https://" not in text, template
