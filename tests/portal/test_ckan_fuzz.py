"""The CKAN Action API fuzzed (it has no OpenAPI document: Hypothesis writes the calls). Whatever the
action, the parameters and the method, the answer is never a 5xx and always CKAN's envelope: a JSON
object with `help` and `success`, then `result` (success) or `error` with its `__type` (failure).

KETNOI_FUZZ_EXAMPLES calls per method (3 × 20 in `make test`, 100 × 20 in `make fuzz`)."""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from ketnoi.app import create_app
from ketnoi.portal.ckan import ACTIONS
from tests import factories as f

EXAMPLES = int(os.environ.get("KETNOI_FUZZ_EXAMPLES", "3")) * 20
NAMES = sorted(ACTIONS)
# The parameters CKAN clients send, with values of every kind (a wrong type is the point as much as a right one).
KEYS = ["id", "q", "fq", "rows", "start", "sort", "limit", "offset", "filters", "fields", "resource_id", "include_total",
        "facet.field", "all_fields", "order_by", "name", "records_format", "distinct", "sql", "plain", "language"]  # fmt: skip
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True),
    st.text(max_size=40), st.lists(st.text(max_size=10), max_size=3), st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)  # fmt: skip
PARAMS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5)
app = create_app(check_migrations=False)


def _envelope(response: Any) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict) and "help" in body and isinstance(body.get("success"), bool), body
    assert ("result" in body) if body["success"] else isinstance(body.get("error"), dict) and "__type" in body["error"], body


def test_the_ckan_api_answers_every_call_in_its_envelope(db: Session) -> None:
    view = f.dataset(db, f.database(db, f.unit(db, "Cục Thông tin KH&CN")), "Đề tài khoa học", visibility="public")
    db.commit()
    client = TestClient(app)

    unknown = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=20)  # names a URL can carry

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 60)
    @given(name=st.one_of(st.sampled_from(NAMES), unknown), params=PARAMS, post=st.booleans())
    def call(name: str, params: dict[str, Any], post: bool) -> None:
        params = {k: (str(view.dataset.id) if k == "id" and v == "" else v) for k, v in params.items()}
        path = f"/api/3/action/{name}"
        if post:
            response = client.post(path, content=json.dumps(params, allow_nan=True), headers={"content-type": "application/json"})
        else:
            query = {k: v if isinstance(v, str) else json.dumps(v, allow_nan=True) for k, v in params.items()}
            response = client.get(path, params=query)
        _envelope(response)

    call()
