"""The API fuzzed from its own OpenAPI document (schemathesis): every operation of /api/v1, the gateway,
the CKAN Action API and the system routes, called as an administrator with generated data, must
answer without a 5xx and as documented (status, content type, body schema, Allow on a 405, invalid
data refused).

KETNOI_FUZZ_EXAMPLES examples per operation: 3 in `make test` (derandomized: the same cases each run),
more with `make fuzz`. Two checks are left out, on purpose: a request valid by the schema may still be
refused (422) by rules the schema cannot say (a steward's unit, a date after another, a URL's host);
and a literal path segment that shares its place with another method's UUID parameter
(`PUT /catalogs/{id}` beside `GET /catalogs/reviews`) answers 422, where a 405 is expected.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from ketnoi.app import create_app
from ketnoi.auth import service as auth
from ketnoi.identity import actor_for
from tests import factories as f

EXAMPLES = int(os.environ.get("KETNOI_FUZZ_EXAMPLES", "3"))
# `make test` fuzzes on SQLite only (the two suites run side by side and the PostgreSQL one sets the wall
# time: 15 minutes at most); `make fuzz` with KETNOI_TEST_DATABASE_URL set fuzzes PostgreSQL too.
pytestmark = pytest.mark.skipif(
    os.environ.get("KETNOI_TEST_DATABASE_URL", "").startswith("postgresql") and "KETNOI_FUZZ_EXAMPLES" not in os.environ,
    reason="fuzzed on SQLite in make test; on PostgreSQL by make fuzz",
)
app = create_app(check_migrations=False)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture
def admin(db: Session) -> dict[str, str]:
    _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, "admin")), name="fuzz")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 3)
def test_every_operation_answers_as_documented(case: schemathesis.Case, admin: dict[str, str]) -> None:
    case.call_and_validate(
        headers=admin, excluded_checks=[schemathesis.checks.positive_data_acceptance, schemathesis.checks.unsupported_method]
    )


def test_a_number_is_not_taken_for_a_date(admin: dict[str, str]) -> None:
    """Found by the fuzzer: `"due_on": 0` was read as 1970-01-01 (seconds since the epoch)."""
    client = TestClient(app)
    for value in (0, "0", 1_700_000_000):
        response = client.post(
            "/api/v1/surveys", headers=admin, json={"title": "Khảo sát", "description": "", "legal_basis": "", "due_on": value}
        )
        assert response.status_code == 422 and "due_on" in response.json()["error"]["fields"], response.text


def test_a_wrong_method_says_every_method_the_path_takes() -> None:
    """Found by the fuzzer: a 405 named only the first matching route's methods, or none."""
    response = TestClient(app).request("TRACE", "/api/v1/datasets")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
