"""Pieces every JSON router shares: the page envelope, limits, and the JSON-only guard."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel

from ketnoi.kit.errors import UnsupportedMediaType
from ketnoi.web.security import CSRF_HEADER, check_csrf

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    total: int | None = None


def json_page(page: BaseModel) -> Response:
    """Serialise an already-validated page straight to JSON.

    FastAPI would otherwise dump the model to a dict, validate it again against `response_model`
    and serialise it: three passes on the hottest path (the search lists). The route keeps its
    `response_model`, so the OpenAPI document is unchanged.
    """
    return Response(page.model_dump_json(), media_type="application/json")


Limit = Annotated[int, Query(ge=1, le=500, description="Số bản ghi mỗi trang")]
Cursor = Annotated[str | None, Query(description="Con trỏ trang tiếp theo (next_cursor)")]

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
YAML_TYPES = ("text/yaml", "application/yaml", "application/x-yaml")  # quality rules sent as YAML (PUT …/quality/rules.yaml)


def api_guard(request: Request) -> None:
    """Unsafe API calls: JSON bodies only (uploads excepted), and CSRF when made with a browser cookie."""
    if request.method not in UNSAFE:
        return
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if has_body and content_type not in ("application/json", "multipart/form-data", *YAML_TYPES):
        raise UnsupportedMediaType("Chỉ chấp nhận nội dung application/json.", content_type=content_type)
    if not request.headers.get("authorization") and request.cookies.get("ketnoi_session"):
        check_csrf(request, request.headers.get(CSRF_HEADER))
