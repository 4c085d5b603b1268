"""The demo's example feedback goes through the services once, and gives the synthesis figures at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.feedback.demo import EXAMPLES, load_examples
from ketnoi.feedback.models import Feedback
from ketnoi.feedback.synthesis import Period, build
from tests import factories as f
from tests.feedback.conftest import World

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def test_examples_are_loaded_once_and_fill_the_last_half_year(db: Session, world: World) -> None:
    f.dataset(db, f.database(db, world.other_unit), "Nhiệm vụ khoa học và công nghệ", visibility="public")
    assert load_examples(db, now=NOW) == (len(EXAMPLES), 0)
    assert load_examples(db, now=NOW) == (0, len(EXAMPLES))
    assert db.scalar(select(func.count()).select_from(Feedback)) == len(EXAMPLES)
    s = build(db, actor=world.admin, period=Period.last_completed(NOW), now=NOW)
    assert s.total == len(EXAMPLES) and s.count(status="pending") == 2 and s.count(status="rejected") == 1
    assert [(r.feedback.votes, r.similar) for r in s.by_demand] == [(12, 1), (7, 0), (4, 0)]
    assert s.replied == 3 and s.errors_by_dataset[0][2] == 1
