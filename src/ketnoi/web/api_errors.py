"""The error answers every API operation may give, declared in the OpenAPI document (web.errors writes
them): a client generated from the schema knows their shape, and a schema-driven fuzzer (schemathesis)
finds no undocumented status."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    type: str = Field(description="Loại lỗi, ổn định cho máy đọc (vd. validation_error, not_found, rate_limited)")
    message: str = Field(description="Thông điệp cho người đọc (tiếng Việt, hoặc tiếng Anh theo ngôn ngữ của yêu cầu)")
    fields: dict[str, str] = Field(description="Lỗi của từng trường, nếu có")
    fault: str | None = Field(default=None, description="Ở cổng /x/: lỗi của ai (caller | platform | provider)")


class ErrorOut(BaseModel):
    error: ErrorDetail


_MEANINGS = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực (thiếu hoặc sai token)",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ (tiêu đề Allow nêu các phương thức được)",
    409: "Xung đột với trạng thái hiện tại",
    413: "Nội dung gửi lên quá lớn",
    415: "Kiểu nội dung không được hỗ trợ",
    422: "Dữ liệu không hợp lệ (lỗi theo từng trường)",
    429: "Quá tốc độ hoặc hạn mức (tiêu đề Retry-After)",
    500: "Lỗi của nền tảng",
    502: "Hệ thống cung cấp dữ liệu trả lời sai",
    503: "Tạm thời không phục vụ được (thử lại sau)",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {status: {"model": ErrorOut, "description": text} for status, text in _MEANINGS.items()}
