from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketnoi.app import create_app


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client
