"""The CKAN Action API's routes: `/api/3/action/{name}` and `/api/action/{name}`, GET and POST JSON.

Every answer is CKAN's envelope `{"help", "success", "result"}`, or `{"help", "success": false,
"error": {"__type", "message", …}}` with CKAN's status for that error type, so clients that turn
errors back into exceptions (ckanapi) raise the right one. Never a redirect: ckanapi posts with
redirects off. Open to anyone, without cookies or CSRF: every action only reads public data.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ketnoi.kit.errors import DomainError, Forbidden, NotFound, Unauthenticated
from ketnoi.portal import ckan_params
from ketnoi.portal.ckan import ACTIONS
from ketnoi.portal.links import base
from ketnoi.web.deps import DB

router = APIRouter(include_in_schema=False)
MAX_BODY = 1 << 20  # a read action's parameters: a megabyte is far more than any needs


class BadJson(Exception):
    pass


async def action_params(request: Request) -> dict[str, Any] | BadJson:
    """GET: the query string; POST: the JSON object of the body (or the form, as CKAN also takes)."""
    if request.method == "GET":
        return dict(request.query_params)
    body = await request.body()
    if len(body) > MAX_BODY:
        return BadJson("nội dung yêu cầu quá lớn")
    if not body.strip():
        return dict(request.query_params)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return dict((await request.form()).items())
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return BadJson(f"không đọc được JSON: {exc}")
    return parsed if isinstance(parsed, dict) else BadJson("nội dung phải là một đối tượng JSON")


def _answer(name: str, status: int, body: dict[str, Any]) -> Response:
    envelope = {"help": f"{base()}/api/3/action/help_show?name={name}", **body}
    content = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}
    return Response(content, status_code=status, media_type="application/json;charset=utf-8", headers=headers)


def _error(action: str, status: int, error_type: str, message: str, fields: dict[str, Any] | None = None) -> Response:
    """CKAN's error envelope; `fields` beside the message, each named by its parameter (a parameter may be called
    `name` or `action`: a dictionary, not keyword arguments, found by the fuzzer as a 500)."""
    return _answer(action, status, {"success": False, "error": {"__type": error_type, "message": message, **(fields or {})}})


def _domain_error(name: str, exc: DomainError) -> Response:
    if isinstance(exc, NotFound):
        return _error(name, 404, "Not Found Error", f"Not found: {exc.message}")
    if isinstance(exc, Forbidden | Unauthenticated):
        return _error(name, 403, "Authorization Error", f"Access denied: {exc.message}")
    fields = {key: [value] for key, value in exc.fields.items()} or {"message": [exc.message]}
    return _error(name, 409, "Validation Error", exc.message, fields)


Params = Annotated[dict[str, Any] | BadJson, Depends(action_params)]


@router.api_route("/api/3/action/{name}", methods=["GET", "POST"])
@router.api_route("/api/action/{name}", methods=["GET", "POST"])
def call_action(name: str, params: Params, db: DB) -> Response:
    function = ACTIONS.get(name)
    if function is None:
        return _error(name, 400, "Bad request", f"Bad request - Action name not known: {name}")
    if isinstance(params, BadJson):
        return _error(name, 400, "Bad request", f"Bad request - JSON Error: {params}")
    try:
        result = function(db, params)
    except ckan_params.ParameterError as exc:
        return _error(name, 409, "Validation Error", exc.message, {exc.name: [exc.message]})
    except ckan_params.QueryError as exc:
        return _error(name, 400, "Search Query Error", f"Search Query is invalid: {exc}")
    except DomainError as exc:
        return _domain_error(name, exc)
    return _answer(name, 200, {"success": True, "result": result})


@router.get("/api/3")
def api_version() -> dict[str, int]:
    return {"version": 3}
