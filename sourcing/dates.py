"""Dates as people type them: the GOV.UK date input pattern, in one parser and one form mixin.

The GOV.UK Design System's date input (components/date-input, "Error messages") asks for a
day, a month and a year in three fields, and says how to answer what people type:

- months as numbers ("4", "04") or names, in full or abbreviated ("April", "apr", "Apr.",
  "sept"); days may carry an ordinal ("1st"); full-width digits count as digits;
- nothing entered: "Enter [the date]", the date as a whole highlighted;
- a part missing: "[The date] must include a [day/month/year]" (or "a day and month"), only
  the missing parts highlighted;
- a year without 4 numbers: "[The date] must include a year of 4 numbers" (naming which date,
  where a form has two), the year highlighted;
- a part that cannot be right (day 32, month 13): "[The date] must be a real date", that part
  highlighted (the whole date when more than one part is wrong, or when the parts cannot
  go together, like 30 February);
- a date on the wrong side of today: "must be in the past", "must be today or in the past",
  "must be in the future", "must be today or in the future", the whole date highlighted.

Only the first of these problems is reported, in that order of priority. The error summary
links to the first highlighted field. `parse_date_parts` is the parser (no Django);
`DateInputsMixin` adds the three fields per date to a Django form and reports each date's
problem in one round with the form's other errors; templates/includes/date_input.html renders
it (only the wrong parts highlighted).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal

from django import forms
from django.db.models import Q
from django.utils import timezone

from sourcing.field_errors import GovukForm

PARTS: Final[tuple[str, ...]] = ("day", "month", "year")
PART_MAX: Final[int] = 20  # characters in one part: anything longer is not a day/month/year
MONTHS: Final[dict[str, int]] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_DAY = re.compile(r"^([0-9]{1,2})(?:st|nd|rd|th)?$", re.ASCII)
_NUMBER = re.compile(r"^[0-9]+$", re.ASCII)

MustBe = Literal["past", "today_or_past", "future", "today_or_future"]
_WHEN: Final[dict[str, str]] = {
    "past": "must be in the past",
    "today_or_past": "must be today or in the past",
    "future": "must be in the future",
    "today_or_future": "must be today or in the future",
}


@dataclass(frozen=True)
class DateAnswer:
    """A date as typed: its value, or the GOV.UK message and the parts to highlight."""

    value: date | None = None
    message: str = ""
    wrong: tuple[str, ...] = ()  # "day", "month", "year": every part when the whole date is


def _clean(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower()


def _capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


def _day(text: str) -> int | None:
    match = _DAY.match(text)
    number = int(match.group(1)) if match else 0
    return number if 1 <= number <= 31 else None


def _month(text: str) -> int | None:
    if _NUMBER.match(text) and len(text) <= 2:
        number = int(text)
        return number if 1 <= number <= 12 else None
    return MONTHS.get(text.rstrip("."))


def parse_date_parts(
    day: Any,
    month: Any,
    year: Any,
    *,
    label: str,
    required: bool = False,
    must_be: MustBe | None = None,
    today: date | None = None,
) -> DateAnswer:
    """A date from the three parts people typed, or the GOV.UK message for the first problem.

    `label` names the date as the messages need it ("the start date", "Review-by date"): it
    starts the messages capitalised and follows "Enter" as given. Not `required`: nothing
    entered is no date and no error. `must_be` checks the date against `today` (default: the
    date today).
    """
    texts = {"day": _clean(day), "month": _clean(month), "year": _clean(year)}
    subject = _capitalised(label)
    if not any(texts.values()):
        if required:
            return DateAnswer(message=f"Enter {label}", wrong=PARTS)
        return DateAnswer()
    missing = tuple(p for p in PARTS if not texts[p])
    if missing:
        return DateAnswer(
            message=f"{subject} must include a {' and '.join(missing)}", wrong=missing
        )
    if any(len(t) > PART_MAX for t in texts.values()):
        return DateAnswer(message=f"{subject} must be a real date", wrong=PARTS)
    year_text = texts["year"]
    if _NUMBER.match(year_text) and len(year_text) != 4:
        return DateAnswer(message=f"{subject} must include a year of 4 numbers", wrong=("year",))
    numbers = {
        "day": _day(texts["day"]),
        "month": _month(texts["month"]),
        "year": int(year_text) if _NUMBER.match(year_text) else None,
    }
    unreadable = tuple(p for p in PARTS if numbers[p] is None)
    day, month, year = numbers["day"], numbers["month"], numbers["year"]
    if unreadable or day is None or month is None or year is None:
        wrong = unreadable if len(unreadable) == 1 else PARTS
        return DateAnswer(message=f"{subject} must be a real date", wrong=wrong)
    try:
        value = date(year, month, day)
    except ValueError:  # a day the month does not have, or year 0000
        return DateAnswer(message=f"{subject} must be a real date", wrong=PARTS)
    if must_be is not None:
        now = today or date.today()
        ok = {
            "past": value < now,
            "today_or_past": value <= now,
            "future": value > now,
            "today_or_future": value >= now,
        }[must_be]
        if not ok:
            return DateAnswer(message=f"{subject} {_WHEN[must_be]}", wrong=PARTS)
    return DateAnswer(value=value)


_SEPARATORS = re.compile(r"[\s/.,-]+")


def parse_date_text(text: str, *, label: str) -> DateAnswer:
    """A date written on one line ("27 3 2027", "27/03/2027", "27 March 2027", "2027-03-27"),
    through the same parser as the three-field input."""
    parts = [p for p in _SEPARATORS.split(_clean(text)) if p]
    if len(parts) == 3 and len(parts[0]) == 4 and _NUMBER.match(parts[0]):
        parts = [parts[2], parts[1], parts[0]]  # ISO 8601: year first
    if len(parts) != 3:
        return DateAnswer(message=f"{_capitalised(label)} must be a real date", wrong=PARTS)
    return parse_date_parts(*parts, label=label, required=True)


@dataclass(frozen=True)
class DateSpec:
    """How a form asks for one date: the label its messages use, whether it must be given,
    and which side of today it must fall."""

    label: str
    required: bool = False
    must_be: MustBe | None = None


@dataclass
class DateInput:
    """One date of a bound form, for templates/includes/date_input.html."""

    prefix: str
    fields: dict[str, forms.BoundField]
    error: str = ""
    wrong: tuple[str, ...] = field(default=())

    @property
    def parts(self) -> list[dict[str, Any]]:
        """Day, month and year: name, label, bound field, width class, whether highlighted."""
        widths = {"day": "2", "month": "2", "year": "4"}
        return [
            {
                "name": part,
                "label": part.capitalize(),
                "field": self.fields[part],
                "width": f"govuk-input--width-{widths[part]}",
                "wrong": part in self.wrong,
            }
            for part in PARTS
        ]


class DateInputsMixin(GovukForm):
    """Adds a GOV.UK date input (<prefix>_day, _month, _year) for each date in DATES, parsed
    by parse_date_parts when the form is cleaned; each date's problem is reported with the
    form's other errors, on its first wrong part (so the error summary links there)."""

    DATES: dict[str, DateSpec] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for prefix in self.DATES:
            for part in PARTS:
                # The ids the include gives the inputs, so the error summary links to them.
                widget = forms.TextInput(attrs={"id": f"{prefix}-{part}"})
                self.fields[f"{prefix}_{part}"] = forms.CharField(
                    required=False, strip=False, widget=widget
                )
        self.dates: dict[str, date | None] = {}
        self.date_answers: dict[str, DateAnswer] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for prefix, spec in self.DATES.items():
            answer = parse_date_parts(
                *(self.data.get(self.add_prefix(f"{prefix}_{part}"), "") for part in PARTS),
                label=spec.label,
                required=spec.required,
                must_be=spec.must_be,
            )
            self.date_answers[prefix] = answer
            self.dates[prefix] = answer.value
            if answer.message:
                self.add_error(f"{prefix}_{answer.wrong[0]}", answer.message)
        return cleaned

    def date_error(self, prefix: str, message: str) -> None:
        """Report a problem with a whole date found later (e.g. by a service)."""
        self.date_answers[prefix] = DateAnswer(message=message, wrong=PARTS)
        self.add_error(f"{prefix}_day", message)

    def date_input(self, prefix: str) -> DateInput:
        """One date for the include: its bound fields, its message and the parts to highlight."""
        answer = self.date_answers.get(prefix, DateAnswer())
        return DateInput(
            prefix=prefix,
            fields={part: self[f"{prefix}_{part}"] for part in PARTS},
            error=answer.message,
            wrong=answer.wrong,
        )


def day_start(day: date) -> datetime:
    """The moment `day` starts in the service's time zone (settings.TIME_ZONE, Europe/London:
    midnight GMT in winter, 23:00 UTC the evening before in British Summer Time), aware."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def days_q(field: str, *, since: date | None = None, until: date | None = None) -> Q:
    """The rows whose moment `field` falls on the days from `since` to `until` (inclusive,
    either open), as days in the service's time zone (Europe/London): the one reading of the
    Centre of Excellence reports' "decided from/to" (sourcing.forms.ReportFilterForm,
    sourcing.api_schemas.ReportFilters, the dashboard's period), so all reports agree."""
    q = Q()
    if since:
        q &= Q(**{f"{field}__gte": day_start(since)})
    if until and until < date.max:  # nothing happens after the last day there is
        q &= Q(**{f"{field}__lt": day_start(until + timedelta(days=1))})
    return q
