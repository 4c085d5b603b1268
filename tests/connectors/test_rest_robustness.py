"""REST sources when things go wrong: an API that is busy, down, silent, answering HTML or too much,
a schema that drifts, a next page elsewhere; and the secret, which must appear nowhere but sealed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.connectors import rest_http
from ketnoi.connectors.models import DataSource, SyncRun
from ketnoi.kit import secretbox
from ketnoi.settings import get_settings
from tests.connectors.test_rest_server import (
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


@pytest.fixture
def both() -> Iterator[tuple[Api, ThreadingHTTPServer]]:
    with serve([province(n) for n in range(1, 8)]) as made:
        yield made


@pytest.fixture
def api(both: tuple[Api, ThreadingHTTPServer]) -> Api:
    return both[0]


def test_a_busy_api_is_tried_again_with_backoff_and_the_run_is_done_on_the_third_attempt(db: Session, target: Dataset, api: Api) -> None:
    api.fail = [503, 429]
    source = make_source(db, target, config_for(api, "offset"))

    done = run(db, source)

    assert (done.status, done.attempts, done.row_count) == ("done", 3, 7)
    assert done.messages == ["Lần 1: Nguồn đang bận hoặc gặp lỗi (HTTP 503).", "Lần 2: Nguồn đang bận hoặc gặp lỗi (HTTP 429)."]


def test_an_api_that_is_down_fails_after_every_attempt_and_the_served_version_stays(
    db: Session, target: Dataset, both: tuple[Api, ThreadingHTTPServer]
) -> None:
    api, httpd = both
    source = make_source(db, target, config_for(api, "page"))
    assert run(db, source).version == 1
    httpd.shutdown()
    httpd.server_close()

    failed = run(db, source)

    assert (failed.status, failed.attempts, failed.version) == ("failed", 3, None)
    assert failed.error is not None and failed.error.startswith("Lần 3: Không kết nối được tới nguồn 127.0.0.1")
    version, rows = served(db, source)
    assert version is not None and (version.version, len(rows)) == (1, 7)


def test_an_api_that_does_not_answer_in_time_is_retried_then_failed(
    db: Session, target: Dataset, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sync_timeout_seconds", 0.3)
    monkeypatch.setattr(get_settings(), "sync_attempts", 2)
    api.hang = True  # the server takes the request and never answers
    source = make_source(db, target, config_for(api, "link"))

    failed = run(db, source)

    assert (failed.status, failed.attempts) == ("failed", 2)
    assert failed.messages == ["Lần 1: Nguồn không trả lời kịp (127.0.0.1).", "Lần 2: Nguồn không trả lời kịp (127.0.0.1)."]


def test_a_page_that_is_not_json_refuses_the_run_at_once_and_loads_nothing(db: Session, target: Dataset, api: Api) -> None:
    api.not_json_page = 2
    source = make_source(db, target, config_for(api, "page"))

    failed = run(db, source)

    assert (failed.status, failed.attempts, failed.rows_read) == ("failed", 1, 0)
    assert failed.error is not None and "không phải JSON" in failed.error
    assert served(db, source) == (None, [])


def test_a_response_larger_than_the_cap_or_more_pages_than_allowed_are_refused(
    db: Session, target: Dataset, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_source(db, target, config_for(api, "offset", max_pages=2))
    many = run(db, source)
    assert (many.status, many.error) == ("failed", "Nguồn có hơn 2 trang: hãy tăng cỡ trang hoặc số trang tối đa.")
    assert len(api.gets()) == 2

    monkeypatch.setattr(rest_http, "MAX_RESPONSE_BYTES", 200)
    other = make_source(db, target, config_for(api, "link"), name="API lớn")
    big = run(db, other)
    assert big.status == "failed" and big.error is not None and big.error.startswith("Một trang của nguồn lớn quá")
    assert served(db, source) == (None, []) and served(db, other) == (None, [])


def test_schema_drift_between_runs_is_reported_and_the_new_version_has_the_new_columns(db: Session, target: Dataset, api: Api) -> None:
    source = make_source(db, target, config_for(api, "cursor"))
    assert run(db, source).status == "done"
    for record in api.records:
        record["email"] = f"so{record['id']}@tinh.gov.vn"
        del record["stats"]
        record["id"] = str(record["id"])  # retyped: integer → string

    drifted = run(db, source)

    assert drifted.status == "done"
    assert drifted.changes == ["cột «id» đổi kiểu: integer → string", "cột mới «email» (string)", "cột «stats» không còn ở nguồn"]
    version, rows = served(db, source)
    assert version is not None and version.version == 2 and version.notes == drifted.changes
    assert types_of(version) == {"id": "string", "province": "string", "updated": "string", "email": "string"}
    assert rows[0]["email"] == "so1@tinh.gov.vn"


@pytest.mark.parametrize(
    ("elsewhere", "reason"),
    [
        ("http://10.255.255.1:8080", "Trang sau trỏ tới nơi không được phép: Máy chủ «10.255.255.1» (10.255.255.1) ở mạng nội bộ"),
        ("http://127.0.0.2:{port}", "Trang sau ở máy chủ khác (127.0.0.2) với địa chỉ nguồn"),
    ],
    ids=["private-network", "another-server"],
)
def test_a_next_page_link_to_a_place_not_allowed_is_refused(db: Session, target: Dataset, api: Api, elsewhere: str, reason: str) -> None:
    api.next_base = elsewhere.format(port=api.url.rsplit(":", 1)[1])
    source = make_source(db, target, config_for(api, "link", auth="header", auth_header="X-Api-Key"), secret="khoa-cua-don-vi")

    failed = run(db, source)

    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error is not None and failed.error.startswith(reason)
    assert len(api.gets()) == 1 and served(db, source) == (None, [])


SECRETS = ("khoa-API-rat-bi-mat-8412", "mat-khau-ung-dung-5531")


def test_a_secret_is_kept_sealed_and_appears_in_no_run_record_audit_row_or_log(
    db: Session, target: Dataset, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.api_key, api.client = "khoa-khac", ("ung-dung", "mat-khau-khac")
    by_header = make_source(db, target, config_for(api, "page", auth="header", auth_header="X-Api-Key"), secret=SECRETS[0])
    config = config_for(api, "offset", auth="oauth2", token_url=api.url + "/token", client_id="ung-dung")
    by_oauth = make_source(db, target, config, secret=SECRETS[1], name="API OAuth2")
    api.fail = [503]

    runs = [run(db, by_header), run(db, by_oauth)]

    assert [r.status for r in runs] == ["failed", "failed"]
    for source, secret in zip((by_header, by_oauth), SECRETS, strict=True):
        stored = db.get_one(DataSource, source.id).secret
        assert stored is not None and stored.startswith(secretbox.PREFIX) and secret not in stored
        assert secretbox.unseal(stored) == secret
    said = [r.error for r in db.scalars(select(SyncRun))] + [m for r in db.scalars(select(SyncRun)) for m in r.messages]
    trail = [str(tuple(row)) for row in db.execute(text("SELECT * FROM audit_events"))]
    assert said and trail and caplog.text
    for secret in SECRETS:
        assert not [line for line in [*said, *trail, caplog.text, str(db.get_one(DataSource, by_oauth.id).config)] if secret in str(line)]
