"""Demo data: one peer node, disabled, as a ministry would have registered a province's platform.

No network at load: the pinned JWKS is a key generated here (as the province's would be), the
services are written as its listing would give them, and one request is shown approved.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from ketnoi.federation.models import Peer, PeerKind, PeerRequest, PeerRequestStatus, PeerService
from ketnoi.kit import nodekey
from ketnoi.kit.clock import utcnow

OWNER = "Sở Kế hoạch và Đầu tư tỉnh Bắc Ninh"
SERVICES: list[dict[str, Any]] = [
    {"code": "DV.BN.DOANHNGHIEP", "name": "Tra cứu thông tin doanh nghiệp trên địa bàn tỉnh", "sharing_form": "default_shared",
     "data_items": ["ma_so_doanh_nghiep", "ten_doanh_nghiep", "nganh_nghe_chinh", "huyen"],
     "description": "Thông tin đăng ký doanh nghiệp do Sở Kế hoạch và Đầu tư quản lý, cập nhật hằng ngày.",
     "usage_regulation": "Chỉ sử dụng cho công tác quản lý nhà nước; không cung cấp cho bên thứ ba.", "availability": "24/7, 99,5 %"},
    {"code": "DV.BN.KHCN.NHIEMVU", "name": "Nhiệm vụ khoa học và công nghệ cấp tỉnh", "sharing_form": "default_shared",
     "data_items": ["ma_nhiem_vu", "ten_nhiem_vu", "nam_bat_dau", "kinh_phi"],
     "description": "Các nhiệm vụ KH&CN cấp tỉnh đã phê duyệt, do Sở Khoa học và Công nghệ cung cấp.",
     "usage_regulation": "Phục vụ thống kê KH&CN và tránh trùng lặp nhiệm vụ.", "availability": "Giờ hành chính"},
    {"code": "DV.BN.DATDAI", "name": "Thông tin thửa đất", "sharing_form": "specific_request",
     "data_items": ["so_to", "so_thua", "dien_tich", "muc_dich_su_dung"],
     "description": "Dữ liệu địa chính của tỉnh; chia sẻ theo yêu cầu riêng, cần thỏa thuận (Điều 38).",
     "usage_regulation": "Khai thác theo thỏa thuận đã ký giữa hai cơ quan.", "availability": "24/7"},
]  # fmt: skip


def _jwks() -> dict[str, Any]:
    public = Ed25519PrivateKey.generate().public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": nodekey.key_id_of(public), "use": "sig", "alg": "EdDSA"}]}


def load_demo(session: Session) -> Peer:
    now = utcnow()
    peer = Peer(code="BACNINH", name="Nền tảng tích hợp, chia sẻ dữ liệu của tỉnh Bắc Ninh", kind=PeerKind.KETNOI,
                base_url="https://ketnoi.bacninh.gov.vn", keys=_jwks(), keys_fetched_at=now - timedelta(days=30),
                client_id="app-bkhcn0000demo", client_secret=None, enabled=False, last_listed_at=now - timedelta(hours=2))  # fmt: skip
    session.add(peer)
    session.flush()
    for item in SERVICES:
        fields = item | {"owner_name": OWNER, "method": "live_call", "status": "published"}
        session.add(PeerService(peer_id=peer.id, code=item["code"], name=item["name"], owner=OWNER, description=item["description"],
                                sharing_form=item["sharing_form"], method="live_call", data_items=item["data_items"],
                                status="published", fields=fields, listed_at=peer.last_listed_at))  # fmt: skip
    session.add(PeerRequest(peer_id=peer.id, service_code="DV.BN.KHCN.NHIEMVU", remote_id="demo-yeu-cau-1",
                            status=PeerRequestStatus.APPROVED, purpose="Tổng hợp thống kê nhiệm vụ KH&CN các cấp, tránh trùng lặp.",
                            data_items=["ma_nhiem_vu", "ten_nhiem_vu", "nam_bat_dau"], frequency="monthly", expected_records=500,
                            submitted_by="quantri", submitted_at=now - timedelta(days=20), decided_at=now - timedelta(days=20),
                            reason="Dịch vụ chia sẻ mặc định: cơ quan nhà nước được khai thác không cần thoả thuận.",
                            checked_at=now - timedelta(hours=2)))  # fmt: skip
    session.flush()
    return peer
