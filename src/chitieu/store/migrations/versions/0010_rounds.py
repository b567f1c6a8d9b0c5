"""The reporting round as a core service: a report per round, two approval levels, a thread.

- ``web_submission`` gets its ``round`` (part of its key: form, unit, period, round),
  ``returned_to`` (the level a returned report went back to), ``submitted_by`` and
  ``accepted_by`` (four eyes at each level). Existing reports are of their form's first round,
  as the code before meant (the shipped forms' first rounds; another form's from the kind of
  the values its saves wrote); ``submitted_by`` is the actor of its latest submission. A report
  the old code labelled "returned" after a reopen is "reopened"; one it made a draft again by
  a save after a return or reopen is returned (reopened) again, so its comment shows until it
  is submitted.
- ``web_submission_event`` gets ``level``: the approval level its actor acted at (approvals,
  returns and reopens at the ministry's; a save or submission at the ministry's when its
  actor is an analyst or administrator, else at the unit's).
- ``approval_setting``: administrators' overrides of a form's approval levels.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: the first round of each form shipped before this revision (and of their old codes)
FIRST_ROUNDS = {
    "TTTT-6T": "estimate",
    "SO_TTTT_HALF": "estimate",
    "TTTT-N": "actual",
    "SO_TTTT_YEAR": "actual",
    "TTTT-KH": "plan",
    "LV-6T": "estimate",
    "BO_LINHVUC_HALF": "estimate",
    "XB-N": "actual",
    "XBIPH_YEAR": "actual",
}
TRANSITIONS = ("submit", "approve", "return", "reopen")

sub = sa.table(
    "web_submission",
    sa.column("id", sa.Integer),
    sa.column("form", sa.String),
    sa.column("status", sa.String),
    sa.column("round", sa.String),
    sa.column("returned_to", sa.Integer),
    sa.column("submitted_by", sa.String),
)
event = sa.table(
    "web_submission_event",
    sa.column("id", sa.Integer),
    sa.column("submission_id", sa.Integer),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("batch_id", sa.Integer),
    sa.column("level", sa.Integer),
)
obs = sa.table("observation", sa.column("batch_id", sa.Integer), sa.column("kind", sa.String))
account = sa.table("web_account", sa.column("username", sa.String), sa.column("role", sa.String))


def _latest(*actions: str) -> sa.ScalarSelect:
    """The newest of a report's events among ``actions`` (its action)."""
    return (
        sa.select(event.c.action)
        .where(event.c.submission_id == sub.c.id, event.c.action.in_(actions))
        .order_by(event.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _fill_rounds() -> None:
    first = sa.case(FIRST_ROUNDS, value=sub.c.form, else_=None)
    op.execute(sub.update().values(round=first))
    written = (
        sa.select(obs.c.kind)
        .join(event, event.c.batch_id == obs.c.batch_id)
        .where(event.c.submission_id == sub.c.id)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(sub.update().where(sub.c.round.is_(None)).values(round=written))
    op.execute(sub.update().where(sub.c.round.is_(None)).values(round="actual"))


def _fill_states() -> None:
    last = _latest(*TRANSITIONS)
    op.execute(
        sub.update()
        .where(sub.c.status.in_(("returned", "draft")), last == "reopen")
        .values(status="reopened", returned_to=0)
    )
    op.execute(
        sub.update()
        .where(sub.c.status.in_(("returned", "draft")), last == "return")
        .values(status="returned", returned_to=0)
    )
    submitter = (
        sa.select(event.c.actor)
        .where(event.c.submission_id == sub.c.id, event.c.action == "submit")
        .order_by(event.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    op.execute(sub.update().values(submitted_by=submitter))


def _fill_levels() -> None:
    role = sa.select(account.c.role).where(account.c.username == event.c.actor).scalar_subquery()
    level = sa.case(
        (event.c.action.in_(("approve", "return", "reopen")), 2),
        (role.in_(("admin", "analyst")), 2),
        else_=0,
    )
    op.execute(event.update().values(level=level))


def _key_with_round() -> None:
    with op.batch_alter_table("web_submission") as batch:
        batch.alter_column("round", existing_type=sa.String(16), nullable=False)
        batch.drop_constraint("uq_web_submission_form_unit_period", type_="unique")
        batch.create_unique_constraint(
            "uq_web_submission_form_unit_period_round", ["form", "unit", "period", "round"]
        )


EVENT_COLUMNS = (
    "id, submission_id, at, actor, action, from_status, to_status, batch_id, comment, level"
)


@contextmanager
def _events_set_aside() -> Iterator[None]:
    """On SQLite, a table is changed by building a new one and dropping the old: the events'
    table, which refers to the reports, is copied aside, dropped and made again around it (with
    its foreign key and index), every row kept."""
    op.execute(f"CREATE TABLE _event_0010 AS SELECT {EVENT_COLUMNS} FROM web_submission_event")
    op.drop_index("ix_web_submission_event_submission_id", "web_submission_event")
    op.drop_table("web_submission_event")
    yield
    op.create_table(
        "web_submission_event",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("submission_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("batch_id", BigId),
        sa.Column("comment", sa.Text),
        sa.Column("level", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_web_submission_event"),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["web_submission.id"],
            name="fk_web_submission_event_submission_id_web_submission",
        ),
    )
    op.execute(
        f"INSERT INTO web_submission_event ({EVENT_COLUMNS}) "
        f"SELECT {EVENT_COLUMNS} FROM _event_0010 ORDER BY id"
    )
    op.drop_table("_event_0010")
    op.create_index(
        "ix_web_submission_event_submission_id", "web_submission_event", ["submission_id"]
    )


def upgrade() -> None:
    with op.batch_alter_table("web_submission") as batch:
        batch.add_column(sa.Column("round", sa.String(16), nullable=True))
        batch.add_column(sa.Column("returned_to", sa.Integer, nullable=True))
        batch.add_column(sa.Column("submitted_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("accepted_by", sa.String(128), nullable=True))
    with op.batch_alter_table("web_submission_event") as batch:
        batch.add_column(sa.Column("level", sa.Integer, nullable=True))
    _fill_rounds()
    _fill_states()
    _fill_levels()
    if op.get_bind().dialect.name == "sqlite":
        with _events_set_aside():  # SQLite rebuilds the table its events refer to
            _key_with_round()
    else:
        _key_with_round()
    op.create_table(
        "approval_setting",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("levels", sa.Integer),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("comment", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_approval_setting"),
    )
    op.create_index("ix_approval_setting_form", "approval_setting", ["form"])


def downgrade() -> None:
    op.drop_index("ix_approval_setting_form", "approval_setting")
    op.drop_table("approval_setting")
    aside = _events_set_aside() if op.get_bind().dialect.name == "sqlite" else nullcontext()
    with aside, op.batch_alter_table("web_submission") as batch:
        batch.drop_constraint("uq_web_submission_form_unit_period_round", type_="unique")
        batch.create_unique_constraint(
            "uq_web_submission_form_unit_period", ["form", "unit", "period"]
        )
        for name in ("accepted_by", "submitted_by", "returned_to", "round"):
            batch.drop_column(name)
    with op.batch_alter_table("web_submission_event") as batch:
        batch.drop_column("level")
