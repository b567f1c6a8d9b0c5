"""Key tasks of a review ("nhiệm vụ trọng tâm"): unit, lead unit, deadline, status, progress.

``task`` holds each task's current state; ``task_event`` every change (who, when, what), so a
report can say what was done and when. Stored statuses are ``catalog.vocabulary.TaskStatus``;
``overdue`` is never stored: it is computed against the report date (not done and past the
deadline, ``workflow/tasks.py``). The statements on these tables are ``store/tasks.py``'.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, Text

from chitieu.store.schema import BigId, metadata

task = Table(
    "task",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),  # stable key for re-imports
    Column("period", String(16), nullable=False),  # the period the task is due in (2023S2)
    # the reporting unit whose task it is (migration 0016): VN, the ministry's; a province's
    Column("unit", String(16), nullable=False, default="VN", server_default="VN"),
    Column("title", Text, nullable=False),
    Column("lead_unit", String(256), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("sector", String(32)),  # an indicator group (publishing, telecom, …)
    Column("status", String(16), nullable=False),
    Column("progress", Text),
    Column("completed_on", Date),
    Column("source", Text),
    Column("position", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(128), nullable=False),
)

task_event = Table(
    "task_event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("task_id", BigId, ForeignKey("task.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("by", String(128), nullable=False),
    Column("action", String(16), nullable=False),  # import | update
    Column("status", String(16)),
    Column("progress", Text),
    Column("completed_on", Date),
)
