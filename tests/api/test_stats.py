"""/api/v1/stats: the dashboard's counts, over what the caller may see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketnoi.db import unit_of_work
from tests import factories as f
from tests.api.conftest import World


def test_stats_count_what_each_caller_may_see(api: TestClient, world: World) -> None:
    with unit_of_work() as s:
        national = f.database(s, world.unit_a, db_class="national")
        internal = f.database(s, world.unit_b, db_class="internal")
        f.dataset(s, national, visibility="public")
        f.dataset(s, national, visibility="internal")
        f.dataset(s, internal, visibility="internal")

    admin = api.get("/api/v1/stats", headers=world.headers["admin"])
    assert admin.status_code == 200, admin.text
    assert admin.json() == {
        "organizations": 4,
        "databases": {"total": 2, "by_class": {"national": 1, "ministry_shared": 0, "sector_shared": 0, "internal": 1}},
        "datasets": {"total": 3, "public": 1},
    }

    public = api.get("/api/v1/stats").json()
    assert public["datasets"] == {"total": 1, "public": 1}
    assert "internal" not in public["databases"]["by_class"]  # an anonymous visitor is not told about internal databases
    assert public["databases"]["total"] == 1


def test_the_dashboard_shows_the_same_figures_as_the_api(api: TestClient, world: World) -> None:
    with unit_of_work() as s:
        shared = f.database(s, world.unit_a)
        f.database(s, world.unit_b, db_class="internal")
        f.dataset(s, shared, visibility="public")
        f.dataset(s, shared, visibility="internal")
    stats = api.get("/api/v1/stats").json()
    home = api.get("/").text
    # The dashboard's four figures, in its order: organizations, databases, datasets, public datasets.
    figures = [int(v.split("<")[0]) for v in home.split('class="stat-value">')[1:]]
    assert figures == [stats["organizations"], stats["databases"]["total"], stats["datasets"]["total"], stats["datasets"]["public"]]
    assert figures == [4, 1, 1, 1]
