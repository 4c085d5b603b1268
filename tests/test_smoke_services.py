from sqlalchemy.orm import Session

from ketnoi.catalog import datasets
from ketnoi.identity import system_actor
from tests import factories as f


def test_dataset_search_ignores_diacritics(db: Session) -> None:
    owner = f.unit(db, "Trung tâm Công nghệ thông tin")
    base = f.database(db, owner, "Cơ sở dữ liệu quốc gia về khoa học và công nghệ")
    f.dataset(db, base, "Cơ sở dữ liệu nhiệm vụ khoa học")
    f.dataset(db, base, "Danh mục tổ chức")
    page = datasets.list_datasets(db, actor=system_actor(), filters=datasets.DatasetFilters(q="co so du lieu khoa hoc"))
    assert [d.name for d in page.items] == ["Cơ sở dữ liệu nhiệm vụ khoa học"]
