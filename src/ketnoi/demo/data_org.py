"""The demo ministry's structure, focal points (đầu mối, Decree 47 art. 7) and accounts.

Unit names follow the ministry's plan implementing Decree 47 and its organisational structure.
Agency codes follow QĐ 20/2020/QĐ-TTg (`000.00.00.G06` for the ministry; a unit's own number in
the third group, a sub-unit's in the second). People are fictitious; phone numbers are illustrative.
"""

from __future__ import annotations

from datetime import date

from ketnoi.authz import Role
from ketnoi.demo.specs import AccountSpec, FocalPointSpec, OrgSpec, mail
from ketnoi.org.models import OrgKind

MINISTRY = "000.00.00.G06"
VPB = "000.00.01.G06"
VU_KHTC = "000.00.02.G06"
VU_PC = "000.00.03.G06"
VU_TCCB = "000.00.04.G06"
TTCNTT = "000.00.05.G06"
CUC_TTKHCN = "000.00.06.G06"
UB_TCDLCL = "000.00.07.G06"
CUC_SHTT = "000.00.08.G06"
CUC_ATBXHN = "000.00.09.G06"
CUC_PTTTDN = "000.00.10.G06"
VIEN_TCCL = "000.01.07.G06"
BO_CONG_AN = "000.00.00.G01"
VPCP = "000.00.00.G22"

_HQ = "113 Trần Duy Hưng, Hà Nội"

# Parents come before their children.
ORGANIZATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(
        MINISTRY,
        "Bộ Khoa học và Công nghệ",
        "Bộ KH&CN",
        email=mail("vanphong"),
        phone="024 3943 9731",
        website="https://www.most.gov.vn",
        address=_HQ,
        description=("Cơ quan của Chính phủ thực hiện chức năng quản lý nhà nước về khoa học, công nghệ và đổi mới sáng tạo."),
    ),
    OrgSpec(
        VPB,
        "Văn phòng Bộ",
        "VPB",
        parent=MINISTRY,
        email=mail("vpb"),
        phone="024 3943 9732",
        address=_HQ,
        description="Tổng hợp, điều phối hoạt động của Bộ; kiểm soát thủ tục hành chính, Bộ phận Một cửa.",
    ),
    OrgSpec(
        VU_KHTC,
        "Vụ Kế hoạch - Tài chính",
        "Vụ KHTC",
        parent=MINISTRY,
        email=mail("vukhtc"),
        phone="024 3943 9733",
        address=_HQ,
        description="Bố trí kinh phí triển khai Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP.",
    ),
    OrgSpec(
        VU_PC,
        "Vụ Pháp chế",
        "Vụ PC",
        parent=MINISTRY,
        email=mail("vupc"),
        phone="024 3943 9734",
        address=_HQ,
        description="Rà soát, hệ thống hóa văn bản quy phạm pháp luật về khoa học và công nghệ.",
    ),
    OrgSpec(
        VU_TCCB,
        "Vụ Tổ chức cán bộ",
        "Vụ TCCB",
        parent=MINISTRY,
        email=mail("vutccb"),
        phone="024 3943 9735",
        address=_HQ,
        description="Quản lý tổ chức bộ máy, biên chế, hồ sơ cán bộ, công chức, viên chức của Bộ.",
    ),
    OrgSpec(
        TTCNTT,
        "Trung tâm Công nghệ thông tin",
        "TTCNTT",
        parent=MINISTRY,
        email=mail("ttcntt"),
        phone="024 3943 9736",
        address=_HQ,
        description=("Giúp Bộ trưởng tổ chức triển khai Nghị định số 47/2020/NĐ-CP; xây dựng, duy trì hạ tầng kết nối, chia sẻ dữ liệu."),
    ),
    OrgSpec(
        CUC_TTKHCN,
        "Cục Thông tin khoa học và công nghệ quốc gia",
        "Cục TTKHCNQG",
        parent=MINISTRY,
        email=mail("vista"),
        phone="024 3826 2718",
        website="https://www.vista.gov.vn",
        address="24 Lý Thường Kiệt, Hà Nội",
        description="Chủ trì đề xuất, xây dựng và triển khai Cơ sở dữ liệu quốc gia về khoa học và công nghệ.",
    ),
    OrgSpec(
        UB_TCDLCL,
        "Ủy ban Tiêu chuẩn Đo lường Chất lượng quốc gia",
        "UBTCĐLCL",
        parent=MINISTRY,
        email=mail("tcvn"),
        phone="024 3791 1585",
        website="https://tcvn.gov.vn",
        address="8 Hoàng Quốc Việt, Hà Nội",
        description="Quản lý nhà nước về tiêu chuẩn, đo lường, chất lượng sản phẩm, hàng hóa và mã số, mã vạch.",
    ),
    OrgSpec(
        VIEN_TCCL,
        "Viện Tiêu chuẩn Chất lượng Việt Nam",
        "VSQI",
        parent=UB_TCDLCL,
        email=mail("vsqi"),
        phone="024 3756 4268",
        address="8 Hoàng Quốc Việt, Hà Nội",
        description="Nghiên cứu, thử nghiệm, chứng nhận sản phẩm và hệ thống quản lý; đơn vị trực thuộc Ủy ban.",
    ),
    OrgSpec(
        CUC_SHTT,
        "Cục Sở hữu trí tuệ",
        "Cục SHTT",
        parent=MINISTRY,
        email=mail("ipvietnam"),
        phone="024 3858 3069",
        website="https://ipvietnam.gov.vn",
        address="384-386 Nguyễn Trãi, Hà Nội",
        description="Xác lập quyền sở hữu công nghiệp; quản lý cơ sở dữ liệu sở hữu công nghiệp.",
    ),
    OrgSpec(
        CUC_ATBXHN,
        "Cục An toàn bức xạ và hạt nhân",
        "Cục ATBXHN",
        parent=MINISTRY,
        email=mail("varans"),
        phone="024 3942 4133",
        address=_HQ,
        description="Cấp phép, thanh tra an toàn bức xạ, hạt nhân; quản lý nguồn phóng xạ trên toàn quốc.",
    ),
    OrgSpec(
        CUC_PTTTDN,
        "Cục Phát triển thị trường và doanh nghiệp khoa học và công nghệ",
        "Cục PTTTDN",
        parent=MINISTRY,
        email=mail("natec"),
        phone="024 3943 9737",
        address=_HQ,
        description="Phát triển thị trường khoa học và công nghệ, doanh nghiệp khoa học và công nghệ.",
    ),
    OrgSpec(
        BO_CONG_AN,
        "Bộ Công an",
        "BCA",
        kind=OrgKind.AGENCY,
        phone="069 234 2593",
        website="https://bocongan.gov.vn",
        address="44 Yết Kiêu, Hà Nội",
        description=("Cơ quan quản lý Cơ sở dữ liệu quốc gia về dân cư; khai thác dữ liệu về nguồn phóng xạ, doanh nghiệp KH&CN."),
    ),
    OrgSpec(
        VPCP,
        "Văn phòng Chính phủ",
        "VPCP",
        kind=OrgKind.AGENCY,
        website="https://vpcp.chinhphu.vn",
        address="1 Hoàng Hoa Thám, Hà Nội",
        description="Cơ quan quản lý Cổng Dịch vụ công quốc gia; nhận dữ liệu thủ tục hành chính của Bộ.",
    ),
)

FOCAL_POINTS: tuple[FocalPointSpec, ...] = (
    FocalPointSpec(
        MINISTRY,
        "Nguyễn Văn Hùng",
        "Giám đốc Trung tâm Công nghệ thông tin",
        "024 3943 9736",
        mail("nvhung"),
        "Quyết định số 1520/QĐ-BKHCN ngày 10/7/2020",
        date(2020, 7, 10),
    ),
    FocalPointSpec(
        VPB,
        "Trần Thị Thu Hà",
        "Phó Chánh Văn phòng Bộ",
        "024 3943 9732",
        mail("ttha"),
        "Công văn số 215/VPB-KSTT ngày 20/7/2020",
        date(2020, 7, 20),
    ),
    FocalPointSpec(
        VU_KHTC,
        "Lê Minh Tuấn",
        "Phó Vụ trưởng Vụ Kế hoạch - Tài chính",
        "024 3943 9733",
        mail("lmtuan"),
        "Công văn số 98/KHTC ngày 22/7/2020",
        date(2020, 7, 22),
    ),
    FocalPointSpec(
        VU_PC,
        "Phạm Thị Lan Anh",
        "Chuyên viên chính",
        "024 3943 9734",
        mail("ptlanh"),
        "Công văn số 64/PC ngày 24/7/2020",
        date(2020, 7, 24),
    ),
    FocalPointSpec(
        VU_TCCB,
        "Hoàng Đức Thắng",
        "Phó Vụ trưởng Vụ Tổ chức cán bộ",
        "024 3943 9735",
        mail("hdthang"),
        "Công văn số 77/TCCB ngày 27/7/2020",
        date(2020, 7, 27),
    ),
    # Trung tâm CNTT: the 2020 appointment, then its replacement in 2023 (the history shows both).
    FocalPointSpec(
        TTCNTT,
        "Vũ Thị Hồng Nhung",
        "Trưởng phòng Dữ liệu và Hạ tầng",
        "024 3943 9736",
        mail("vthnhung"),
        "Công văn số 123/TTCNTT ngày 15/6/2020",
        date(2020, 6, 15),
    ),
    FocalPointSpec(
        TTCNTT,
        "Đỗ Quang Huy",
        "Phó Giám đốc Trung tâm Công nghệ thông tin",
        "024 3943 9738",
        mail("dqhuy"),
        "Công văn số 311/TTCNTT ngày 02/3/2023",
        date(2023, 3, 2),
    ),
    FocalPointSpec(
        CUC_TTKHCN,
        "Bùi Thị Mai Phương",
        "Phó Cục trưởng Cục Thông tin khoa học và công nghệ quốc gia",
        "024 3826 2718",
        mail("btmphuong"),
        "Công văn số 402/TTKHCN-CSDL ngày 30/7/2020",
        date(2020, 7, 30),
    ),
    FocalPointSpec(
        UB_TCDLCL,
        "Đặng Văn Long",
        "Giám đốc Trung tâm Thông tin - Truyền thông",
        "024 3791 1585",
        mail("dvlong"),
        "Công văn số 1890/TĐC-TTTT ngày 03/8/2020",
        date(2020, 8, 3),
    ),
    FocalPointSpec(
        VIEN_TCCL,
        "Ngô Thị Thanh Hương",
        "Trưởng phòng Thông tin và Đào tạo",
        "024 3756 4268",
        mail("ntthuong"),
        "Công văn số 245/VTCCL ngày 12/4/2021",
        date(2021, 4, 12),
    ),
    FocalPointSpec(
        CUC_SHTT,
        "Phan Anh Dũng",
        "Trưởng phòng Thông tin sở hữu công nghiệp",
        "024 3858 3069",
        mail("padung"),
        "Công văn số 5120/SHTT-TTTT ngày 05/8/2020",
        date(2020, 8, 5),
    ),
    FocalPointSpec(
        CUC_ATBXHN,
        "Trịnh Thu Trang",
        "Phó Giám đốc Trung tâm Hỗ trợ kỹ thuật an toàn bức xạ và hạt nhân",
        "024 3942 4133",
        mail("tttrang"),
        "Công văn số 1305/ATBXHN-TTHT ngày 10/8/2020",
        date(2020, 8, 10),
    ),
    FocalPointSpec(
        CUC_PTTTDN,
        "Lý Hoàng Nam",
        "Trưởng phòng Phát triển doanh nghiệp khoa học và công nghệ",
        "024 3943 9737",
        mail("lhnam"),
        "Công văn số 356/PTTTDN ngày 14/8/2020",
        date(2020, 8, 14),
    ),
)

_STEWARD = "Cán bộ quản lý dữ liệu - "

ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec("admin", "Quản trị hệ thống (Trung tâm CNTT)", Role.ADMIN, TTCNTT, mail("admin")),
    AccountSpec("lanhdao", "Lãnh đạo Bộ (tài khoản trình diễn)", Role.LEADER, MINISTRY, mail("lanhdao")),
    AccountSpec("ttcntt", _STEWARD + "Trung tâm CNTT", Role.STEWARD, TTCNTT, mail("ttcntt.dulieu")),
    AccountSpec("cucthongtin", _STEWARD + "Cục Thông tin KH&CN quốc gia", Role.STEWARD, CUC_TTKHCN, mail("csdl.vista")),
    AccountSpec("vukhtc", _STEWARD + "Vụ Kế hoạch - Tài chính", Role.STEWARD, VU_KHTC, mail("khtc.dulieu")),
    AccountSpec("tcdlcl", _STEWARD + "Ủy ban TCĐLCL quốc gia", Role.STEWARD, UB_TCDLCL, mail("tcdlcl.dulieu")),
)
