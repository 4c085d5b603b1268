"""A REST source's settings as a steward saves them: each mistake named on its field, in Vietnamese,
addresses checked against the allowed networks, and the look at the source before any sync."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.connectors import rest, service
from ketnoi.connectors.schemas import SourceIn
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings
from tests.connectors.test_rest_server import (
    Api,
    config_for,
    make_source,
    province,
    rest_settings,  # noqa: F401 - the settings every REST test needs (autouse)
    serve,
)

BASE = {"url": "http://127.0.0.1:8080/api/tinh"}


@pytest.fixture
def api() -> Iterator[Api]:
    with serve([province(n) for n in range(1, 5)]) as (made, _):
        yield made


def checked(**config: Any) -> rest.RestConfig:
    return rest.check(rest.RestConfig.of(BASE | config))


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"url": "ftp://127.0.0.1/tinh"}, "url"),
        ({"url": "http://nguoi:matkhau@127.0.0.1/tinh"}, "url"),
        ({"auth": "basic"}, "auth"),
        ({"headers": {"Authorization": "Bearer lo-ra"}}, "headers"),
        ({"headers": {"X-Token": "x"}, "auth": "header", "auth_header": "X-Token"}, "headers"),
        ({"headers": "không phải JSON"}, "headers"),
        ({"auth": "oauth2", "client_id": "ung-dung"}, "token_url"),
        ({"auth": "oauth2", "token_url": "http://127.0.0.1/token"}, "client_id"),
        ({"paging": "trang"}, "paging"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": "mười"}, "page_size"),
        ({"max_pages": 10_001}, "max_pages"),
        ({"items_path": "result..records"}, "items_path"),
        ({"columns": {"ma": ""}}, "columns"),
        ({"columns": {"ma": "code"}, "types": {"ma": "text"}}, "types"),
        ({"columns": {"ma": "code"}, "types": {"ten": "string"}}, "types"),
    ],
)
def test_a_wrong_setting_is_refused_naming_its_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        checked(**config)
    assert field in caught.value.fields


def test_settings_are_read_from_a_forms_text_and_kept_as_they_will_be_used() -> None:
    config = checked(
        params='{"tinh": "Hà Nội"}',
        columns={"ma_tinh": "province.code"},
        types={"ma_tinh": "string"},
        paging="page",
        page_size="50",
        since_param="updated_since",
    )
    saved = config.as_dict()
    assert saved["params"] == {"tinh": "Hà Nội"} and saved["page_size"] == 50 and saved["auth"] == "none"
    assert rest.RestConfig.of(saved) == config  # what is stored reads back the same


def test_an_address_on_a_network_not_listed_is_refused_when_saved(db: Session, target: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "source_networks", "")
    data = SourceIn.model_validate({"name": "API nội bộ", "kind": "rest", "dataset_id": target.id, "config": BASE})
    with pytest.raises(Invalid) as caught:
        service.create_source(db, actor=system_actor(), data=data)
    assert caught.value.fields == {"url": "127.0.0.1"} and "KETNOI_SOURCE_NETWORKS" in caught.value.message

    oauth = BASE | {"url": "https://1.1.1.1/api", "auth": "oauth2", "token_url": "http://10.1.2.3/token", "client_id": "x"}
    with pytest.raises(Invalid) as caught:
        service.create_source(db, actor=system_actor(), data=data.model_copy(update={"config": oauth}))
    assert caught.value.fields == {"token_url": "10.1.2.3"}


def test_the_preview_reads_the_first_rows_and_loads_nothing(db: Session, target: Dataset, api: Api) -> None:
    columns = {"ma_tinh": "province.code", "dan_so": "stats.population"}
    source = make_source(db, target, config_for(api, "offset", page_size=2, columns=columns))

    seen = service.preview(db, actor=system_actor(), source_id=source.id)

    assert [(c.name, c.type) for c in seen.columns] == [("ma_tinh", "string"), ("dan_so", "integer")]
    assert seen.rows == [["01", 100_000], ["02", 200_000], ["03", 300_000], ["04", 400_000]]
    assert source.last_run_at is None
