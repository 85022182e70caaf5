"""The Centre of Excellence dashboard (issue 20, item 4): decisions by option, department and
financial quarter; the override rate; returns per case; the time from submission to decision
(median and 90th percentile, in days); reviews due and overdue. Every figure is counted by the
database in a constant number of queries, whatever the number of decisions, on PostgreSQL and
on the embedded SQLite alike (window functions, no percentile_cont).

Definitions (the page, its CSV files and `GET /api/v1/dashboard` say the same):

- **A decision** is a decision record: a Centre of Excellence approval or rejection of a case.
  A case decided again (reopened, then decided) has a record each time, and each counts in the
  quarter it was made, superseded or not. A rejection counts under "Rejected", not an option.
- **The period** is the day of the decision (`decided_at` in the service's time zone,
  Europe/London); quarters are the financial year's, as the quarterly Public Interest Test
  return has them (decisions.records.public_interest.FinancialQuarter: "2026-Q1" is April to
  June 2026).
- **An override** is an approval whose decided option differs from the option the assessment
  recommended (the record's `overridden` column, which verification checks against the hashed
  content). The override rate is overrides over approvals, a whole percentage.
- **Returns per case**: for each decision, the returns of its case to the department
  (status changes to "returned") since the case's previous decision, if any, up to this one;
  their sum over the decisions, divided by the number of decisions (two decimals).
- **Time from submission to decision**, in days (fractional; 86,400 seconds a day): from the
  case's first submission to the Centre of Excellence after its previous decision (the first
  status change to "submitted" in that episode; a reopened decision's episode starts at the
  reopening) to the decision's `decided_at`, so it includes any time with the department after
  a return. Decisions with no submission in their episode (none through the service) are left
  out. Median and 90th percentile interpolate between the two nearest decisions, as
  PostgreSQL's percentile_cont does.
- **Reviews due and overdue** are those of the due-for-review list as it stands today
  (decisions.review.selectors.due_for_review: current approvals whose review-by date, or a
  contract's break point or end, is within DUE_WITHIN_DAYS days, or that the latest replay
  flags, and that have no outcome review: a recorded outcome review is the review,
  decisions.records.outcomes.awaiting_outcome_review); overdue when that date has passed.
  The period does not apply to them; the department does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear
from django.utils import timezone

from decisions.engine import OPTIONS
from decisions.records.models import DecisionAction, DecisionRecord, DecisionRecordQuerySet
from decisions.records.public_interest import (
    QUARTER_HINT,
    FinancialQuarter,
    quarter_of,
    quarter_parse,
)
from decisions.review.selectors import DUE_WITHIN_DAYS, due_dates
from sourcing.charts import Bar, bar_chart, percent
from sourcing.compiled_sql import compiled
from sourcing.dates import days_q
from sourcing.models import CaseStatus, CaseStatusChange, Department
from sourcing.questionnaire import OPTION_LABELS

REJECTED = "rejected"
OUTCOMES = (*OPTIONS, REJECTED)  # the columns of "decisions by option"
OUTCOME_LABELS = {**{o: OPTION_LABELS.get(o, o) for o in OPTIONS}, REJECTED: "Rejected"}
PERCENTILES = (50, 90)
SECONDS_A_DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ALL = "All departments"


# Filters ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The decisions a dashboard counts: one department (its code; "" for all), and the days
    of the decisions (inclusive; None for no bound)."""

    department: str = ""
    since: date | None = None
    until: date | None = None


def period_problems(
    *, quarter: str = "", since: date | None = None, until: date | None = None
) -> tuple[Period, dict[str, list[str]]]:
    """The period of a financial quarter ("2026-Q1") or of two days, and every problem by
    field (`quarter`, `until`): a key that is not a quarter, a quarter given with days, an
    end before the start. The department is checked by the caller (page: a choice; API:
    department_problems)."""
    errors: dict[str, list[str]] = {}
    if quarter.strip():
        try:
            found = quarter_parse(quarter)
        except ValueError:
            errors["quarter"] = [QUARTER_HINT]
        else:
            if since or until:
                errors["quarter"] = ["Choose a quarter or enter dates, not both"]
            else:
                since, until = found.first_day, found.last_day
    if since and until and until < since:
        errors["until"] = ["Decided to must be the same as or after decided from"]
    return Period(since=since, until=until), errors


def department_problems(code: str) -> dict[str, list[str]]:
    """A department's code that names no department (one query); nothing for ""."""
    if code and not Department.objects.filter(code=code).exists():
        return {"department": ["Department must be the code of a department"]}
    return {}


# Figures ----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one group of decisions (all, a quarter or a department)."""

    decisions: int = 0
    approved: int = 0
    overrides: int = 0
    returns: int = 0
    by_outcome: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    timed: int = 0  # decisions with a submission in their episode
    median_days: float | None = None
    p90_days: float | None = None

    @property
    def rejected(self) -> int:
        return self.by_outcome[REJECTED]

    @property
    def override_rate(self) -> int:
        """Overrides over approvals, a whole percentage (0 without approvals)."""
        return percent(self.overrides, self.approved)

    @property
    def returns_per_case(self) -> float:
        """Returns over decisions, to two decimals (0 without decisions)."""
        if not self.decisions:
            return 0.0
        return round(self.returns / self.decisions, 2)

    def add(self, outcome: str, overridden: bool, count: int, returns: int) -> None:
        self.decisions += count
        self.by_outcome[outcome] += count
        self.returns += returns
        if outcome != REJECTED:
            self.approved += count
            self.overrides += count if overridden else 0


@dataclass
class Dashboard:
    """Every figure of the dashboard: all decisions of the period, each quarter from the first
    to the last with decisions (quarters without any included, at zero), each department with
    decisions (by name), and the reviews due and overdue today by department."""

    period: Period
    today: date
    total: Figures
    quarters: list[tuple[FinancialQuarter, Figures]]
    departments: list[tuple[str, str, Figures]]  # code, name, figures
    reviews: list[tuple[str, str, int, int]]  # code, name, due, overdue

    @property
    def reviews_due(self) -> int:
        return sum(r[2] for r in self.reviews)

    @property
    def reviews_overdue(self) -> int:
        return sum(r[3] for r in self.reviews)


def of_calendar(year: int, quarter: int) -> FinancialQuarter:
    """The financial quarter of a calendar quarter (as SQL's EXTRACT(QUARTER) gives it, 1 is
    January to March): calendar Q1 of 2027 is Q4 of 2026 to 2027."""
    return FinancialQuarter(year - 1, 4) if quarter == 1 else FinancialQuarter(year, quarter - 1)


def quarters_between(first: FinancialQuarter, last: FinancialQuarter) -> list[FinancialQuarter]:
    """Every quarter from `first` to `last`, both included."""
    found = [first]
    while found[-1] < last:
        found.append(found[-1].next())
    return found


def recent_quarters(today: date, count: int) -> list[FinancialQuarter]:
    """The quarter of `today` and the `count - 1` before it, latest first."""
    found = [quarter_of(today)]
    while len(found) < count:
        found.append(found[-1].previous())
    return found


def quarter_label(quarter: FinancialQuarter) -> str:
    """ "Q1 2026 to 2027"."""
    return f"Q{quarter.number} {quarter.financial_year}"


def quarter_short(quarter: FinancialQuarter) -> str:
    """Where room is short (chart labels): "Q1 2026-27"."""
    return f"Q{quarter.number} {quarter.year}-{(quarter.year + 1) % 100:02d}"


def period_records(period: Period) -> DecisionRecordQuerySet:
    """The decision records of the period, without their content."""
    records = DecisionRecord.objects.defer("content").order_by()
    if period.department:
        records = records.filter(department__code=period.department)
    return records.filter(days_q("decided_at", since=period.since, until=period.until))


def _episode(status: str) -> Any:
    """The case's status changes to `status` since its previous decision, up to this one."""
    return CaseStatusChange.objects.filter(
        case=OuterRef("case"),
        to_status=status,
        at__lte=OuterRef("decided_at"),
        at__gt=Coalesce(
            OuterRef("supersedes__decided_at"), Value(_EPOCH, output_field=DateTimeField())
        ),
    ).order_by()


def _returns() -> Any:
    counted = _episode(CaseStatus.RETURNED).values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _submitted() -> Any:
    return Subquery(_episode(CaseStatus.SUBMITTED).order_by("at").values("at")[:1])


def _counts(period: Period) -> list[dict[str, Any]]:
    """Decisions and returns grouped by department, calendar year and quarter, action,
    decided option and override (one query; its SQL compiled once per process and period)."""
    return compiled(("coe-dashboard-counts", period), lambda: _counts_query(period)).dicts()


def _counts_query(period: Period) -> Any:
    return (
        period_records(period)
        .annotate(
            year=ExtractYear("decided_at"),
            calendar_quarter=ExtractQuarter("decided_at"),
            case_returns=_returns(),
        )
        .values(
            "department__code",
            "department__name",
            "year",
            "calendar_quarter",
            "action",
            "decided_option",
            "overridden",
        )
        .annotate(n=Count("pk"), returned=Sum("case_returns"))
        .order_by()
    )


# Partitions of the percentiles: name -> the inner query's columns they are over.
PARTITIONS = {"all": "", "quarter": "year, calendar_quarter", "department": "department_code"}


def _percentile_rows(period: Period) -> list[dict[str, Any]]:
    """The decisions at or beside the median's and the 90th percentile's positions, overall,
    in each quarter and in each department: each with its waiting time and its place and count
    in each partition (one query; at most four rows a partition).

    The ORM writes the decisions' waiting times (a subquery and the database's date
    arithmetic); the windows rank them in a materialised common table expression around that
    SQL, so each time is worked out once, not once per window (on SQLite that was 4 s at
    10,000 decisions). A row is kept when its place is within one of a percentile's position,
    (count - 1) * share / 100, in whole hundredths so both databases agree. The ORM's SQL is
    compiled once per process and period (sourcing.compiled_sql)."""
    timed = compiled(("coe-dashboard-timed", period), lambda: _timed_query(period))
    with connection.cursor() as cursor:
        cursor.execute(_percentile_sql(timed.sql), timed.params)
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        # PostgreSQL answers an interval; SQLite, Django's difference in microseconds.
        if not isinstance(row["waited"], timedelta):
            row["waited"] = timedelta(microseconds=int(row["waited"]))
    return rows


def _timed_query(period: Period) -> Any:
    """The period's decisions with a submission in their episode: id, waiting time, calendar
    year and quarter, department code."""
    return (
        period_records(period)
        .annotate(submitted_at=_submitted())
        .filter(submitted_at__isnull=False)
        .annotate(
            record_id=F("pk"),
            waited=ExpressionWrapper(F("decided_at") - F("submitted_at"), DurationField()),
            year=ExtractYear("decided_at"),
            calendar_quarter=ExtractQuarter("decided_at"),
            department_code=F("department__code"),
        )
        .values("record_id", "waited", "year", "calendar_quarter", "department_code")
    )


@lru_cache(maxsize=64)  # a text per shape of the period (department, since, until given)
def _percentile_sql(inner: str) -> str:
    """The ranking and the rows kept around the timed decisions' SQL (constants only)."""
    windows = []
    for name, partition in PARTITIONS.items():
        over = f"PARTITION BY {partition} " if partition else ""
        windows.append(f"ROW_NUMBER() OVER ({over}ORDER BY waited, record_id) AS rank_{name}")
        windows.append(f"COUNT(*) OVER ({over}) AS count_{name}")
    near = " OR ".join(
        f"ABS(100 * (rank_{name} - 1) - {share} * (count_{name} - 1)) < 100"
        for name in PARTITIONS
        for share in PERCENTILES
    )
    # Only our constants and the ORM's own SQL go into the text; every value is a parameter.
    return (
        f"WITH timed AS MATERIALIZED ({inner}), "  # noqa: S608
        f"ranked AS (SELECT timed.*, {', '.join(windows)} FROM timed) "
        f"SELECT * FROM ranked WHERE {near}"
    )


def _days(waited: timedelta) -> Fraction:
    return Fraction(round(waited.total_seconds() * 1_000_000), SECONDS_A_DAY * 1_000_000)


def percentile_cont(at_place: dict[int, Fraction], count: int, share: int) -> float | None:
    """The `share` percentile of `count` sorted values given those at the places (1-based)
    around its position, interpolated as percentile_cont does; days to one decimal."""
    if count == 0:
        return None
    position = Fraction(share * (count - 1), 100)
    low = position.numerator // position.denominator
    high = low if position == low else low + 1
    lower, upper = at_place[low + 1], at_place[high + 1]
    value = lower + (upper - lower) * (position - low)
    return round(float(value), 1)


def _timing(rows: list[dict[str, Any]]) -> dict[tuple[str, Any], tuple[int, dict[int, Fraction]]]:
    """Per partition (kind, key): its count and the waiting days at the places returned."""
    found: dict[tuple[str, Any], tuple[int, dict[int, Fraction]]] = {}
    for row in rows:
        keys = {
            "all": None,
            "quarter": (row["year"], row["calendar_quarter"]),
            "department": row["department_code"],
        }
        for name, key in keys.items():
            _, places = found.setdefault((name, key), (row[f"count_{name}"], {}))
            places[row[f"rank_{name}"]] = _days(row["waited"])
    return found


def _timed(figures: Figures, timing: tuple[int, dict[int, Fraction]] | None) -> None:
    if timing is None:
        return
    count, places = timing
    figures.timed = count
    figures.median_days = percentile_cont(places, count, 50)
    figures.p90_days = percentile_cont(places, count, 90)


def dashboard(period: Period, *, today: date | None = None) -> Dashboard:
    """Every figure of the dashboard for the period (see the module's definitions), in a
    constant number of queries: the counts (1), the percentiles (1) and the reviews due
    (the due-for-review list's own: the latest replay, contracts, the records)."""
    today = today or timezone.localdate()
    total = Figures()
    quarters: dict[FinancialQuarter, Figures] = defaultdict(Figures)
    departments: dict[str, tuple[str, Figures]] = {}
    for row in _counts(period):
        outcome = REJECTED if row["action"] == DecisionAction.REJECT else row["decided_option"]
        if outcome not in total.by_outcome:
            continue  # an option no longer offered: not on the dashboard
        args = (outcome, bool(row["overridden"]), row["n"], int(row["returned"] or 0))
        total.add(*args)
        quarters[of_calendar(row["year"], row["calendar_quarter"])].add(*args)
        code = row["department__code"]
        departments.setdefault(code, (row["department__name"], Figures()))[1].add(*args)

    timing = _timing(_percentile_rows(period))
    _timed(total, timing.get(("all", None)))
    for key, (count, places) in timing.items():
        if key[0] == "quarter":
            _timed(quarters[of_calendar(*key[1])], (count, places))
        elif key[0] == "department" and key[1] in departments:
            _timed(departments[key[1]][1], (count, places))

    shown = quarters_between(min(quarters), max(quarters)) if quarters else []
    reviews: dict[str, list[Any]] = {}
    for code, name, due in due_dates(today=today, department=period.department):
        counts = reviews.setdefault(code, [name, 0, 0])
        counts[2 if due < today else 1] += 1
    return Dashboard(
        period=period,
        today=today,
        total=total,
        quarters=[(q, quarters.get(q) or Figures()) for q in shown],
        departments=sorted(
            ((code, name, f) for code, (name, f) in departments.items()), key=lambda r: r[1]
        ),
        reviews=sorted(((c, n, d, o) for c, (n, d, o) in reviews.items()), key=lambda r: r[1]),
    )


# Charts, tables and CSV --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a chart's data table: its CSV name, its heading on the page, numeric."""

    name: str
    heading: str
    numeric: bool = True


@dataclass(frozen=True)
class Panel:
    """One chart with its data table (the same figures) and its CSV download."""

    key: str
    heading: str
    chart: dict[str, Any]
    caption: str
    columns: tuple[Column, ...]
    rows: list[list[tuple[Any, str]]]  # each cell: (the CSV's value, the page's words)

    def csv_rows(self) -> list[list[Any]]:
        return [[value for value, _ in row] for row in self.rows]


def _days_text(days: float | None) -> str:
    return "none" if days is None else f"{days:,.1f} days"


def _days_cell(days: float | None) -> tuple[Any, str]:
    return ("" if days is None else f"{days:.1f}", "none" if days is None else f"{days:,.1f}")


def _n(value: int) -> tuple[int, str]:
    return value, f"{value:,}"


def _quarters_panel(board: Dashboard) -> Panel:
    rows = [(q, f) for q, f in board.quarters]
    busiest = max(rows, key=lambda r: r[1].decisions, default=None)
    return Panel(
        key="quarters",
        heading="Decisions by quarter",
        chart=bar_chart(
            key="quarters",
            title="Decisions by financial quarter",
            summary=(
                f"{board.total.decisions:,} decisions in {len(rows)} quarters; the most, "
                f"{busiest[1].decisions:,}, in {quarter_label(busiest[0])}."
                if busiest
                else "No decisions in this period."
            ),
            rows=[Bar(quarter_short(q), f.decisions, f"{f.decisions:,}") for q, f in rows],
        ),
        caption="Decisions by financial quarter and option",
        columns=(
            Column("quarter", "Quarter", numeric=False),
            *(Column(o, OUTCOME_LABELS[o]) for o in OUTCOMES),
            Column("decisions", "All decisions"),
        ),
        rows=[
            [
                (q.code, quarter_label(q)),
                *(_n(f.by_outcome[o]) for o in OUTCOMES),
                _n(f.decisions),
            ]
            for q, f in rows
        ],
    )


def _options_panel(board: Dashboard) -> Panel:
    total = board.total
    return Panel(
        key="options",
        heading="Decisions by option",
        chart=bar_chart(
            key="options",
            title="Decisions by option decided",
            summary=(
                "; ".join(f"{OUTCOME_LABELS[o]} {total.by_outcome[o]:,}" for o in OUTCOMES) + "."
            ),
            rows=[
                Bar(OUTCOME_LABELS[o], total.by_outcome[o], f"{total.by_outcome[o]:,}")
                for o in OUTCOMES
            ],
        ),
        caption="Decisions by option decided, and their share of all decisions",
        columns=(
            Column("option", "Option", numeric=False),
            Column("decisions", "Decisions"),
            Column("share_percent", "Share"),
        ),
        rows=[
            [
                (o, OUTCOME_LABELS[o]),
                _n(total.by_outcome[o]),
                (
                    percent(total.by_outcome[o], total.decisions),
                    f"{percent(total.by_outcome[o], total.decisions)}%",
                ),
            ]
            for o in OUTCOMES
        ],
    )


def _departments_panel(board: Dashboard) -> Panel:
    return Panel(
        key="departments",
        heading="Decisions by department",
        chart=bar_chart(
            key="departments",
            title="Decisions by department",
            summary=(
                "; ".join(f"{name} {f.decisions:,}" for _, name, f in board.departments) + "."
                if board.departments
                else "No decisions in this period."
            ),
            rows=[Bar(name, f.decisions, f"{f.decisions:,}") for _, name, f in board.departments],
        ),
        caption="Decisions by department",
        columns=(
            Column("department", "Department", numeric=False),
            Column("decisions", "Decisions"),
            Column("approved", "Approved"),
            Column("rejected", "Rejected"),
        ),
        rows=[
            [(name, name), _n(f.decisions), _n(f.approved), _n(f.rejected)]
            for _, name, f in board.departments
        ],
    )


def _all_and_departments(board: Dashboard) -> list[tuple[str, str, Figures]]:
    return [("", ALL, board.total), *board.departments]


def _overrides_panel(board: Dashboard) -> Panel:
    rows = _all_and_departments(board)
    return Panel(
        key="overrides",
        heading="Override rate",
        chart=bar_chart(
            key="overrides",
            title="Override rate: approvals of another option than the one recommended",
            summary=(
                f"{board.total.override_rate}% of {board.total.approved:,} approvals chose "
                "another option than the one recommended."
            ),
            rows=[
                Bar(name, f.override_rate, f"{f.override_rate}% of {f.approved:,}")
                for _, name, f in rows
            ],
            scale_max=100,
        ),
        caption="Approvals, overrides and the override rate by department",
        columns=(
            Column("department", "Department", numeric=False),
            Column("approvals", "Approvals"),
            Column("overrides", "Overrides"),
            Column("override_rate_percent", "Override rate"),
        ),
        rows=[
            [
                (name, name),
                _n(f.approved),
                _n(f.overrides),
                (f.override_rate, f"{f.override_rate}%"),
            ]
            for _, name, f in rows
        ],
    )


def _returns_panel(board: Dashboard) -> Panel:
    rows = _all_and_departments(board)
    return Panel(
        key="returns",
        heading="Returns per case",
        chart=bar_chart(
            key="returns",
            title="Returns to the department per case decided",
            summary=(
                f"{board.total.returns_per_case:.2f} returns per case over "
                f"{board.total.decisions:,} decisions."
            ),
            rows=[
                Bar(name, f.returns_per_case, f"{f.returns_per_case:.2f}") for _, name, f in rows
            ],
        ),
        caption="Decisions, returns before them and returns per case, by department",
        columns=(
            Column("department", "Department", numeric=False),
            Column("decisions", "Decisions"),
            Column("returns", "Returns"),
            Column("returns_per_case", "Returns per case"),
        ),
        rows=[
            [
                (name, name),
                _n(f.decisions),
                _n(f.returns),
                (f"{f.returns_per_case:.2f}", f"{f.returns_per_case:.2f}"),
            ]
            for _, name, f in rows
        ],
    )


def _time_panel(board: Dashboard) -> Panel:
    bars = []
    for q, f in board.quarters:
        if f.timed:
            bars.append(
                Bar(f"{quarter_short(q)} median", f.median_days or 0, _days_text(f.median_days))
            )
            bars.append(
                Bar(
                    f"{quarter_short(q)} 90th percentile",
                    f.p90_days or 0,
                    _days_text(f.p90_days),
                    style="secondary",
                )
            )
    total = board.total
    return Panel(
        key="time",
        heading="Time from submission to decision",
        chart=bar_chart(
            key="time",
            title="Days from submission to decision by quarter: median and 90th percentile",
            summary=(
                f"Over the period, half the decisions took {_days_text(total.median_days)} or "
                f"less and nine in ten {_days_text(total.p90_days)} or less."
                if total.timed
                else "No decisions with a submission in this period."
            ),
            rows=bars,
        ),
        caption="Days from submission to decision, by quarter",
        columns=(
            Column("quarter", "Quarter", numeric=False),
            Column("decisions", "Decisions"),
            Column("median_days", "Median (days)"),
            Column("p90_days", "90th percentile (days)"),
        ),
        rows=[
            [
                (q.code, quarter_label(q)),
                _n(f.timed),
                _days_cell(f.median_days),
                _days_cell(f.p90_days),
            ]
            for q, f in [*board.quarters]
        ]
        + [
            [
                ("all", "All quarters"),
                _n(total.timed),
                _days_cell(total.median_days),
                _days_cell(total.p90_days),
            ]
        ],
    )


def _reviews_panel(board: Dashboard) -> Panel:
    bars = []
    for _, name, due, overdue in board.reviews:
        bars.append(Bar(f"{name}: due", due, f"{due:,} due"))
        bars.append(Bar(f"{name}: overdue", overdue, f"{overdue:,} overdue", warn=overdue > 0))
    return Panel(
        key="reviews",
        heading="Reviews due and overdue",
        chart=bar_chart(
            key="reviews",
            title=f"Decisions due for review within {DUE_WITHIN_DAYS} days, and overdue",
            summary=(
                f"{board.reviews_due:,} decisions are due for review and "
                f"{board.reviews_overdue:,} are overdue."
            ),
            rows=bars,
        ),
        caption=f"Decisions due for review within {DUE_WITHIN_DAYS} days, and overdue, today",
        columns=(
            Column("department", "Department", numeric=False),
            Column("due", "Due"),
            Column("overdue", "Overdue"),
        ),
        rows=[[(name, name), _n(due), _n(overdue)] for _, name, due, overdue in board.reviews]
        + [[(ALL, ALL), _n(board.reviews_due), _n(board.reviews_overdue)]],
    )


PANELS = {
    "quarters": _quarters_panel,
    "options": _options_panel,
    "departments": _departments_panel,
    "overrides": _overrides_panel,
    "returns": _returns_panel,
    "time": _time_panel,
    "reviews": _reviews_panel,
}


def panels(board: Dashboard) -> list[Panel]:
    """Every chart of the dashboard with its data table, in page order."""
    return [make(board) for make in PANELS.values()]
