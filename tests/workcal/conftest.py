from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.apps import shared_app


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as client:
        yield client
