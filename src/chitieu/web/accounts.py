"""The web's names for the accounts of the core (``chitieu.workflow.accounts``: records,
passwords, tokens; ``chitieu.workflow.roles``: what each role may do). Sign-in and sessions are
``web/sessions.py`` and ``web/routes/auth.py``; this module only re-exports."""

from __future__ import annotations

from chitieu.workflow.accounts import ACCOUNT_TTL, AccountError, Accounts, token_hash
from chitieu.workflow.roles import Account

__all__ = ["ACCOUNT_TTL", "Account", "AccountError", "Accounts", "token_hash"]
