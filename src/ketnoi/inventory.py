"""The inventory at a glance: the counts the dashboard shows, and /api/v1/stats returns.

One function for both, so the page and the API cannot disagree. Every count is of what the actor
may see: an anonymous visitor counts public datasets only and is not told about internal databases.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog import codelists, databases, datasets
from ketnoi.catalog.models import DatabaseClass, Visibility
from ketnoi.org import service as org


@dataclass(frozen=True)
class Summary:
    organizations: int
    databases_by_class: dict[DatabaseClass, int]  # every class the actor may see, in the code list's order, zeros included
    datasets: int
    public_datasets: int

    @property
    def databases(self) -> int:
        return sum(self.databases_by_class.values())


def summary(session: Session, *, actor: Actor) -> Summary:
    by_class = databases.count_by_class(session, actor=actor)
    # Internal databases are not public: an anonymous visitor is not shown that class at all.
    classes = [k for k in codelists.DATABASE_CLASSES if actor.is_authenticated or k != DatabaseClass.INTERNAL]
    return Summary(
        organizations=org.count_organizations(session),
        databases_by_class={k: by_class.get(k, 0) for k in classes},
        datasets=datasets.count_datasets(session, actor=actor, filters=datasets.DatasetFilters()),
        public_datasets=datasets.count_datasets(session, actor=actor, filters=datasets.DatasetFilters(visibility=Visibility.PUBLIC)),
    )
