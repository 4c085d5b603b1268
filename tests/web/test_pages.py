from collections.abc import Iterable, Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ketnoi.views import router as pages_router
from ketnoi.web.forms import checked_form
from tests import factories as f
from tests.web.conftest import login


def _calls(dependant: Dependant) -> list[object]:
    found: list[object] = []
    for sub in dependant.dependencies:
        found += [sub.call, *_calls(sub)]
    return found


def _routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:  # FastAPI's included routers
            yield from _routes(included.routes)


def test_every_page_post_route_checks_the_csrf_token_before_anything_else() -> None:
    posts = [r for r in _routes(pages_router.routes) if "POST" in r.methods]
    assert len(posts) >= 15
    for route in posts:
        first = route.dependant.dependencies[0] if route.dependant.dependencies else None
        assert first is not None and checked_form in [first.call, *_calls(first)], route.path


def test_anonymous_visitors_see_public_figures_only_and_no_audit(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    shared = f.database(db, owner, "CSDL dùng chung")
    f.database(db, owner, "CSDL nội bộ", db_class="internal")
    f.dataset(db, shared, "Bộ dữ liệu công khai", visibility="public")
    f.dataset(db, shared, "Bộ dữ liệu nội bộ")
    db.commit()
    home = client.get("/").text
    figures = [int(v) for v in home.split('class="stat-value">')[1:] for v in [v.split("<")[0]]]
    assert figures == [1, 1, 1, 1]  # organizations, databases, datasets, public datasets
    assert "CSDL nội bộ" not in home and "Thay đổi gần đây" not in home and "dữ liệu công khai" in home


def test_staff_see_every_figure_and_the_latest_changes(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    shared = f.database(db, owner, "CSDL dùng chung")
    f.database(db, owner, "CSDL nội bộ", db_class="internal")
    f.dataset(db, shared, "Bộ dữ liệu công khai", visibility="public")
    f.dataset(db, shared, "Bộ dữ liệu nội bộ")
    f.user(db, "leader", owner, username="lanhdao")
    db.commit()
    login(client, "lanhdao", f.PASSWORD)
    home = client.get("/").text
    figures = [int(v.split("<")[0]) for v in home.split('class="stat-value">')[1:]]
    assert figures == [1, 2, 2, 1]
    assert "Thay đổi gần đây" in home and "Bộ dữ liệu nội bộ" in home
    assert client.get("/audit").status_code == 200


def test_errors_are_pages_in_the_layout_with_who_is_logged_in(client: TestClient, db: Session) -> None:
    f.user(db, "leader", f.unit(db), username="lanhdao")
    db.commit()
    login(client, "lanhdao", f.PASSWORD)
    missing = client.get("/khong-co-trang-nay")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text and "lanhdao" in missing.text
    refused = client.get("/databases/new")
    assert refused.status_code == 403 and "Không có quyền truy cập" in refused.text and "lanhdao" in refused.text
    unknown_record = client.get(f"/datasets/{f.any_id()}")
    assert unknown_record.status_code == 404 and "Không tìm thấy bộ dữ liệu." in unknown_record.text


def test_htmx_and_the_styles_are_served_from_this_site(client: TestClient, engine: object) -> None:
    page = client.get("/")
    assert '<script src="/static/htmx.min.js" defer></script>' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    htmx = client.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:200]
    assert client.get("/static/app.css").status_code == 200 and client.get("/static/app.js").status_code == 200


def test_security_headers_and_hsts_only_over_tls(engine: object) -> None:
    from ketnoi.app import create_app

    app = create_app(check_migrations=False)
    plain = TestClient(app).get("/")
    policy = plain.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert plain.headers["referrer-policy"] == "same-origin" and plain.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in plain.headers  # a plain-HTTP test machine is never pinned to HTTPS
    over_tls = TestClient(app, base_url="https://ketnoi.example.gov.vn").get("/")
    assert over_tls.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
