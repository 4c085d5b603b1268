"""REST sources end to end against a real HTTP API on 127.0.0.1: every way of paging, the column
mapping of nested JSON, credentials (an API key, OAuth2 client credentials) and incremental runs,
through sync.run_source into the datastore."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.connectors import service
from ketnoi.identity import system_actor
from tests.connectors.test_rest_server import (
    PAGING,
    Api,
    config_for,
    make_source,
    province,
    rest_settings,  # noqa: F401 - the settings every REST test needs (autouse)
    run,
    serve,
    served,
    types_of,
)

MAPPING = {
    "ma_tinh": "province.code",
    "ten": "province.name",
    "dan_so": "stats.population",
    "dien_tich": "stats.area",
    "cap_nhat": "updated",
}


@pytest.fixture
def api() -> Iterator[Api]:
    with serve([province(n, updated=f"2026-01-01T08:{n:02d}:00") for n in range(1, 8)]) as (made, _):
        yield made


@pytest.mark.parametrize("paging", list(PAGING))
def test_each_way_of_paging_reads_every_page_into_the_datastore(db: Session, target: Dataset, api: Api, paging: str) -> None:
    source = make_source(db, target, config_for(api, paging, columns=MAPPING))

    done = run(db, source)

    assert (done.status, done.error, done.rows_read, done.row_count, done.version) == ("done", None, 7, 7, 1)
    version, rows = served(db, source)
    assert version is not None and version.source_format == "rest"
    assert [r["ma_tinh"] for r in rows] == ["01", "02", "03", "04", "05", "06", "07"]
    pages = len(api.gets())
    assert pages == (4 if paging == "page-until-empty" else 3)  # 3 + 3 + 1 records; without a size, an empty page ends it


def test_nested_records_are_mapped_to_typed_columns_and_text_is_kept_nfc(db: Session, target: Dataset, api: Api) -> None:
    api.records[1]["province"]["name"] = unicodedata.normalize("NFD", "Thừa Thiên Huế")
    api.records[2]["stats"]["population"] = None
    config = config_for(api, "page", columns=MAPPING | {"nguồn": "province"}, types={"cap_nhat": "datetime"})
    source = make_source(db, target, config)

    assert run(db, source).status == "done"

    version, rows = served(db, source)
    assert version is not None
    assert types_of(version) == {
        "ma_tinh": "string",
        "ten": "string",
        "dan_so": "integer",
        "dien_tich": "number",
        "cap_nhat": "datetime",
        "nguồn": "string",
    }
    second = rows[1]
    assert second["ten"] == "Thừa Thiên Huế" and unicodedata.is_normalized("NFC", second["ten"])
    assert (second["dan_so"], Decimal(str(second["dien_tich"]))) == (200_000, Decimal("2.25"))
    assert str(second["cap_nhat"]).startswith("2026-01-01") and rows[2]["dan_so"] is None
    assert json.loads(second["nguồn"]) == {"code": "02", "name": "Thừa Thiên Huế"}


def test_without_a_mapping_the_columns_are_the_records_keys_typed_by_their_first_page(db: Session, target: Dataset, api: Api) -> None:
    for n, record in enumerate(api.records):
        record["gia"] = n if n % 2 else n + 0.5  # integers and decimals: a number
        record["ma_so"] = n if n else "không"  # integers and text: text
        record["so.cu"] = f"C{n}"  # a key with a dot is a key, not a path
    source = make_source(db, target, config_for(api, "link"))

    assert run(db, source).status == "done"

    version, rows = served(db, source)
    assert version is not None
    assert types_of(version) == {
        "id": "integer",
        "province": "string",
        "stats": "string",
        "updated": "string",
        "gia": "number",
        "ma_so": "string",
        "so.cu": "string",
    }
    assert rows[3]["so.cu"] == "C3"
    assert json.loads(rows[0]["province"]) == {"code": "01", "name": "Tỉnh số 1"}
    assert (rows[0]["ma_so"], rows[1]["ma_so"]) == ("không", "1")


def test_an_api_key_header_is_sent_and_a_wrong_one_fails_the_run_with_no_version(db: Session, target: Dataset, api: Api) -> None:
    api.api_key = "khoa-dung-123"
    wrong = make_source(db, target, config_for(api, "cursor", auth="header", auth_header="X-Api-Key"), secret="khoa-sai")

    failed = run(db, wrong)

    assert (failed.status, failed.attempts, failed.version) == ("failed", 1, None)  # refused: not tried again
    assert failed.error is not None and "thông tin xác thực bị từ chối" in failed.error
    assert served(db, wrong) == (None, [])

    service.update_source(
        db, actor=system_actor(), source_id=wrong.id, data=_same(wrong, secret="khoa-dung-123")
    )  # the steward types the right key
    db.commit()
    assert run(db, wrong).status == "done"
    assert {a.headers.get("X-Api-Key") for a in api.gets()} == {"khoa-sai", "khoa-dung-123"}


def _same(source: object, **changes: object) -> object:
    from ketnoi.connectors.schemas import SourceIn

    fields = (
        "name",
        "kind",
        "dataset_id",
        "config",
        "mode",
        "cursor_column",
        "key_columns",
        "interval_minutes",
        "enabled",
        "keep_versions",
    )
    return SourceIn.model_validate({name: getattr(source, name) for name in fields} | changes)


OAUTH_SECRET = "bí mật:+/ & thử"  # form-encoded before Basic (RFC 6749 §2.3.1): a naive join would differ


def test_oauth2_client_credentials_get_a_token_and_a_new_one_when_it_expires(db: Session, target: Dataset, api: Api) -> None:
    api.client = ("ung-dung:so 1", OAUTH_SECRET)
    config = config_for(api, "offset", auth="oauth2", token_url=api.url + "/token", client_id="ung-dung:so 1", scope="doc")
    source = make_source(db, target, config, secret=OAUTH_SECRET)
    api.expire_once = True  # the first token is refused once, as if it expired

    done = run(db, source)

    assert (done.status, done.error, done.row_count) == ("done", None, 7)
    posts = [a for a in api.asked if a.method == "POST"]
    assert len(posts) == 2  # the first token, then a new one after the 401
    bearers = [a.headers.get("Authorization") for a in api.gets()]
    assert bearers == ["Bearer tok-1", "Bearer tok-2", "Bearer tok-2", "Bearer tok-2"]


def test_a_wrong_client_secret_fails_the_run_with_a_vietnamese_reason_and_no_version(db: Session, target: Dataset, api: Api) -> None:
    api.client = ("ung-dung", OAUTH_SECRET)
    config = config_for(api, "offset", auth="oauth2", token_url=api.url + "/token", client_id="ung-dung")
    source = make_source(db, target, config, secret="sai-roi")

    failed = run(db, source)

    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error == "Máy chủ cấp token từ chối: thông tin xác thực bị từ chối (HTTP 401)."
    assert served(db, source) == (None, []) and api.gets() == []


@pytest.mark.parametrize("honour_since", [True, False], ids=["api-filters", "api-ignores-since"])
def test_an_incremental_run_brings_only_changed_rows_merged_by_key(db: Session, target: Dataset, api: Api, honour_since: bool) -> None:
    api.honour_since = honour_since
    config = config_for(api, "page", columns=MAPPING, types={"cap_nhat": "datetime"}, since_param="updated_since")
    source = make_source(db, target, config, mode="incremental", cursor_column="cap_nhat", key_columns=["ma_tinh"])
    first = run(db, source)
    assert (first.mode, first.row_count, first.high_water_after) == ("full", 7, "2026-01-01T08:07:00")
    _, before = served(db, source)

    later = "2026-02-01T09:30:00"
    api.records[2] = province(3, updated=later, name="Tỉnh đã đổi tên")
    api.records[4]["updated"] = later
    api.records.append(province(8, updated=later))
    api.asked.clear()
    second = run(db, source)

    assert (second.status, second.mode, second.rows_added, second.row_count, second.version) == ("done", "incremental", 1, 8, 2)
    assert second.rows_read == 4  # the 3 changed, and the one at the old mark, read again since there is a key to merge by
    assert second.high_water_after == later
    assert api.gets()[0].query["updated_since"] == "2026-01-01T08:07:00"
    _, after = served(db, source)
    by_code = {r["ma_tinh"]: r for r in after}
    assert by_code["03"]["ten"] == "Tỉnh đã đổi tên" and by_code["03"]["_id"] == before[2]["_id"]
    assert str(by_code["08"]["cap_nhat"]).replace("T", " ").startswith("2026-02-01 09:30")
    assert len(after) == 8 and len({r["_id"] for r in after}) == 8

    api.asked.clear()
    third = run(db, source)  # only the rows at the mark come back: merged, nothing new
    assert (third.status, third.mode, third.rows_added, third.row_count, third.changes) == ("done", "incremental", 0, 8, [])


def test_an_incremental_run_with_nothing_new_makes_no_version_and_reports_no_drift(db: Session, target: Dataset, api: Api) -> None:
    config = config_for(api, "link", since_param="updated_since")  # no mapping: the columns come from the records themselves
    source = make_source(db, target, config, mode="incremental", cursor_column="updated", key_columns=["id"])
    assert run(db, source).high_water_after == "2026-01-01T08:07:00"
    for record in api.records:
        record["updated"] = "2025-12-31T00:00:00"  # all older than the mark: the API sends none
    api.asked.clear()

    quiet = run(db, source)

    assert (quiet.status, quiet.mode, quiet.version, quiet.changes, quiet.row_count) == ("done", "incremental", None, [], 7)
    assert [a.query.get("updated_since") for a in api.gets()] == ["2026-01-01T08:07:00", None]  # the columns read off an unfiltered page


def test_an_api_with_no_record_and_no_mapping_is_refused_rather_than_loaded_as_a_table_without_columns(
    db: Session, target: Dataset, api: Api
) -> None:
    api.records[:] = []
    source = make_source(db, target, config_for(api, "page"))

    failed = run(db, source)

    assert (failed.status, failed.error) == ("failed", "Nguồn chưa có bản ghi nào để biết các cột: hãy khai báo ánh xạ cột.")
