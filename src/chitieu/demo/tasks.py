"""Demo key tasks: the source document's publishing tasks for the second half of 2023.

``data/tasks_2023S2.csv`` lists them as the document states them (sotttt.angiang.gov.vn,
30/6/2023; each row cites it). The document names no lead unit: the publishing sector's
state-management body, the Cục Xuất bản, In và Phát hành, is filled in. Deadlines are the
document's where it gives one (the Circular amending Circular 01/2020/TT-BTTTT: November
2023), otherwise the end of the period the tasks were set for (31/12/2023). Those are the
ministry's (``VN``). ``data/tasks_provinces.csv`` adds a province's own tasks (An Giang's
department, 2023S2 and 2026S2: tasks are per unit); they are illustrative and say so in their
source column.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from chitieu.store.values import Store
from chitieu.workflow.tasks import KeyTasks


def tasks_file() -> Path:
    """The shipped CSV of the demo's key tasks."""
    return Path(str(resources.files("chitieu.demo") / "data" / "tasks_2023S2.csv"))


def province_tasks_file() -> Path:
    """The shipped CSV of the demo's province tasks (illustrative)."""
    return Path(str(resources.files("chitieu.demo") / "data" / "tasks_provinces.csv"))


def load_demo_tasks(store: Store, created_by: str = "demo") -> int:
    """Store the demo's key tasks, the ministry's and a province's (re-loading updates them
    by code); the number of tasks."""
    tasks = KeyTasks(store)
    files = (tasks_file(), province_tasks_file())
    return sum(int(tasks.import_file(f, by=created_by)["rows"]) for f in files)
