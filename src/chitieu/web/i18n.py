"""Interface language: gettext catalogues (Babel) per request, Vietnamese by default."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
LOCALE_DIR = Path(__file__).parent / "locale"

_lang: ContextVar[str] = ContextVar("chitieu_lang", default=DEFAULT_LANG)


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (``locale/<lang>/LC_MESSAGES/messages.mo``)."""
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


def set_lang(lang: str) -> None:
    """Use ``lang`` for the rest of this request."""
    _lang.set(lang if lang in LANGS else DEFAULT_LANG)


def get_lang() -> str:
    """The language of the current request."""
    return _lang.get()


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return translations(get_lang()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural ``message`` in the current language."""
    return translations(get_lang()).ngettext(singular, plural, n)


_ = gettext


def pick_lang(cookie: str | None) -> str:
    """The language chosen by cookie, else Vietnamese (the ministry's language)."""
    if cookie in LANGS:
        return str(cookie)
    return DEFAULT_LANG


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


#: words pages show from data (roles, period types, kinds, timeliness), translated in templates
DATA_WORDS = (
    N_("admin"),
    N_("analyst"),
    N_("reporter"),
    N_("viewer"),
    N_("year"),
    N_("half"),
    N_("quarter"),
    N_("month"),
    N_("actual"),
    N_("estimate"),
    N_("plan"),
    N_("on_time"),
    N_("late"),
    N_("overdue"),
    N_("pending"),
    N_("partial"),
)
