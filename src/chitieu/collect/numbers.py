"""Read numbers typed by Vietnamese and English users ("1.614.206,5" vs "1,614,206.5")."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from functools import cache
from typing import Literal

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal

from chitieu.errors import NumberFormatError

Locale = Literal["vi", "en"]
LOCALES: tuple[Locale, ...] = ("vi", "en")
_NAMES = {"vi": "Vietnamese", "en": "English"}
_MAX_LEN = 100
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
_SPACE_GROUPED = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?")


#: what JSON, Python, spreadsheets and pyarrow write for NaN and the infinities
_NON_FINITE = re.compile(r"[-−+]?\s*(?:s?nan|inf|infinity|∞|#num!)", re.IGNORECASE)
#: the minus signs read as one: ASCII hyphen-minus and U+2212 MINUS SIGN (CLDR's minus for
#: some locales, what Word and typeset tables write); other dashes are not minus signs
MINUS_SIGNS = "-\u2212"


class NonFiniteNumberError(NumberFormatError):
    """NaN or an infinity, as a number (JSON ``NaN``, a float cell) or as text ("inf")."""

    non_finite = True


class AmbiguousNumberError(NumberFormatError):
    """A number whose reading depends on the locale (e.g. "1.234")."""

    ambiguous = True

    def __init__(self, message: str, hint: str, readings: dict[Locale, float]) -> None:
        super().__init__(message, hint)
        self.readings = readings


@dataclass(frozen=True)
class ParsedNumber:
    """A parsed value and the locale that decided it (None if unambiguous in both)."""

    value: float
    locale: Locale | None


@cache
def _symbols(locale: Locale) -> tuple[str, str]:
    """Return Babel's (group, decimal) symbols for a locale."""
    return get_group_symbol(locale), get_decimal_symbol(locale)


@cache
def _pattern(locale: Locale) -> re.Pattern[str]:
    """Return the regex of a well-grouped unsigned number in a locale."""
    group, dec = (re.escape(s) for s in _symbols(locale))
    integer = rf"(?:[1-9][0-9]{{0,2}}(?:{group}[0-9]{{3}})+|[0-9]+)"
    return re.compile(rf"(?:{integer}(?:{dec}[0-9]+)?|{dec}[0-9]+)")


def _convention(locale: Locale) -> str:
    """Describe a locale's separators, e.g. 'Vietnamese: "." groups thousands, ...'."""
    group, dec = _symbols(locale)
    return f'{_NAMES[locale]}: "{group}" groups thousands, "{dec}" marks decimals'


def _written(value: Decimal, locale: Locale) -> tuple[str, str]:
    """Return the plain and grouped ways to write a non-negative value in a locale."""
    integer, _, frac = f"{value:f}".partition(".")
    tail = get_decimal_symbol(locale) + frac if frac else ""
    return integer + tail, format_decimal(Decimal(integer), locale=locale) + tail


def _read(body: str, locale: Locale) -> Decimal | None:
    """Read an unsigned number in a locale, or None if it is not valid there."""
    if not _pattern(locale).fullmatch(body):
        return None
    try:
        return parse_decimal(body, locale=locale, strict=True)
    except (ValueError, InvalidOperation):
        return None


def _split(text: str) -> tuple[int, str, str]:
    """Split text into (sign, unsigned body without spaces, cleaned text)."""
    cleaned = _SPACES.sub(" ", text).strip()
    body = cleaned.removesuffix("%").rstrip()
    if not body:
        raise NumberFormatError(f'"{text}" is not a number', "write digits, e.g. 1614206")
    if body.startswith("(") and body.endswith(")"):
        inner = body[1:-1].strip()
        raise NumberFormatError(
            f'"{text}": parentheses are not read as a negative sign', f"write -{inner}"
        )
    if _NON_FINITE.fullmatch(body):
        raise NonFiniteNumberError(
            f'"{text}" is not a finite number', "write the figure in digits, e.g. 1614206"
        )
    sign = -1 if body[0] in MINUS_SIGNS else 1
    if body[0] in MINUS_SIGNS + "+":
        body = body[1:].lstrip()
    if " " in body:
        if not _SPACE_GROUPED.fullmatch(body) or body.startswith("0"):
            raise NumberFormatError(
                f'"{text}" is not a number', "spaces may only group thousands, e.g. 1 614 206"
            )
        body = body.replace(" ", "")
    return sign, body, cleaned


def _finish(text: str, sign: int, value: Decimal, locale: Locale | None) -> ParsedNumber:
    """Build the result, refusing values too large for a float."""
    result = sign * float(value)
    if not math.isfinite(result):
        raise NumberFormatError(f'"{text}" is too large', "check the number of digits")
    return ParsedNumber(result, locale)


def _plain(value: float) -> str:
    """Write a float without exponent or trailing zeros, e.g. 45405 or 1.234."""
    return f"{Decimal(repr(value)).normalize():f}"


def format_ambiguity(text: str, readings: dict[Locale, float]) -> str:
    """Say how to choose between the readings of an ambiguous text."""
    choices = []
    for loc in LOCALES:
        group, dec = _symbols(loc)
        role = "groups thousands" if group in text else "marks decimals"
        sep = group if group in text else dec
        choices.append(f'--locale {loc} if "{sep}" {role} ({text} = {_plain(readings[loc])})')
    return "pass " + ", or ".join(choices)


def _hint(sign: int, body: str, locale: Locale) -> str:
    """Suggest how to write an invalid text in a locale."""
    other: Locale = "en" if locale == "vi" else "vi"
    value = _read(body, other)
    if value is None and re.fullmatch("[0-9.,]+", body):
        dec = get_decimal_symbol(locale)
        integer, _, frac = body.rpartition(dec) if body.count(dec) == 1 else (body, "", "")
        digits, frac = re.sub("[^0-9]", "", integer), re.sub("[^0-9]", "", frac)
        value = Decimal(f"{digits}.{frac or 0}") if digits else None
    if value is None:
        plain, grouped = _written(Decimal(1614206), locale)
        return f"write digits, e.g. {plain} or {grouped} ({_convention(locale)})"
    minus = "-" if sign < 0 else ""
    plain, grouped = _written(value.normalize() if value % 1 else value.to_integral(), locale)
    both = plain if plain == grouped else f"{plain} or {minus}{grouped}"
    return f"write {minus}{both} ({_convention(locale)})"


def shown(value: int | float | Decimal) -> str:
    """A number as a short text that JSON can carry: "-5", "NaN", "-Infinity", "~1e400"."""
    if isinstance(value, int):
        digits = math.floor(math.log10(abs(value))) if value else 0
        return str(value) if digits < 20 else f"~{'-' if value < 0 else ''}1e{digits}"
    try:
        f = float(value)
    except (OverflowError, ValueError):  # Decimal beyond float, signalling NaN
        return str(value)[:24]
    if math.isnan(f):
        return "NaN"
    if math.isinf(f) and not isinstance(value, Decimal):
        return "-Infinity" if f < 0 else "Infinity"
    if math.isinf(f):
        return str(value)[:24]
    return _plain(f)


def finite(value: int | float | Decimal) -> float:
    """A number as a finite float; NaN, infinities and numbers beyond a float are refused.

    Booleans are not numbers here (JSON ``true`` is not 1).
    """
    if isinstance(value, bool):
        raise NumberFormatError(f"{value!r} is not a number", "enter a number")
    try:
        f = float(value)
    except (OverflowError, ValueError):  # a huge int or Decimal, a signalling NaN
        f = math.nan if isinstance(value, Decimal) and value.is_nan() else math.inf
    if not math.isfinite(f):
        raise NonFiniteNumberError(
            f"{shown(value)} is not a finite number", "write the figure in digits, e.g. 1614206"
        )
    return f


def parse_number(text: str | float | int, locale: Locale | None = None) -> ParsedNumber:
    """Parse a typed number in the given locale, or decide the locale from the text."""
    if isinstance(text, bool) or not isinstance(text, str | int | float | Decimal):
        raise NumberFormatError(f"{text!r} is not a number", "enter a number")
    if not isinstance(text, str):
        return ParsedNumber(finite(text), None)
    if len(text) > _MAX_LEN:
        raise NumberFormatError(f'"{text[:20]}…" is too long to be a number', "check the cell")
    # Babel checks and writes numbers in the decimal context: its default 28 digits made
    # "10.000.000.000.000.000.000.000.000" raise InvalidOperation instead of being read
    with localcontext() as ctx:
        ctx.prec = 2 * _MAX_LEN
        return _parse_text(text, locale)


def _parse_text(text: str, locale: Locale | None) -> ParsedNumber:
    sign, body, cleaned = _split(text)
    if locale is not None:
        value = _read(body, locale)
        if value is None:
            raise NumberFormatError(
                f'"{text}" is not a valid {_NAMES[locale]} number', _hint(sign, body, locale)
            )
        return _finish(text, sign, value, locale)
    vi, en = _read(body, "vi"), _read(body, "en")
    if vi is None and en is None:
        raise NumberFormatError(
            f'"{text}" is not a number',
            "write e.g. 1.614.206 or 8,66 (Vietnamese) or 1,614,206 or 8.66 (English)",
        )
    if vi is not None and en is not None and vi != en:
        readings: dict[Locale, float] = {"vi": sign * float(vi), "en": sign * float(en)}
        message = " or ".join(f"{_plain(readings[loc])} in {_NAMES[loc]}" for loc in LOCALES)
        raise AmbiguousNumberError(
            f'"{text}" is ambiguous: {message}', format_ambiguity(cleaned, readings), readings
        )
    if vi is None:
        return _finish(text, sign, en, "en")  # type: ignore[arg-type]
    return _finish(text, sign, vi, None if en is not None else "vi")


_UNDECIDED = "?"


@cache
def _quick_shapes() -> tuple[tuple[re.Pattern[str], Locale | None], ...]:
    """Texts with one mark and what :func:`parse_number` makes of them (see _quick_locale)."""
    out: list[tuple[re.Pattern[str], Locale | None]] = []
    for loc in LOCALES:
        dec = re.escape(_symbols(loc)[1])
        # the mark can only be a decimal mark: not 3 digits after it, or not 1-3 before it
        tail_not_3 = rf"[0-9]{{1,15}}{dec}(?:[0-9]{{1,2}}|[0-9]{{4,15}})"
        head_not_group = rf"(?:0[0-9]{{0,14}}|[0-9]{{4,15}}){dec}[0-9]{{3}}"
        out.append((re.compile(rf"-?(?:{tail_not_3}|{head_not_group})"), loc))
    out.append((re.compile(r"-?[1-9][0-9]{0,2}[.,][0-9]{3}"), None))  # both readings: ambiguous
    return tuple(out)


def _quick_locale(text: str) -> Locale | str | None:
    """The locale :func:`parse_number` gives a text with one mark ("12345,6"), quickly.

    None when the text is ambiguous ("1,234"); ``_UNDECIDED`` for other shapes. With one
    mark, the reading that takes it as the decimal mark is always valid; the other reading
    (as a thousands group) is valid only for 1-3 leading digits (no leading 0) and 3 after.
    """
    for pattern, locale in _quick_shapes():
        if pattern.fullmatch(text):
            return locale
    return _UNDECIDED


@cache
def plain_decimal(locale: Locale | None) -> re.Pattern[str] | None:
    """Plain numbers of a locale that ``float`` reads once the decimal mark is a point.

    Digits with an optional minus and decimal mark, no grouping: "12345,6" in Vietnamese,
    "12345.6" in English. They read the same through :func:`parse_number` (tested).
    """
    if locale is None:
        return None
    dec = re.escape(_symbols(locale)[1])
    return re.compile(rf"-?[0-9]{{1,15}}(?:{dec}[0-9]{{1,15}})?\Z")


def detect_locale(texts: Iterable[str]) -> Locale | None:
    """Return the locale implied by a file's numbers; raise if they conflict."""
    examples: dict[Locale, str] = {}
    for text in texts:
        quick = _quick_locale(text) if isinstance(text, str) else _UNDECIDED
        if quick != _UNDECIDED:
            found: Locale | None = quick  # type: ignore[assignment]
        else:
            try:
                found = parse_number(text).locale
            except NumberFormatError:
                continue
        if found is not None:
            examples.setdefault(found, str(text))
            if len(examples) == 2:
                break
    if len(examples) == 2:
        raise NumberFormatError(
            f'numbers mix Vietnamese ("{examples["vi"]}") and English ("{examples["en"]}") formats',
            "write all numbers one way, or pass --locale vi or --locale en",
        )
    return next(iter(examples), None)


@dataclass(frozen=True)
class Typed:
    """Numbers typed into a form, read independently of the interface language.

    ``values`` is what the row checker gets for each field: the text as typed, or, for a text
    ambiguous on its own ("45.405"), the reading that the post or the unit's habit decided (a
    float). ``decided`` is the format that the post itself decided (an explicit choice, or its
    unambiguous texts), to be remembered as the unit's habit; ``ambiguous`` the fields left
    undecided, with both readings (the checker refuses them: nothing ambiguous is stored).
    """

    values: dict[str, str | float]
    decided: Locale | None
    ambiguous: dict[str, dict[Locale, float]]


def _post_locale(texts: Iterable[str]) -> Locale | None:
    """The format a post's own texts decide (None: none decides, or they mix both)."""
    try:
        return detect_locale(texts)
    except NumberFormatError:
        return None


def resolve_typed(
    texts: dict[str, str], habit: Locale | None = None, chosen: Locale | None = None
) -> Typed:
    """Read typed numbers whatever the interface language: an unambiguous text is taken as it
    is ("1.614.206", "8,66", "1,614,206.5"); an ambiguous one ("45.405") by ``chosen`` (the
    reading the user picked), else by the format the other texts of the post decide, else by
    the unit's ``habit``; with none of them it stays undecided and is refused at its field."""
    decided = chosen or _post_locale(t for t in texts.values() if t and t.strip())
    locale = decided or habit
    values: dict[str, str | float] = {}
    ambiguous: dict[str, dict[Locale, float]] = {}
    for key, text in texts.items():
        values[key] = text
        if not text or not text.strip():
            continue
        try:
            parse_number(text)
        except AmbiguousNumberError as exc:
            if locale is None:
                ambiguous[key] = exc.readings
            else:
                values[key] = exc.readings[locale]
        except NumberFormatError:
            continue  # the checker says what is wrong with it
    return Typed(values, decided, ambiguous)
