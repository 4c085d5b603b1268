"""A catalog version as files: the decision as a DOCX in the Vietnamese administrative form (the
decision, then the list as its appendix table), an XLSX workbook and a JSON document."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from ketnoi.feedback.report import issuer as ministry_name
from ketnoi.governance import decisions
from ketnoi.governance import decisions_build as build
from ketnoi.governance.decisions_models import CatalogEntry, CatalogKind, CatalogVersion
from ketnoi.governance.labels_decisions import KIND_LABELS, SNAPSHOT_LABELS, STATUS_LABELS
from ketnoi.kit import docx_report as docx
from ketnoi.kit.xlsx_report import add_sheet

SIGNER = "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG"


def filename(version: CatalogVersion, extension: str) -> str:
    return f"danh-muc-{version.kind.replace('_', '-')}-v{version.number}.{extension}"


def headers(version: CatalogVersion) -> list[str]:
    return ["TT", *(SNAPSHOT_LABELS[name] for name in build.fields_of(version.kind)), "Ghi chú"]


def rows(version: CatalogVersion, listed: list[CatalogEntry]) -> list[list[object]]:
    names = build.fields_of(version.kind)
    return [[entry.position, *(entry.snapshot.get(name, "") for name in names), entry.note or ""] for entry in listed]


def _number_parts(version: CatalogVersion, issuer: str) -> tuple[str, str]:
    """("1234", "QĐ-BKHCN") from "1234/QĐ-BKHCN"; a blank number for the clerk while there is none."""
    number, _, symbol = (version.decision_number or "").partition("/")
    return number, symbol or f"QĐ-{docx.symbol_of(issuer)}"


def to_docx(session: Session, version: CatalogVersion) -> bytes:
    issuer = ministry_name(session)
    listed = decisions.entries(session, version)
    kind_label = KIND_LABELS[CatalogKind(version.kind)]
    number, symbol = _number_parts(version, issuer)
    doc = docx.new_document()
    docx.add_header(doc, docx.Header(issuer=issuer, symbol=symbol, day=version.decision_date or decisions.today(), number=number))
    docx.add_title(doc, "Quyết định", f"Ban hành {version.title[:1].lower() + version.title[1:]}")
    docx.add_title(doc, f"Bộ trưởng {issuer}")
    docx.add_text(doc, f"Căn cứ {version.legal_basis}", italic=True)
    docx.add_text(doc, "Theo đề nghị của Giám đốc Trung tâm Công nghệ thông tin.", italic=True)
    docx.add_title(doc, "Quyết định:")
    docx.add_text(doc, f"Điều 1. Ban hành kèm theo Quyết định này {kind_label[:1].lower() + kind_label[1:]} ({len(listed)} mục).")
    docx.add_text(
        doc,
        f"Điều 2. Danh mục được rà soát, cập nhật định kỳ {version.review_months} tháng một lần"
        + (f"; lần rà soát tiếp theo trước ngày {version.next_review_due:%d/%m/%Y}." if version.next_review_due else "."),
    )
    docx.add_text(
        doc,
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Trung tâm Công nghệ thông tin và các đơn vị chủ quản "
        "cơ sở dữ liệu chịu trách nhiệm thi hành Quyết định này.",
    )
    recipients = ["- Như Điều 3;", "- Lãnh đạo Bộ;", "- Lưu: VT, TTCNTT."]
    docx.add_signature(doc, recipients, [*(version.signer_title or SIGNER).splitlines(), "", "", "", version.signer_name or ""])
    docx.add_heading(doc, f"PHỤ LỤC: {kind_label.upper()}")
    when = f" ngày {version.decision_date:%d/%m/%Y}" if version.decision_date else ""
    docx.add_text(doc, f"(Ban hành kèm theo Quyết định số {version.decision_number or '      '}{when} của Bộ trưởng {issuer})", italic=True)
    if listed:
        docx.add_table(doc, headers(version), rows(version, listed))
    else:
        docx.add_text(doc, "Danh mục chưa có mục nào.")
    return docx.to_bytes(doc)


def to_xlsx(session: Session, version: CatalogVersion) -> bytes:
    listed = decisions.entries(session, version)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    about: list[list[object]] = [
        ["Loại danh mục", KIND_LABELS[CatalogKind(version.kind)]],
        ["Phiên bản", version.number],
        ["Tên danh mục", version.title],
        ["Trạng thái", STATUS_LABELS[version.status]],  # type: ignore[index]
        ["Số quyết định", version.decision_number or ""],
        ["Ngày quyết định", f"{version.decision_date:%d/%m/%Y}" if version.decision_date else ""],
        ["Người ký", version.signer_name or ""],
        ["Căn cứ pháp lý", version.legal_basis],
        ["Chu kỳ rà soát (tháng)", version.review_months],
        ["Hạn rà soát tiếp theo", f"{version.next_review_due:%d/%m/%Y}" if version.next_review_due else ""],
        ["Số mục", len(listed)],
    ]
    add_sheet(book, "Danh mục", headers(version), rows(version, listed))
    add_sheet(book, "Thông tin quyết định", ["Thông tin", "Giá trị"], about)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def version_json(session: Session, version: CatalogVersion) -> dict[str, Any]:
    listed = decisions.entries(session, version)
    return {
        "id": str(version.id),
        "kind": version.kind,
        "kind_label": KIND_LABELS[CatalogKind(version.kind)],
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "legal_basis": version.legal_basis,
        "review_months": version.review_months,
        "next_review_due": version.next_review_due.isoformat() if version.next_review_due else None,
        "decision_number": version.decision_number,
        "decision_date": version.decision_date.isoformat() if version.decision_date else None,
        "signer_name": version.signer_name,
        "signer_title": version.signer_title,
        "has_signed_file": version.signed_file_key is not None,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "entries": [
            {
                "position": e.position,
                "source_kind": e.source_kind,
                "source_id": str(e.source_id),
                "fields": dict(e.snapshot),
                "note": e.note,
            }
            for e in listed
        ],
    }
