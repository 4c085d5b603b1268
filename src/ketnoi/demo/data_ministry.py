"""Shared databases of the ministry (CSDL dùng chung của Bộ) and the internal personnel database."""

from __future__ import annotations

from ketnoi.catalog.models import DatabaseClass, DataClass, Visibility
from ketnoi.demo.data_org import TTCNTT, VPB, VU_KHTC, VU_PC, VU_TCCB
from ketnoi.demo.specs import CLOSED, OPEN, REQUEST, SHARED, DatabaseSpec, DatasetSpec, ItemSpec

PUBLIC = Visibility.PUBLIC
_DECREE_47 = "Nghị định số 47/2020/NĐ-CP ngày 09/4/2020; Luật Dữ liệu số 60/2024/QH15; Nghị định số 194/2025/NĐ-CP."
_PERSONAL = "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15; Nghị định số 356/2025/NĐ-CP."

_LEGAL = DatabaseSpec(
    code="CSDL-VBPL-KHCN",
    name="Cơ sở dữ liệu văn bản quy phạm pháp luật về khoa học và công nghệ",
    owner=VU_PC,
    db_class=DatabaseClass.MINISTRY_SHARED,
    purpose="Cung cấp văn bản quy phạm pháp luật thuộc phạm vi quản lý của Bộ cho các đơn vị và người dân tra cứu.",
    scope=("Luật, nghị định, quyết định, thông tư về khoa học, công nghệ và đổi mới sáng tạo do Bộ chủ trì hoặc ban hành."),
    content="Số, ký hiệu, trích yếu, cơ quan ban hành, ngày ban hành, ngày hiệu lực, tình trạng hiệu lực.",
    legal_basis="Nghị định số 52/2015/NĐ-CP ngày 28/5/2015 về Cơ sở dữ liệu quốc gia về pháp luật; " + _DECREE_47,
    source="Văn bản do Bộ ban hành hoặc trình ban hành; kết quả rà soát, hệ thống hóa văn bản hằng năm.",
    update_mechanism=("Cập nhật chậm nhất 2 ngày làm việc kể từ ngày ký ban hành; đồng bộ với Cơ sở dữ liệu quốc gia về pháp luật."),
    information_system="Trang văn bản pháp luật trên Cổng thông tin điện tử của Bộ",
    security_level=1,
    holds_personal_data=False,
    datasets=(
        DatasetSpec(
            name="Văn bản quy phạm pháp luật về khoa học và công nghệ",
            description=("Văn bản quy phạm pháp luật về khoa học và công nghệ còn hiệu lực, hết hiệu lực một phần hoặc toàn bộ."),
            topic="phap-che",
            tags=("văn bản pháp luật", "vbqppl"),
            update_frequency="weekly",
            visibility=PUBLIC,
            license_id="cc0-1.0",
            items=(
                ItemSpec("so_ky_hieu", "Số, ký hiệu văn bản", "string", OPEN),
                ItemSpec("loai_van_ban", "Loại văn bản", "string", OPEN),
                ItemSpec("trich_yeu", "Trích yếu", "string", OPEN),
                ItemSpec("co_quan_ban_hanh", "Cơ quan ban hành", "string", OPEN),
                ItemSpec("ngay_ban_hanh", "Ngày ban hành", "date", OPEN),
                ItemSpec("ngay_hieu_luc", "Ngày có hiệu lực", "date", OPEN),
                ItemSpec("tinh_trang_hieu_luc", "Tình trạng hiệu lực", "string", OPEN),
            ),
        ),
    ),
)

_PROCEDURES = DatabaseSpec(
    code="CSDL-TTHC-BKHCN",
    name="Cơ sở dữ liệu thủ tục hành chính và hồ sơ dịch vụ công của Bộ",
    owner=VPB,
    db_class=DatabaseClass.MINISTRY_SHARED,
    purpose=("Quản lý thủ tục hành chính, hồ sơ giải quyết thủ tục hành chính của Bộ; đồng bộ với Cổng Dịch vụ công quốc gia."),
    scope="Thủ tục hành chính thuộc thẩm quyền giải quyết của Bộ và các đơn vị trực thuộc.",
    content="Danh mục thủ tục hành chính; hồ sơ tiếp nhận, xử lý, trả kết quả; số liệu thống kê giải quyết hồ sơ.",
    legal_basis=(
        "Nghị định số 45/2020/NĐ-CP ngày 08/4/2020 về thực hiện thủ tục hành chính trên môi trường điện tử; "
        "Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 về thực hiện thủ tục hành chính theo cơ chế một cửa, "
        "một cửa liên thông; " + _DECREE_47 + " " + _PERSONAL
    ),
    source="Hồ sơ nộp trực tuyến qua Cổng Dịch vụ công và trực tiếp tại Bộ phận Một cửa của Bộ.",
    update_mechanism=("Cập nhật theo thời gian thực khi tiếp nhận, xử lý hồ sơ; đồng bộ trạng thái với Cổng Dịch vụ công quốc gia."),
    information_system="Hệ thống thông tin giải quyết thủ tục hành chính của Bộ",
    security_level=3,
    holds_personal_data=True,
    datasets=(
        DatasetSpec(
            name="Danh mục thủ tục hành chính của Bộ",
            description=("Thủ tục hành chính thuộc thẩm quyền giải quyết của Bộ, lĩnh vực, cấp thực hiện và thời hạn giải quyết."),
            topic="hanh-chinh",
            tags=("thủ tục hành chính", "dịch vụ công"),
            update_frequency="irregular",
            visibility=PUBLIC,
            license_id="cc-by-4.0",
            items=(
                ItemSpec("ma_thu_tuc", "Mã thủ tục", "string", OPEN),
                ItemSpec("ten_thu_tuc", "Tên thủ tục", "string", OPEN),
                ItemSpec("linh_vuc", "Lĩnh vực", "string", OPEN),
                ItemSpec("cap_thuc_hien", "Cấp thực hiện", "string", OPEN),
                ItemSpec("dich_vu_cong_toan_trinh", "Là dịch vụ công trực tuyến toàn trình", "boolean", OPEN),
                ItemSpec("thoi_han_giai_quyet", "Thời hạn giải quyết (ngày làm việc)", "integer", OPEN),
            ),
        ),
        DatasetSpec(
            name="Hồ sơ dịch vụ công trực tuyến",
            description="Hồ sơ thủ tục hành chính do tổ chức, cá nhân nộp trực tuyến và trạng thái xử lý.",
            topic="hanh-chinh",
            tags=("hồ sơ", "một cửa"),
            update_frequency="realtime",
            data_class=DataClass.IMPORTANT,
            items=(
                ItemSpec("ma_ho_so", "Mã hồ sơ", "string", SHARED),
                ItemSpec("ma_thu_tuc", "Mã thủ tục", "string", SHARED),
                ItemSpec("ten_nguoi_nop", "Tên người nộp", "string", REQUEST, is_personal=True),
                ItemSpec("so_cccd", "Số căn cước công dân", "string", CLOSED, is_personal=True),
                ItemSpec("so_dien_thoai", "Số điện thoại", "string", REQUEST, is_personal=True),
                ItemSpec("email", "Thư điện tử", "string", REQUEST, is_personal=True),
                ItemSpec("thoi_diem_tiep_nhan", "Thời điểm tiếp nhận", "datetime", SHARED),
                ItemSpec("trang_thai", "Trạng thái xử lý", "string", SHARED),
            ),
        ),
        DatasetSpec(
            name="Thống kê tình hình giải quyết thủ tục hành chính",
            description="Số hồ sơ tiếp nhận, giải quyết đúng hạn, quá hạn theo tháng và lĩnh vực.",
            topic="hanh-chinh",
            tags=("thống kê", "thủ tục hành chính"),
            update_frequency="monthly",
            items=(
                ItemSpec("ky_bao_cao", "Kỳ báo cáo (tháng/năm)", "string", SHARED),
                ItemSpec("linh_vuc", "Lĩnh vực", "string", SHARED),
                ItemSpec("so_ho_so_tiep_nhan", "Số hồ sơ tiếp nhận", "integer", SHARED),
                ItemSpec("so_ho_so_dung_han", "Số hồ sơ giải quyết đúng hạn", "integer", SHARED),
                ItemSpec("so_ho_so_qua_han", "Số hồ sơ quá hạn", "integer", SHARED),
                ItemSpec("ty_le_dung_han", "Tỷ lệ đúng hạn (%)", "number", SHARED),
            ),
        ),
    ),
)

_PERSONNEL = DatabaseSpec(
    code="CSDL-CBCCVC-BKHCN",
    name="Cơ sở dữ liệu cán bộ, công chức, viên chức của Bộ",
    owner=VU_TCCB,
    db_class=DatabaseClass.INTERNAL,
    purpose="Quản lý hồ sơ, biên chế, quá trình công tác của cán bộ, công chức, viên chức, người lao động của Bộ.",
    scope="Cán bộ, công chức, viên chức và người lao động tại các đơn vị trực thuộc Bộ.",
    content="Lý lịch, quá trình công tác, ngạch, chức danh, chức vụ; biên chế được giao và có mặt theo đơn vị.",
    legal_basis=("Luật Cán bộ, công chức; Luật Viên chức; Nghị định số 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân; " + _PERSONAL),
    source="Hồ sơ cán bộ do các đơn vị cập nhật; quyết định tuyển dụng, bổ nhiệm, điều động của Bộ.",
    update_mechanism="Đơn vị cập nhật trong 5 ngày làm việc kể từ khi có quyết định; báo cáo biên chế hằng năm.",
    information_system="Phần mềm quản lý hồ sơ cán bộ, công chức, viên chức",
    security_level=3,
    holds_personal_data=True,
    datasets=(
        DatasetSpec(
            name="Hồ sơ cán bộ, công chức, viên chức",
            description="Thông tin lý lịch và quá trình công tác của cán bộ, công chức, viên chức của Bộ.",
            topic="to-chuc-can-bo",
            tags=("hồ sơ cán bộ", "nhân sự"),
            update_frequency="monthly",
            data_class=DataClass.IMPORTANT,
            items=(
                ItemSpec("ma_can_bo", "Mã cán bộ", "string", REQUEST),
                ItemSpec("ho_ten", "Họ và tên", "string", REQUEST, is_personal=True),
                ItemSpec("ngay_sinh", "Ngày sinh", "date", CLOSED, is_personal=True),
                ItemSpec("so_cccd", "Số căn cước công dân", "string", CLOSED, is_personal=True),
                ItemSpec("don_vi_cong_tac", "Đơn vị công tác", "string", REQUEST),
                ItemSpec("chuc_vu", "Chức vụ", "string", REQUEST),
                ItemSpec("ngach_chuc_danh", "Ngạch, chức danh nghề nghiệp", "string", REQUEST),
                ItemSpec("email", "Thư điện tử công vụ", "string", REQUEST, is_personal=True),
            ),
        ),
        DatasetSpec(
            name="Biên chế và số lượng người làm việc theo đơn vị",
            description="Biên chế công chức, số lượng người làm việc được giao và có mặt tại từng đơn vị theo năm.",
            topic="to-chuc-can-bo",
            tags=("biên chế",),
            update_frequency="annual",
            items=(
                ItemSpec("ma_don_vi", "Mã định danh đơn vị", "string", SHARED),
                ItemSpec("ten_don_vi", "Tên đơn vị", "string", SHARED),
                ItemSpec("nam", "Năm", "integer", SHARED),
                ItemSpec("bien_che_duoc_giao", "Biên chế được giao", "integer", SHARED),
                ItemSpec("bien_che_co_mat", "Biên chế có mặt", "integer", SHARED),
                ItemSpec("hop_dong_lao_dong", "Số hợp đồng lao động", "integer", SHARED),
            ),
        ),
    ),
)

_FINANCE = DatabaseSpec(
    code="CSDL-KHTC-BKHCN",
    name="Cơ sở dữ liệu kế hoạch, tài chính và đầu tư công của Bộ",
    owner=VU_KHTC,
    db_class=DatabaseClass.MINISTRY_SHARED,
    purpose="Theo dõi dự toán, giải ngân ngân sách cho khoa học và công nghệ và các dự án đầu tư công của Bộ.",
    scope="Dự toán chi thường xuyên, chi đầu tư phát triển của Bộ và các đơn vị dự toán trực thuộc.",
    content="Dự toán giao, giải ngân theo đơn vị và nguồn; danh mục dự án đầu tư công, kế hoạch vốn, tỷ lệ giải ngân.",
    legal_basis="Luật Ngân sách nhà nước số 83/2015/QH13; Luật Đầu tư công số 58/2024/QH15; " + _DECREE_47,
    source="Quyết định giao dự toán; báo cáo giải ngân của đơn vị; số liệu Kho bạc Nhà nước.",
    update_mechanism="Cập nhật khi giao, điều chỉnh dự toán; số liệu giải ngân cập nhật hằng tháng.",
    information_system="Hệ thống quản lý kế hoạch, tài chính của Bộ",
    security_level=3,
    holds_personal_data=False,
    datasets=(
        DatasetSpec(
            name="Dự toán chi ngân sách nhà nước cho khoa học và công nghệ",
            description=("Dự toán chi sự nghiệp khoa học và công nghệ, chi đầu tư phát triển giao cho các đơn vị và tình hình giải ngân."),
            topic="tai-chinh",
            tags=("dự toán", "ngân sách"),
            update_frequency="monthly",
            data_class=DataClass.IMPORTANT,
            items=(
                ItemSpec("nam_ngan_sach", "Năm ngân sách", "integer", SHARED),
                ItemSpec("ma_don_vi", "Mã đơn vị dự toán", "string", SHARED),
                ItemSpec("ten_don_vi", "Tên đơn vị", "string", SHARED),
                ItemSpec("nguon_chi", "Nguồn chi", "string", SHARED),
                ItemSpec("du_toan_giao", "Dự toán giao (triệu đồng)", "number", REQUEST),
                ItemSpec("da_giai_ngan", "Đã giải ngân (triệu đồng)", "number", REQUEST),
            ),
        ),
        DatasetSpec(
            name="Danh mục dự án đầu tư công của Bộ",
            description=("Dự án đầu tư công do Bộ quản lý: chủ đầu tư, tổng mức đầu tư, kế hoạch vốn và tiến độ giải ngân."),
            topic="tai-chinh",
            tags=("đầu tư công", "dự án"),
            update_frequency="quarterly",
            items=(
                ItemSpec("ma_du_an", "Mã dự án", "string", SHARED),
                ItemSpec("ten_du_an", "Tên dự án", "string", SHARED),
                ItemSpec("chu_dau_tu", "Chủ đầu tư", "string", SHARED),
                ItemSpec("tong_muc_dau_tu", "Tổng mức đầu tư (triệu đồng)", "number", SHARED),
                ItemSpec("ke_hoach_von_nam", "Kế hoạch vốn năm (triệu đồng)", "number", SHARED),
                ItemSpec("ty_le_giai_ngan", "Tỷ lệ giải ngân (%)", "number", SHARED),
            ),
        ),
    ),
)

_REFERENCE = DatabaseSpec(
    code="CSDL-DMDC-BKHCN",
    name="Cơ sở dữ liệu danh mục dùng chung của Bộ",
    owner=TTCNTT,
    db_class=DatabaseClass.MINISTRY_SHARED,
    purpose="Thống nhất các danh mục, bảng mã dùng chung để các hệ thống thông tin của Bộ kết nối, chia sẻ dữ liệu.",
    scope="Danh mục đơn vị, bảng phân loại lĩnh vực KH&CN, danh mục hệ thống thông tin và cơ sở dữ liệu của Bộ.",
    content=("Mã định danh đơn vị; bảng phân loại lĩnh vực nghiên cứu; hệ thống thông tin, cấp độ an toàn, trạng thái kết nối."),
    legal_basis=(
        "Quyết định số 20/2020/QĐ-TTg ngày 22/7/2020 về mã định danh điện tử của các cơ quan, tổ chức; "
        "Quyết định số 12/2008/QĐ-BKHCN ngày 04/9/2008 ban hành các bảng phân loại thống kê khoa học và công nghệ; " + _DECREE_47
    ),
    source="Quyết định của Bộ trưởng về cơ cấu tổ chức; đăng ký của đơn vị chủ quản hệ thống thông tin.",
    update_mechanism=("Cập nhật khi có quyết định thay đổi; rà soát danh mục 6 tháng một lần cùng danh mục dữ liệu chia sẻ."),
    information_system="Nền tảng tích hợp, chia sẻ dữ liệu của Bộ (LGSP)",
    security_level=2,
    holds_personal_data=False,
    datasets=(
        DatasetSpec(
            name="Bảng phân loại lĩnh vực nghiên cứu khoa học và công nghệ",
            description=("Bảng mã lĩnh vực nghiên cứu khoa học và công nghệ dùng chung cho thống kê và quản lý nhiệm vụ."),
            topic="khcn",
            tags=("danh mục dùng chung", "phân loại"),
            update_frequency="irregular",
            data_class=DataClass.IMPORTANT,
            visibility=PUBLIC,
            license_id="cc0-1.0",
            items=(
                ItemSpec("ma_linh_vuc", "Mã lĩnh vực", "string", OPEN),
                ItemSpec("ten_linh_vuc", "Tên lĩnh vực", "string", OPEN),
                ItemSpec("cap", "Cấp phân loại", "integer", OPEN),
                ItemSpec("ma_linh_vuc_cha", "Mã lĩnh vực cấp trên", "string", OPEN),
            ),
        ),
        DatasetSpec(
            name="Danh mục đơn vị trực thuộc Bộ",
            description="Đơn vị trực thuộc Bộ và mã định danh điện tử theo Quyết định số 20/2020/QĐ-TTg.",
            topic="hanh-chinh",
            tags=("danh mục dùng chung", "mã định danh"),
            update_frequency="irregular",
            items=(
                ItemSpec("ma_dinh_danh", "Mã định danh điện tử", "string", SHARED),
                ItemSpec("ten_don_vi", "Tên đơn vị", "string", SHARED),
                ItemSpec("ten_viet_tat", "Tên viết tắt", "string", SHARED),
                ItemSpec("ma_don_vi_cap_tren", "Mã đơn vị cấp trên", "string", SHARED),
                ItemSpec("dia_chi", "Địa chỉ", "string", SHARED),
            ),
        ),
        DatasetSpec(
            name="Danh mục hệ thống thông tin và cơ sở dữ liệu của Bộ",
            description=("Hệ thống thông tin của Bộ, đơn vị chủ quản, cấp độ an toàn và trạng thái kết nối với nền tảng chia sẻ."),
            topic="hanh-chinh",
            tags=("hệ thống thông tin", "kết nối"),
            update_frequency="semiannual",
            items=(
                ItemSpec("ma_he_thong", "Mã hệ thống", "string", SHARED),
                ItemSpec("ten_he_thong", "Tên hệ thống", "string", SHARED),
                ItemSpec("don_vi_chu_quan", "Đơn vị chủ quản", "string", SHARED),
                ItemSpec("cap_do_an_toan", "Cấp độ an toàn hệ thống thông tin", "integer", REQUEST),
                ItemSpec("dia_chi_truy_cap", "Địa chỉ truy cập", "string", CLOSED, is_sensitive=True),
                ItemSpec("da_ket_noi_lgsp", "Đã kết nối nền tảng chia sẻ của Bộ", "boolean", SHARED),
            ),
        ),
    ),
)

MINISTRY_DATABASES: tuple[DatabaseSpec, ...] = (_LEGAL, _PROCEDURES, _PERSONNEL, _FINANCE, _REFERENCE)
