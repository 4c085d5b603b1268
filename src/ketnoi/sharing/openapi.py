"""The OpenAPI 3.1 description of one sharing service, as an agency's developer reads it.

It describes the service as the exchange gateway serves it (`/x/{code}/records`), with the
query modes of Circular 13/2017 (full, changed since, as of), the exchange structure of one
record, and the service's usage regulation and capacity.
"""

from __future__ import annotations

from typing import Any

from ketnoi import __version__
from ketnoi.sharing.registry import ServiceView


def document(view: ServiceView) -> dict[str, Any]:
    service = view.service
    info: dict[str, Any] = {
        "title": service.name,
        "version": f"{service.updated_at:%Y%m%d%H%M%S}",
        "description": service.description or "",
        "x-ketnoi-service-code": service.code,
        "x-ketnoi-owner": view.owner.name,
        "x-ketnoi-sharing-form": service.sharing_form,
        "x-ketnoi-method": service.method,
        "x-ketnoi-status": service.status,
        "x-ketnoi-platform-version": __version__,
    }
    if view.focal_point is not None:
        contact = {"name": view.focal_point.full_name} | ({"email": view.focal_point.email} if view.focal_point.email else {})
        info["contact"] = contact
    if service.usage_regulation:
        info["termsOfService"] = f"/services/{service.id}#usage-regulation"
        info["x-ketnoi-usage-regulation"] = service.usage_regulation
    if service.rate_limit_per_minute or service.availability:
        info["x-ketnoi-capacity"] = {"rate_limit_per_minute": service.rate_limit_per_minute, "availability": service.availability}
    record = service.exchange_schema or {"type": "object"}
    parameters = [
        _query("changed_since", "Chỉ các bản ghi thay đổi từ thời điểm này (ISO 8601)", {"type": "string", "format": "date-time"}),
        _query("as_of", "Giá trị tại thời điểm này (ISO 8601)", {"type": "string", "format": "date-time"}),
        _query("fields", "Các trường cần lấy, cách nhau bởi dấu phẩy", {"type": "string"}),
        _query("limit", "Số bản ghi mỗi trang (tối đa 10.000)", {"type": "integer", "minimum": 1, "maximum": 10000}),
        _query("cursor", "Con trỏ trang sau (next_cursor của trang trước)", {"type": "string"}),
    ]
    page = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
            "next_cursor": {"type": ["string", "null"]},
        },
        "required": ["items"],
    }
    return {
        "openapi": "3.1.0",
        "info": info,
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": {
            f"/x/{service.code}/records": {
                "get": {
                    "operationId": "records",
                    "summary": "Các bản ghi của dịch vụ",
                    "parameters": parameters,
                    "security": [{"oauth2": []}, {"apiKey": []}],
                    "responses": {
                        "200": {"description": "Một trang bản ghi", "content": {"application/json": {"schema": page}}},
                        "401": {"description": "Chưa xác thực"},
                        "403": {"description": "Không có quyền với dịch vụ này"},
                        "429": {"description": "Vượt hạn mức"},
                    },
                }
            }
        },
        "components": {
            "schemas": {"Record": {k: v for k, v in record.items() if k != "$schema"}},
            "securitySchemes": {
                "oauth2": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}}},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
