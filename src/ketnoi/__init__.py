"""ketnoi: quản lý, kết nối và chia sẻ dữ liệu số (Nghị định 47/2020/NĐ-CP)."""

__version__ = "0.1.0"
