"""Shared databases of the sector (CSDL dùng chung của ngành) and one internal database of a sub-unit."""

from __future__ import annotations

from ketnoi.catalog.models import DatabaseClass, DatabaseStatus, DataClass, Visibility
from ketnoi.demo.data_org import CUC_ATBXHN, CUC_PTTTDN, CUC_SHTT, UB_TCDLCL, VIEN_TCCL
from ketnoi.demo.specs import CLOSED, OPEN, REQUEST, SHARED, DatabaseSpec, DatasetSpec, ItemSpec

PUBLIC = Visibility.PUBLIC
_DECREE_47 = "Nghị định số 47/2020/NĐ-CP ngày 09/4/2020; Luật Dữ liệu số 60/2024/QH15."

_INDUSTRIAL_PROPERTY = DatabaseSpec(
    code="CSDL-SHCN",
    name="Cơ sở dữ liệu sở hữu công nghiệp",
    owner=CUC_SHTT,
    db_class=DatabaseClass.SECTOR_SHARED,
    purpose=("Quản lý quá trình xác lập quyền sở hữu công nghiệp; tra cứu thông tin sở hữu công nghiệp cho tổ chức, cá nhân."),
    scope="Đơn đăng ký và văn bằng bảo hộ sáng chế, kiểu dáng công nghiệp, nhãn hiệu, chỉ dẫn địa lý tại Việt Nam.",
    content="Thư mục đơn, thông tin văn bằng bảo hộ, chủ đơn, tác giả, phân loại quốc tế, tình trạng pháp lý.",
    legal_basis=(
        "Luật Sở hữu trí tuệ số 50/2005/QH11, sửa đổi, bổ sung bởi Luật số 36/2009/QH12, Luật số 42/2019/QH14 và "
        "Luật số 07/2022/QH15; Nghị định số 65/2023/NĐ-CP ngày 23/8/2023; " + _DECREE_47
    ),
    source=("Đơn nộp trực tiếp, qua bưu điện và qua Cổng dịch vụ công trực tuyến của Cục Sở hữu trí tuệ; đơn quốc tế qua WIPO."),
    update_mechanism=("Cập nhật hằng ngày khi tiếp nhận, xử lý đơn; công bố trên Công báo sở hữu công nghiệp hằng tháng."),
    information_system="Hệ thống quản trị đơn sở hữu công nghiệp (IPAS); Thư viện số về sở hữu công nghiệp",
    security_level=3,
    holds_personal_data=True,
    datasets=(
        DatasetSpec(
            name="Đơn đăng ký sáng chế đã công bố",
            description=("Thư mục các đơn đăng ký sáng chế, giải pháp hữu ích đã được công bố trên Công báo sở hữu công nghiệp."),
            topic="so-huu-tri-tue",
            tags=("sáng chế", "công báo shcn"),
            update_frequency="monthly",
            data_class=DataClass.IMPORTANT,
            visibility=PUBLIC,
            license_id="vn-open-data",
            items=(
                ItemSpec("so_don", "Số đơn", "string", OPEN),
                ItemSpec("ngay_nop_don", "Ngày nộp đơn", "date", OPEN),
                ItemSpec("ten_sang_che", "Tên sáng chế", "string", OPEN),
                ItemSpec("phan_loai_ipc", "Phân loại sáng chế quốc tế (IPC)", "string", OPEN),
                ItemSpec("chu_don", "Chủ đơn", "string", SHARED, is_personal=True),
                ItemSpec("tac_gia", "Tác giả sáng chế", "string", SHARED, is_personal=True),
                ItemSpec("tinh_trang", "Tình trạng đơn", "string", OPEN),
            ),
        ),
        DatasetSpec(
            name="Văn bằng bảo hộ nhãn hiệu",
            description=("Giấy chứng nhận đăng ký nhãn hiệu đã cấp và còn hiệu lực, kèm nhóm sản phẩm, dịch vụ theo Bảng phân loại Nice."),
            topic="so-huu-tri-tue",
            tags=("nhãn hiệu", "văn bằng bảo hộ"),
            update_frequency="monthly",
            visibility=PUBLIC,
            license_id="vn-open-data",
            items=(
                ItemSpec("so_van_bang", "Số văn bằng", "string", OPEN),
                ItemSpec("nhan_hieu", "Nhãn hiệu", "string", OPEN),
                ItemSpec("chu_van_bang", "Chủ văn bằng", "string", SHARED, is_personal=True),
                ItemSpec("nhom_nice", "Nhóm sản phẩm, dịch vụ (Nice)", "string", OPEN),
                ItemSpec("ngay_cap", "Ngày cấp", "date", OPEN),
                ItemSpec("ngay_het_han", "Ngày hết hạn", "date", OPEN),
            ),
        ),
    ),
)

_STANDARDS = DatabaseSpec(
    code="CSDL-TCDLCL",
    name="Cơ sở dữ liệu tiêu chuẩn, đo lường, chất lượng",
    owner=UB_TCDLCL,
    db_class=DatabaseClass.SECTOR_SHARED,
    purpose="Cung cấp thông tin về tiêu chuẩn quốc gia, quy chuẩn kỹ thuật quốc gia và hoạt động đánh giá sự phù hợp.",
    scope="Hệ thống TCVN, QCVN; tổ chức đánh giá sự phù hợp; doanh nghiệp sử dụng mã số, mã vạch.",
    content=("Danh mục TCVN, QCVN còn hiệu lực; tổ chức thử nghiệm, giám định, kiểm định, chứng nhận; mã doanh nghiệp GS1."),
    legal_basis=(
        "Luật Tiêu chuẩn và Quy chuẩn kỹ thuật số 68/2006/QH11; Luật Chất lượng sản phẩm, hàng hóa số 05/2007/QH12; "
        "Luật Đo lường số 04/2011/QH13; Nghị định số 107/2016/NĐ-CP; " + _DECREE_47
    ),
    source="Quyết định công bố TCVN; văn bản ban hành QCVN của các bộ; hồ sơ đăng ký của tổ chức, doanh nghiệp.",
    update_mechanism="Cập nhật khi có quyết định công bố, ban hành hoặc cấp mới; rà soát toàn bộ danh mục hằng năm.",
    information_system="Cổng thông tin Tiêu chuẩn - Đo lường - Chất lượng; Hệ thống quản lý mã số mã vạch",
    security_level=2,
    holds_personal_data=True,
    datasets=(
        DatasetSpec(
            name="Danh mục tiêu chuẩn quốc gia (TCVN)",
            description=("Tiêu chuẩn quốc gia đã công bố, kèm quyết định công bố, ban kỹ thuật biên soạn và tình trạng hiệu lực."),
            topic="tieu-chuan-do-luong",
            tags=("tcvn", "tiêu chuẩn"),
            update_frequency="monthly",
            visibility=PUBLIC,
            license_id="cc-by-4.0",
            items=(
                ItemSpec("so_hieu", "Số hiệu tiêu chuẩn", "string", OPEN),
                ItemSpec("ten_tieu_chuan", "Tên tiêu chuẩn", "string", OPEN),
                ItemSpec("nam_cong_bo", "Năm công bố", "integer", OPEN),
                ItemSpec("quyet_dinh_cong_bo", "Quyết định công bố", "string", OPEN),
                ItemSpec("ban_ky_thuat", "Ban kỹ thuật tiêu chuẩn quốc gia", "string", OPEN),
                ItemSpec("con_hieu_luc", "Còn hiệu lực", "boolean", OPEN),
            ),
        ),
        DatasetSpec(
            name="Danh mục quy chuẩn kỹ thuật quốc gia (QCVN)",
            description="Quy chuẩn kỹ thuật quốc gia do các bộ, cơ quan ngang bộ ban hành, đã được Ủy ban thẩm định.",
            topic="tieu-chuan-do-luong",
            tags=("qcvn", "quy chuẩn kỹ thuật"),
            update_frequency="monthly",
            data_class=DataClass.IMPORTANT,
            visibility=PUBLIC,
            license_id="cc-by-4.0",
            items=(
                ItemSpec("so_hieu", "Số hiệu quy chuẩn", "string", OPEN),
                ItemSpec("ten_quy_chuan", "Tên quy chuẩn", "string", OPEN),
                ItemSpec("co_quan_ban_hanh", "Cơ quan ban hành", "string", OPEN),
                ItemSpec("van_ban_ban_hanh", "Văn bản ban hành", "string", OPEN),
                ItemSpec("ngay_hieu_luc", "Ngày có hiệu lực", "date", OPEN),
            ),
        ),
        DatasetSpec(
            name="Doanh nghiệp sử dụng mã số, mã vạch",
            description="Doanh nghiệp được cấp mã doanh nghiệp GS1 Việt Nam, người liên hệ và thời hạn sử dụng mã.",
            topic="tieu-chuan-do-luong",
            tags=("mã số mã vạch", "gs1"),
            update_frequency="weekly",
            items=(
                ItemSpec("ma_doanh_nghiep_gs1", "Mã doanh nghiệp GS1", "string", SHARED),
                ItemSpec("ten_doanh_nghiep", "Tên doanh nghiệp", "string", SHARED),
                ItemSpec("ma_so_thue", "Mã số thuế", "string", SHARED),
                ItemSpec("nguoi_lien_he", "Người liên hệ", "string", REQUEST, is_personal=True),
                ItemSpec("so_dien_thoai", "Số điện thoại người liên hệ", "string", REQUEST, is_personal=True),
                ItemSpec("email", "Thư điện tử người liên hệ", "string", REQUEST, is_personal=True),
                ItemSpec("ngay_cap", "Ngày cấp mã", "date", SHARED),
            ),
        ),
    ),
)

_TESTING = DatabaseSpec(
    code="CSDL-VSQI-TN",
    name="Cơ sở dữ liệu kết quả thử nghiệm và chứng nhận sản phẩm",
    owner=VIEN_TCCL,
    db_class=DatabaseClass.INTERNAL,
    purpose="Quản lý mẫu, kết quả thử nghiệm và giấy chứng nhận hợp chuẩn, hợp quy do Viện cấp.",
    scope="Hoạt động thử nghiệm, chứng nhận của Viện Tiêu chuẩn Chất lượng Việt Nam.",
    content="Mẫu thử nghiệm, chỉ tiêu, kết quả; giấy chứng nhận sản phẩm phù hợp tiêu chuẩn, quy chuẩn.",
    legal_basis="Luật Chất lượng sản phẩm, hàng hóa số 05/2007/QH12; Nghị định số 107/2016/NĐ-CP; " + _DECREE_47,
    source="Phiếu yêu cầu thử nghiệm của khách hàng; kết quả của các phòng thử nghiệm thuộc Viện.",
    update_mechanism="Cập nhật hằng ngày trên phần mềm quản lý phòng thử nghiệm.",
    information_system="Phần mềm quản lý phòng thử nghiệm (LIMS)",
    security_level=2,
    holds_personal_data=False,
    datasets=(
        DatasetSpec(
            name="Kết quả thử nghiệm mẫu sản phẩm",
            description="Kết quả thử nghiệm mẫu sản phẩm, hàng hóa theo yêu cầu của tổ chức, doanh nghiệp.",
            topic="tieu-chuan-do-luong",
            tags=("thử nghiệm", "phòng thí nghiệm"),
            update_frequency="daily",
            items=(
                ItemSpec("ma_mau", "Mã mẫu", "string", REQUEST),
                ItemSpec("ten_san_pham", "Tên sản phẩm", "string", REQUEST),
                ItemSpec("khach_hang", "Tổ chức yêu cầu thử nghiệm", "string", CLOSED),
                ItemSpec("chi_tieu_thu_nghiem", "Chỉ tiêu thử nghiệm", "string", REQUEST),
                ItemSpec("ket_qua", "Kết quả", "string", REQUEST),
                ItemSpec("ngay_tra_ket_qua", "Ngày trả kết quả", "date", REQUEST),
            ),
        ),
    ),
)

_RADIATION = DatabaseSpec(
    code="CSDL-ATBXHN",
    name="Cơ sở dữ liệu an toàn bức xạ và nguồn phóng xạ",
    owner=CUC_ATBXHN,
    db_class=DatabaseClass.SECTOR_SHARED,
    purpose="Quản lý cơ sở bức xạ, nguồn phóng xạ và nhân viên bức xạ phục vụ cấp phép, thanh tra và ứng phó sự cố.",
    scope="Toàn quốc: cơ sở tiến hành công việc bức xạ, nguồn phóng xạ kín, nhân viên bức xạ.",
    content=("Giấy phép tiến hành công việc bức xạ; nguồn phóng xạ theo nhóm an ninh; chứng chỉ và liều chiếu xạ cá nhân."),
    legal_basis=(
        "Luật Năng lượng nguyên tử số 18/2008/QH12; Nghị định số 142/2020/NĐ-CP ngày 09/12/2020 về tiến hành công việc "
        "bức xạ; Nghị định số 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân; " + _DECREE_47
    ),
    source="Hồ sơ cấp phép; báo cáo định kỳ của cơ sở bức xạ; kết quả thanh tra; Sở Khoa học và Công nghệ các tỉnh.",
    update_mechanism="Cập nhật khi cấp, gia hạn, thu hồi giấy phép; đối soát vị trí nguồn phóng xạ hằng quý.",
    information_system="Hệ thống cấp phép và quản lý nguồn phóng xạ",
    security_level=4,
    holds_personal_data=True,
    datasets=(
        DatasetSpec(
            name="Cơ sở bức xạ được cấp giấy phép",
            description="Cơ sở tiến hành công việc bức xạ được cấp giấy phép, loại công việc và thời hạn giấy phép.",
            topic="nang-luong-nguyen-tu",
            tags=("giấy phép", "cơ sở bức xạ"),
            update_frequency="weekly",
            data_class=DataClass.IMPORTANT,
            items=(
                ItemSpec("so_giay_phep", "Số giấy phép", "string", SHARED),
                ItemSpec("ten_co_so", "Tên cơ sở", "string", SHARED),
                ItemSpec("tinh_thanh", "Tỉnh, thành phố", "string", SHARED),
                ItemSpec("loai_cong_viec", "Loại công việc bức xạ", "string", SHARED),
                ItemSpec("ngay_cap", "Ngày cấp", "date", SHARED),
                ItemSpec("ngay_het_han", "Ngày hết hạn", "date", SHARED),
            ),
        ),
        DatasetSpec(
            name="Nguồn phóng xạ kín",
            description="Nguồn phóng xạ kín đang sử dụng, lưu giữ: đồng vị, hoạt độ, nhóm an ninh và cơ sở quản lý.",
            topic="nang-luong-nguyen-tu",
            tags=("nguồn phóng xạ", "an ninh nguồn"),
            update_frequency="quarterly",
            data_class=DataClass.CORE,
            items=(
                ItemSpec("ma_nguon", "Mã nguồn", "string", REQUEST),
                ItemSpec("dong_vi", "Đồng vị phóng xạ", "string", REQUEST),
                ItemSpec("hoat_do_ban_dau", "Hoạt độ ban đầu (GBq)", "number", REQUEST),
                ItemSpec("nhom_an_ninh", "Nhóm an ninh nguồn (A, B, C)", "string", REQUEST),
                ItemSpec("vi_tri_luu_giu", "Vị trí lưu giữ", "string", CLOSED, is_sensitive=True),
                ItemSpec("so_giay_phep", "Số giấy phép của cơ sở quản lý", "string", REQUEST),
            ),
        ),
        DatasetSpec(
            name="Nhân viên bức xạ và liều chiếu xạ cá nhân",
            description="Nhân viên bức xạ, chứng chỉ và kết quả đo liều chiếu xạ cá nhân hằng năm.",
            topic="nang-luong-nguyen-tu",
            tags=("nhân viên bức xạ", "liều chiếu xạ"),
            update_frequency="quarterly",
            data_class=DataClass.IMPORTANT,
            items=(
                ItemSpec("ma_nhan_vien", "Mã nhân viên bức xạ", "string", REQUEST),
                ItemSpec("ho_ten", "Họ và tên", "string", REQUEST, is_personal=True),
                ItemSpec("so_cccd", "Số căn cước công dân", "string", CLOSED, is_personal=True),
                ItemSpec("so_chung_chi", "Số chứng chỉ nhân viên bức xạ", "string", REQUEST),
                ItemSpec(
                    "lieu_chieu_xa_nam",
                    "Liều chiếu xạ cá nhân trong năm (mSv)",
                    "number",
                    CLOSED,
                    is_personal=True,
                    is_sensitive=True,
                ),
                ItemSpec("so_giay_phep", "Số giấy phép của cơ sở", "string", REQUEST),
            ),
        ),
    ),
)

_TECH_MARKET = DatabaseSpec(
    code="CSDL-DNKHCN",
    name="Cơ sở dữ liệu doanh nghiệp khoa học và công nghệ và thị trường công nghệ",
    owner=CUC_PTTTDN,
    db_class=DatabaseClass.SECTOR_SHARED,
    purpose="Theo dõi doanh nghiệp khoa học và công nghệ, kết nối cung - cầu công nghệ trên thị trường.",
    scope="Doanh nghiệp KH&CN được cấp giấy chứng nhận; nhu cầu, nguồn cung công nghệ của doanh nghiệp.",
    content="Giấy chứng nhận doanh nghiệp KH&CN; sản phẩm từ kết quả KH&CN; nhu cầu đổi mới công nghệ.",
    legal_basis=(
        "Nghị định số 13/2019/NĐ-CP ngày 01/02/2019 về doanh nghiệp khoa học và công nghệ; Luật Chuyển giao công nghệ "
        "số 07/2017/QH14; " + _DECREE_47
    ),
    source="Hồ sơ chứng nhận doanh nghiệp KH&CN (Cục và các Sở KH&CN); phiếu khảo sát nhu cầu công nghệ.",
    update_mechanism="Cập nhật khi cấp, thu hồi giấy chứng nhận; khảo sát nhu cầu công nghệ 6 tháng một lần.",
    information_system="Sàn giao dịch công nghệ trực tuyến (Techmart)",
    security_level=2,
    holds_personal_data=True,
    status=DatabaseStatus.BUILDING,
    datasets=(
        DatasetSpec(
            name="Doanh nghiệp khoa học và công nghệ được cấp giấy chứng nhận",
            description="Danh sách doanh nghiệp được cấp giấy chứng nhận doanh nghiệp khoa học và công nghệ.",
            topic="doi-moi-sang-tao",
            tags=("doanh nghiệp kh&cn", "giấy chứng nhận"),
            update_frequency="monthly",
            visibility=PUBLIC,
            license_id="cc-by-4.0",
            items=(
                ItemSpec("so_giay_chung_nhan", "Số giấy chứng nhận", "string", OPEN),
                ItemSpec("ten_doanh_nghiep", "Tên doanh nghiệp", "string", OPEN),
                ItemSpec("ma_so_thue", "Mã số thuế", "string", OPEN),
                ItemSpec("tinh_thanh", "Tỉnh, thành phố", "string", OPEN),
                ItemSpec("linh_vuc", "Lĩnh vực công nghệ", "string", OPEN),
                ItemSpec("nguoi_dai_dien", "Người đại diện theo pháp luật", "string", SHARED, is_personal=True),
                ItemSpec("ngay_cap", "Ngày cấp", "date", OPEN),
            ),
        ),
        DatasetSpec(
            name="Nhu cầu công nghệ của doanh nghiệp",
            description="Nhu cầu đổi mới, chuyển giao công nghệ do doanh nghiệp đăng ký để kết nối với nguồn cung.",
            topic="doi-moi-sang-tao",
            tags=("nhu cầu công nghệ", "techmart"),
            update_frequency="semiannual",
            items=(
                ItemSpec("ma_nhu_cau", "Mã nhu cầu", "string", SHARED),
                ItemSpec("ten_doanh_nghiep", "Doanh nghiệp", "string", SHARED),
                ItemSpec("mo_ta_nhu_cau", "Mô tả nhu cầu công nghệ", "string", SHARED),
                ItemSpec("linh_vuc", "Lĩnh vực", "string", SHARED),
                ItemSpec("nguoi_lien_he", "Người liên hệ", "string", REQUEST, is_personal=True),
                ItemSpec("so_dien_thoai", "Số điện thoại", "string", REQUEST, is_personal=True),
                ItemSpec("email", "Thư điện tử", "string", REQUEST, is_personal=True),
            ),
        ),
    ),
)

SECTOR_DATABASES: tuple[DatabaseSpec, ...] = (_INDUSTRIAL_PROPERTY, _STANDARDS, _TESTING, _RADIATION, _TECH_MARKET)
