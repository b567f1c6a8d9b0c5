"""Demo key tasks: the source document's publishing tasks for the second half of 2023.

``data/tasks_2023S2.csv`` lists them as the document states them (sotttt.angiang.gov.vn,
30/6/2023; each row cites it). The document names no lead unit: the publishing sector's
state-management body, the Cục Xuất bản, In và Phát hành, is filled in. Deadlines are the
document's where it gives one (the Circular amending Circular 01/2020/TT-BTTTT: November
2023), otherwise the end of the period the tasks were set for (31/12/2023).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from chitieu.store.values import Store
from chitieu.workflow.tasks import KeyTasks


def tasks_file() -> Path:
    """The shipped CSV of the demo's key tasks."""
    return Path(str(resources.files("chitieu.demo") / "data" / "tasks_2023S2.csv"))


def load_demo_tasks(store: Store, created_by: str = "demo") -> int:
    """Store the demo's key tasks (re-loading updates them by code); the number of tasks."""
    res = KeyTasks(store).import_file(tasks_file(), by=created_by)
    return int(res["rows"])
