"""Errors of the reporting round: the error tree's classes (``chitieu.errors``), phrased from
``catalog/data/errors_workflow.yaml`` by code in Vietnamese and English, with the words of the
round (a state, an action, a round, a level) told in the reader's language and the details an
API answer carries (``details``: a report of findings, the current version, the conflicts)."""

from __future__ import annotations

from typing import Any

from chitieu.errors import ChitieuError, Conflict, Forbidden, Invalid, NotFound


class _Worded(ChitieuError):
    """A workflow error: phrased by code; ``details`` go into the API's error body."""

    def __init__(self, code: str, *, details: dict[str, Any] | None = None, **params: Any):
        self.details = dict(details or {})
        super().__init__(code=code, **params)

    def text(self, lang: str = "vi") -> tuple[str, str]:
        """Message and hint in ``lang``, the round's words in ``lang`` too."""
        from chitieu.catalog.messages import error_text
        from chitieu.workflow.words import localised

        return error_text(self.code, localised(self.params, lang), lang)

    @property
    def extra(self) -> dict[str, Any]:
        """The details for the API's error body."""
        return dict(self.details)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (code, parameters, details)."""
        import functools

        return (
            functools.partial(self.__class__, self.code, details=self.details, **self.params),
            (),
        )


class WorkflowForbidden(_Worded, Forbidden):
    """The account's role, its units or four eyes forbid the action (403, exit 1)."""


class WorkflowConflict(_Worded, Conflict):
    """The report's state or a newer change forbids it (409, exit 1)."""


class WorkflowInvalid(_Worded, Invalid):
    """The request is incomplete or has errors (422, exit 1)."""


class WorkflowNotFound(_Worded, NotFound):
    """No such round, account or report (404, exit 2)."""
