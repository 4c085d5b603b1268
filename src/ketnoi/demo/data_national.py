"""The national database on science and technology (Cục Thông tin KH&CN quốc gia, Plan I.1)."""

from __future__ import annotations

from ketnoi.catalog.models import DatabaseClass, DataClass, Visibility
from ketnoi.demo.data_org import CUC_TTKHCN
from ketnoi.demo.specs import CLOSED, OPEN, REQUEST, SHARED, DatabaseSpec, DatasetSpec, ItemSpec

PUBLIC = Visibility.PUBLIC

_TASKS = DatasetSpec(
    name="Nhiệm vụ khoa học và công nghệ đang tiến hành",
    description=(
        "Thông tin về các nhiệm vụ khoa học và công nghệ sử dụng ngân sách nhà nước đang được thực hiện "
        "ở các cấp quản lý, thu thập theo Thông tư số 14/2014/TT-BKHCN."
    ),
    topic="thong-tin-khcn",
    tags=("nhiệm vụ kh&cn", "đề tài", "dự án"),
    update_frequency="monthly",
    data_class=DataClass.IMPORTANT,
    visibility=PUBLIC,
    license_id="cc-by-4.0",
    items=(
        ItemSpec("ma_de_tai", "Mã đề tài, dự án", "string", OPEN),
        ItemSpec("ten_de_tai", "Tên đề tài, dự án", "string", OPEN),
        ItemSpec("cap_quan_ly", "Cấp quản lý (quốc gia, bộ, tỉnh, cơ sở)", "string", OPEN),
        ItemSpec("to_chuc_chu_tri", "Tổ chức chủ trì", "string", OPEN),
        ItemSpec("chu_nhiem", "Chủ nhiệm nhiệm vụ", "string", SHARED, is_personal=True),
        ItemSpec("kinh_phi_nsnn", "Kinh phí từ ngân sách nhà nước (triệu đồng)", "number", OPEN),
        ItemSpec("ngay_bat_dau", "Ngày bắt đầu", "date", OPEN),
        ItemSpec("ngay_ket_thuc", "Ngày kết thúc dự kiến", "date", OPEN),
        ItemSpec("tinh_thanh", "Tỉnh, thành phố", "string", OPEN),
    ),
)

_RESULTS = DatasetSpec(
    name="Kết quả thực hiện nhiệm vụ khoa học và công nghệ",
    description=("Kết quả nhiệm vụ khoa học và công nghệ đã được đăng ký, lưu giữ tại Cục Thông tin khoa học và công nghệ quốc gia."),
    topic="thong-tin-khcn",
    tags=("kết quả nghiên cứu", "đăng ký kết quả"),
    update_frequency="monthly",
    data_class=DataClass.IMPORTANT,
    visibility=PUBLIC,
    license_id="cc-by-4.0",
    items=(
        ItemSpec("so_dang_ky", "Số giấy chứng nhận đăng ký kết quả", "string", OPEN),
        ItemSpec("ma_de_tai", "Mã đề tài, dự án", "string", OPEN),
        ItemSpec("ten_de_tai", "Tên đề tài, dự án", "string", OPEN),
        ItemSpec("linh_vuc", "Lĩnh vực nghiên cứu", "string", OPEN),
        ItemSpec("nam_dang_ky", "Năm đăng ký", "integer", OPEN),
        ItemSpec("tom_tat", "Tóm tắt kết quả", "string", OPEN),
        ItemSpec("ngay_dang_ky", "Ngày đăng ký", "date", OPEN),
        ItemSpec("nguoi_dang_ky", "Người đăng ký", "string", SHARED, is_personal=True),
    ),
)

_ORGANIZATIONS = DatasetSpec(
    name="Tổ chức khoa học và công nghệ",
    description=("Danh sách tổ chức khoa học và công nghệ được cấp giấy chứng nhận đăng ký hoạt động khoa học và công nghệ."),
    topic="khcn",
    tags=("tổ chức kh&cn", "đăng ký hoạt động"),
    update_frequency="quarterly",
    items=(
        ItemSpec("so_giay_chung_nhan", "Số giấy chứng nhận đăng ký hoạt động KH&CN", "string", SHARED),
        ItemSpec("ten_to_chuc", "Tên tổ chức", "string", SHARED),
        ItemSpec("loai_hinh", "Loại hình tổ chức", "string", SHARED),
        ItemSpec("linh_vuc_hoat_dong", "Lĩnh vực hoạt động", "string", SHARED),
        ItemSpec("dia_chi", "Địa chỉ trụ sở", "string", SHARED),
        ItemSpec("ngay_cap", "Ngày cấp", "date", SHARED),
    ),
)

_RESEARCHERS = DatasetSpec(
    name="Nhân lực nghiên cứu khoa học và công nghệ",
    description="Thông tin về nhà khoa học, cán bộ nghiên cứu tham gia nhiệm vụ khoa học và công nghệ.",
    topic="thong-tin-khcn",
    tags=("nhà khoa học", "nhân lực kh&cn"),
    update_frequency="quarterly",
    data_class=DataClass.IMPORTANT,
    items=(
        ItemSpec("ma_nha_khoa_hoc", "Mã nhà khoa học", "string", SHARED),
        ItemSpec("ho_ten", "Họ và tên", "string", SHARED, is_personal=True),
        ItemSpec("ngay_sinh", "Ngày sinh", "date", REQUEST, is_personal=True),
        ItemSpec("so_cccd", "Số căn cước công dân", "string", CLOSED, is_personal=True),
        ItemSpec("email", "Thư điện tử", "string", REQUEST, is_personal=True),
        ItemSpec("hoc_ham_hoc_vi", "Học hàm, học vị", "string", SHARED),
        ItemSpec("chuyen_nganh", "Chuyên ngành", "string", SHARED),
        ItemSpec("co_quan_cong_tac", "Cơ quan công tác", "string", SHARED),
    ),
)

_PUBLICATIONS = DatasetSpec(
    name="Công bố khoa học trong nước",
    description="Bài báo khoa học công bố trên các tạp chí khoa học trong nước, phục vụ đánh giá năng lực nghiên cứu.",
    topic="thong-tin-khcn",
    tags=("công bố khoa học", "tạp chí"),
    update_frequency="quarterly",
    items=(
        ItemSpec("ma_bai_bao", "Mã bài báo", "string", SHARED),
        ItemSpec("tieu_de", "Tiêu đề", "string", SHARED),
        ItemSpec("tac_gia", "Tác giả", "string", SHARED, is_personal=True),
        ItemSpec("tap_chi", "Tạp chí", "string", SHARED),
        ItemSpec("nam_xuat_ban", "Năm xuất bản", "integer", SHARED),
        ItemSpec("doi", "Mã DOI", "string", SHARED),
    ),
)

_STATISTICS = DatasetSpec(
    name="Số liệu thống kê khoa học và công nghệ",
    description="Chỉ tiêu thống kê ngành khoa học và công nghệ theo năm và địa bàn (chi cho KH&CN, nhân lực, tổ chức).",
    topic="thong-tin-khcn",
    tags=("thống kê", "chỉ tiêu"),
    update_frequency="annual",
    visibility=PUBLIC,
    license_id="cc-by-4.0",
    items=(
        ItemSpec("ma_chi_tieu", "Mã chỉ tiêu", "string", OPEN),
        ItemSpec("ten_chi_tieu", "Tên chỉ tiêu", "string", OPEN),
        ItemSpec("nam", "Năm báo cáo", "integer", OPEN),
        ItemSpec("dia_ban", "Địa bàn", "string", OPEN),
        ItemSpec("gia_tri", "Giá trị", "number", OPEN),
        ItemSpec("don_vi_tinh", "Đơn vị tính", "string", OPEN),
    ),
)

NATIONAL_DATABASES: tuple[DatabaseSpec, ...] = (
    DatabaseSpec(
        code="CSDL-QG-KHCN",
        name="Cơ sở dữ liệu quốc gia về khoa học và công nghệ",
        owner=CUC_TTKHCN,
        db_class=DatabaseClass.NATIONAL,
        purpose=(
            "Cung cấp thông tin đầy đủ, chính xác về tiềm lực và kết quả hoạt động khoa học và công nghệ "
            "phục vụ quản lý nhà nước, hoạch định chính sách và cộng đồng nghiên cứu."
        ),
        scope="Toàn quốc: nhiệm vụ KH&CN các cấp, tổ chức KH&CN, nhân lực KH&CN, công bố khoa học, thống kê KH&CN.",
        content=(
            "Nhiệm vụ KH&CN đang tiến hành; kết quả thực hiện nhiệm vụ; tổ chức KH&CN; nhà khoa học; "
            "công bố khoa học và sáng chế; số liệu thống kê KH&CN."
        ),
        legal_basis=(
            "Luật Khoa học và Công nghệ số 29/2013/QH13; Nghị định số 11/2014/NĐ-CP ngày 18/02/2014 về hoạt động "
            "thông tin khoa học và công nghệ; Thông tư số 14/2014/TT-BKHCN ngày 11/6/2014; Nghị định số 47/2020/NĐ-CP "
            "ngày 09/4/2020; Luật Dữ liệu số 60/2024/QH15; Nghị định số 194/2025/NĐ-CP."
        ),
        source=("Các bộ, ngành, địa phương và tổ chức chủ trì nhiệm vụ KH&CN cung cấp theo chế độ thu thập thông tin bắt buộc."),
        update_mechanism=(
            "Cập nhật trực tuyến qua Hệ thống thông tin quốc gia về KH&CN khi có nhiệm vụ mới, kết quả mới; "
            "kết nối định kỳ hằng tháng với cơ sở dữ liệu của các Sở Khoa học và Công nghệ."
        ),
        information_system="Hệ thống thông tin quốc gia về khoa học và công nghệ",
        security_level=3,
        holds_personal_data=True,
        datasets=(_TASKS, _RESULTS, _ORGANIZATIONS, _RESEARCHERS, _PUBLICATIONS, _STATISTICS),
    ),
)
