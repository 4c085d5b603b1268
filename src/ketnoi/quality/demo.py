"""The demo ministry's quality rules on its three loaded tables, measured once for real when loaded.

Each rule is one a steward of the unit would write for that register; some fail on the sample files
(an old registration date, research organizations missing from the code list) so a newcomer sees
failing rows, a capped or lowered score and the incidents they open.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.identity import system_actor
from ketnoi.quality import service
from ketnoi.quality.models import QualityRule
from ketnoi.quality.runner import run_dataset
from ketnoi.quality.schemas import RuleIn

TASKS = "Nhiệm vụ khoa học và công nghệ đang tiến hành"
RESULTS = "Kết quả thực hiện nhiệm vụ khoa học và công nghệ"
ORGANIZATIONS = "Tổ chức khoa học và công nghệ"
ALL_METADATA = {"fields": ["owner", "focal_point", "description", "license", "review"]}

# dataset → (name, kind, severity, target, parameters); "@ORGANIZATIONS" stands for that dataset's table.
RULES: dict[str, list[tuple[str, str, str, float, dict[str, Any]]]] = {
    TASKS: [
        ("Mã nhiệm vụ không để trống", "not_null", "critical", 1.0, {"column": "ma_de_tai_du_an"}),
        ("Mã nhiệm vụ không trùng", "unique", "critical", 1.0, {"columns": ["ma_de_tai_du_an"]}),
        ("Cấp quản lý theo danh mục", "allowed", "major", 1.0, {"column": "cap_quan_ly", "values": ["Quốc gia", "Bộ", "Tỉnh", "Cơ sở"]}),
        (
            "Kinh phí từ 1 đến 100.000 triệu đồng",
            "range",
            "major",
            0.98,
            {"column": "kinh_phi_tu_ngan_sach_nha_nuoc_trieu_dong", "min": 1, "max": 100000},
        ),
        ("Kết thúc sau khi bắt đầu", "expression", "major", 1.0, {"expression": "ngay_ket_thuc_du_kien > ngay_bat_dau"}),
        (
            "Tổ chức chủ trì có trong danh mục tổ chức KH&CN",
            "foreign_key",
            "minor",
            0.9,
            {"column": "to_chuc_chu_tri", "ref_resource_id": "@" + ORGANIZATIONS, "ref_column": "ten_to_chuc"},
        ),
        ("Cập nhật hằng tháng như đã công bố", "freshness", "major", 1.0, {}),
        ("Đủ siêu dữ liệu", "metadata", "minor", 1.0, ALL_METADATA),
        (
            "Đối chiếu mẫu với quyết định phê duyệt",
            "review",
            "major",
            0.98,
            {"checked": 8, "correct": 8, "source": "Quyết định phê duyệt nhiệm vụ lưu tại Văn phòng Bộ", "reviewed_on": "2026-10-15"},
        ),
    ],
    RESULTS: [
        ("Số giấy chứng nhận không trùng", "unique", "critical", 1.0, {"columns": ["so_giay_chung_nhan_dang_ky_ket_qua"]}),
        (
            "Số giấy chứng nhận đúng mẫu",
            "pattern",
            "major",
            1.0,
            {"column": "so_giay_chung_nhan_dang_ky_ket_qua", "regex": r"[0-9]{4}-[0-9]{2}-[0-9]{4}/KQNC"},
        ),
        ("Năm đăng ký hợp lý", "range", "major", 1.0, {"column": "nam_dang_ky", "min": 2000, "max": 2030}),
        ("Có người đăng ký", "not_null", "minor", 0.98, {"column": "nguoi_dang_ky"}),
        ("Có đăng ký mới trong năm", "date_freshness", "major", 1.0, {"column": "ngay_dang_ky", "max_age_days": 365}),
        ("Đủ siêu dữ liệu", "metadata", "minor", 1.0, ALL_METADATA),
    ],
    ORGANIZATIONS: [
        (
            "Số giấy chứng nhận đúng mẫu",
            "pattern",
            "major",
            1.0,
            {"column": "so_giay_chung_nhan_dang_ky_hoat_dong_kh_cn", "regex": "[A-Z]-[0-9]{4}"},
        ),
        ("Số giấy chứng nhận không trùng", "unique", "critical", 1.0, {"columns": ["so_giay_chung_nhan_dang_ky_hoat_dong_kh_cn"]}),
        ("Có địa chỉ trụ sở", "not_null", "major", 1.0, {"column": "dia_chi_tru_so"}),
        (
            "Loại hình theo danh mục",
            "allowed",
            "minor",
            1.0,
            {"column": "loai_hinh_to_chuc", "values": ["Tổ chức nghiên cứu khoa học", "Tổ chức dịch vụ khoa học và công nghệ"]},
        ),
        ("Cập nhật hằng quý như đã công bố", "freshness", "major", 1.0, {}),
        ("Đủ siêu dữ liệu", "metadata", "minor", 1.0, ALL_METADATA),
    ],
}


def load_examples(session: Session) -> tuple[int, int]:
    """Rules of the demo datasets that have none yet, then a first real run of each; (created, present)."""
    actor = system_actor()
    tables = _tables(session)
    created = present = 0
    for name, rules in RULES.items():
        dataset_id = _dataset_id(session, name)
        if dataset_id is None or name not in tables:
            continue
        if session.scalar(select(QualityRule.id).where(QualityRule.dataset_id == dataset_id).limit(1)) is not None:
            present += len(rules)
            continue
        for rule_name, kind, severity, target, params in rules:
            resolved = {k: str(tables[v[1:]]) if isinstance(v, str) and v.startswith("@") else v for k, v in params.items()}
            data = RuleIn(name=rule_name, kind=kind, severity=severity, target=target, params=resolved)
            service.create_rule(session, actor=actor, dataset_id=dataset_id, data=data)
            created += 1
        if name != RESULTS:  # the results register's description was reviewed long ago: its metadata rule shows it
            service.confirm_metadata_review(session, actor=actor, dataset_id=dataset_id)
        session.flush()
        run_dataset(session, actor=actor, dataset_id=dataset_id, trigger="manual")
    return created, present


def _dataset_id(session: Session, name: str) -> uuid.UUID | None:
    return session.scalar(select(Dataset.id).where(Dataset.name == name).limit(1))


def _tables(session: Session) -> dict[str, uuid.UUID]:
    """Demo dataset name → its loaded resource."""
    out: dict[str, uuid.UUID] = {}
    for name in RULES:
        dataset_id = _dataset_id(session, name)
        if dataset_id is None:
            continue
        for table in service.tables_of(session, session.get_one(Dataset, dataset_id)):
            out.setdefault(name, table.resource.id)
    return out
