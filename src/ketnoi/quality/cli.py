"""`ketnoi quality run|import|export`: a dataset's rules from the command line, as the platform."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from ketnoi.kit.errors import DomainError
from ketnoi.quality import service
from ketnoi.quality.labels import DIMENSION_LABELS, OUTCOME_LABELS
from ketnoi.quality.models import QualityResult
from ketnoi.quality.runner import run_dataset


def run(console: Console, err: Console, dataset_id: uuid.UUID) -> bool:
    """Measure now and print each rule's result; False if the run could not be made."""
    try:
        with unit_of_work() as session:
            done = run_dataset(session, actor=system_actor(), dataset_id=dataset_id, trigger="manual")
            _, results = service.get_run(session, actor=system_actor(), run_id=done.id)
            console.print(_table(results))
            score = "—" if done.score is None else f"{done.score:g}"
            capped = " (giới hạn 69: có quy tắc nghiêm trọng không đạt)" if done.capped else ""
            console.print(f"Điểm chất lượng: {score}{capped}; bao phủ {len(done.covered)}/7; {done.row_count or 0:,} dòng.")
    except DomainError as error:
        err.print(f"[red]{error.message}[/red]")
        return False
    return True


def _table(results: list[QualityResult]) -> Table:
    table = Table("Quy tắc", "Khía cạnh", "Đã xét", "Không đạt", "Tỷ lệ đạt", "Kết quả", "Mẫu _id")
    for r in results:
        rate = "—" if r.conformance is None else f"{r.conformance:.2%}"
        table.add_row(
            r.rule_name,
            DIMENSION_LABELS.get(r.dimension, r.dimension),
            f"{r.evaluated:,}",
            f"{r.failed:,}",
            rate,
            OUTCOME_LABELS.get(r.outcome, r.outcome) + (f": {r.message}" if r.message else ""),
            " ".join(map(str, r.sample_ids[:5])),
        )
    return table


def import_rules(console: Console, err: Console, dataset_id: uuid.UUID, path: Path) -> bool:
    try:
        with unit_of_work() as session:
            created = service.import_yaml(session, actor=system_actor(), dataset_id=dataset_id, text=path.read_bytes())
    except DomainError as error:
        err.print(f"[red]{error.message}[/red]")
        return False
    console.print(f"Đã thay bằng {len(created)} quy tắc từ {path.name}.")
    return True


def export_rules(console: Console, err: Console, dataset_id: uuid.UUID) -> bool:
    try:
        with unit_of_work() as session:
            text = service.export_yaml(session, actor=system_actor(), dataset_id=dataset_id)
    except DomainError as error:
        err.print(f"[red]{error.message}[/red]")
        return False
    sys.stdout.write(text)  # as it is: the console would wrap long lines and break the YAML
    return True
