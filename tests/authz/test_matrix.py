"""Every role × every action × every resource kind, written out, checked against authz.allowed.

The table is the specification: changing a permission means changing a line here on purpose.
Columns: record in the actor's own unit / in another unit / another unit's record that is public.
"""

from __future__ import annotations

import uuid

import pytest

from ketnoi.authz import Action, Actor, Kind, Role, allowed

OWN, OTHER = uuid.uuid4(), uuid.uuid4()
ACTORS = {
    Role.ADMIN: Actor(role=Role.ADMIN, user_id=uuid.uuid4(), label="admin"),
    Role.STEWARD: Actor(role=Role.STEWARD, user_id=uuid.uuid4(), label="steward", unit_id=OWN, unit_scope=frozenset({OWN})),
    Role.LEADER: Actor(role=Role.LEADER, user_id=uuid.uuid4(), label="leader"),
    Role.PUBLIC: Actor(role=Role.PUBLIC),
}
Y, N = True, False
A, S, L, P = Role.ADMIN, Role.STEWARD, Role.LEADER, Role.PUBLIC
V, C, U, D = Action.VIEW, Action.CREATE, Action.UPDATE, Action.DELETE

# (kind, action): {role: (own unit, other unit, other unit but public record)}
MATRIX: dict[tuple[Kind, Action], dict[Role, tuple[bool, bool, bool]]] = {}


def _rows(kind: Kind, table: dict[Action, dict[Role, tuple[bool, bool, bool]]]) -> None:
    for action, by_role in table.items():
        MATRIX[(kind, action)] = by_role


ALL_YES = (Y, Y, Y)
NONE = (N, N, N)
PUBLIC_ONLY = (N, N, Y)
OWN_ONLY = (Y, N, N)

for unit_owned in (Kind.FOCAL_POINT, Kind.DATABASE, Kind.DATASET, Kind.RESOURCE, Kind.SERVICE):
    _rows(
        unit_owned,
        {
            V: {A: ALL_YES, S: ALL_YES, L: ALL_YES, P: PUBLIC_ONLY},
            C: {A: ALL_YES, S: OWN_ONLY, L: NONE, P: NONE},
            U: {A: ALL_YES, S: OWN_ONLY, L: NONE, P: NONE},
            D: {A: ALL_YES, S: OWN_ONLY, L: NONE, P: NONE},
        },
    )
_rows(
    Kind.ORGANIZATION,
    {
        V: {A: ALL_YES, S: ALL_YES, L: ALL_YES, P: PUBLIC_ONLY},
        C: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
        U: {A: ALL_YES, S: OWN_ONLY, L: NONE, P: NONE},
        D: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
    },
)
for staff_read in (Kind.AUDIT, Kind.JOB):
    _rows(
        staff_read,
        {
            V: {A: ALL_YES, S: ALL_YES, L: ALL_YES, P: NONE},
            C: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
            U: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
            D: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
        },
    )
for admin_only in (Kind.USER, Kind.CONSUMER):
    _rows(admin_only, {action: {A: ALL_YES, S: NONE, L: NONE, P: NONE} for action in Action})
_rows(
    Kind.CALENDAR,  # the working-day calendar is public; only the administrator sets it
    {
        V: {A: ALL_YES, S: ALL_YES, L: ALL_YES, P: PUBLIC_ONLY},
        C: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
        U: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
        D: {A: ALL_YES, S: NONE, L: NONE, P: NONE},
    },
)


def test_matrix_covers_every_kind_action_and_role() -> None:
    assert set(MATRIX) == {(k, a) for k in Kind for a in Action}
    assert all(set(row) == set(Role) for row in MATRIX.values())


@pytest.mark.parametrize(("kind", "action", "role"), [(k, a, r) for (k, a) in MATRIX for r in Role])
def test_role_action_kind(kind: Kind, action: Action, role: Role) -> None:
    actor = ACTORS[role]
    own, other, other_public = MATRIX[(kind, action)][role]
    owner_of_own = OWN if role is Role.STEWARD else OTHER
    assert allowed(actor, action, kind, owner_unit_id=owner_of_own) is own
    assert allowed(actor, action, kind, owner_unit_id=OTHER) is other
    assert allowed(actor, action, kind, owner_unit_id=OTHER, public=True) is other_public
