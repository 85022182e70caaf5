"""The supplier catalogue: validate rows, import a CSV (all or nothing, upsert by company
number), and create or change one supplier. Every write appends an audit event."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction

from decisions.audit.services import audit_append
from sourcing.cache_errors import cache_errors
from sourcing.errors import ValidationFailed
from sourcing.models import Role, User
from suppliers.company_numbers import company_number_normalise
from suppliers.models import CatalogueImport, Framework, Segment, Supplier
from suppliers.reference import ACCREDITATIONS, CLASSIFICATIONS, CLEARANCES, REGIONS

log = logging.getLogger(__name__)

# The CSV columns, in the documented order (docs/suppliers.md); all must be present.
COLUMNS: tuple[str, ...] = (
    "company_number",
    "name",
    "segments",
    "sme",
    "frameworks",
    "capabilities",
    "classification",
    "clearance",
    "accreditations",
    "regions",
    "website",
    "description",
)
LIST_SEPARATOR = ";"
NAME_MAX = 160
WEBSITE_MAX = 200
DESCRIPTION_MAX = 1000
CAPABILITY_MAX = 50
CAPABILITIES_MAX = 30
CELL_MAX = 2000  # any list column, before it is split
FILE_MAX = 5 * 1024 * 1024
ROWS_MAX = 20_000
# The catalogue's version in the cache: computed views of the catalogue (a case's shortlist) are
# keyed by it, so a change to any supplier, segment or framework retires them all at once.
VERSION_KEY = "suppliers:catalogue-version"
PROBLEMS_SHOWN = 500
CAPABILITY = re.compile(r"^[a-z0-9][a-z0-9 &/+.-]*$", re.ASCII)
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
MAINTAINERS = frozenset({Role.ADMIN, Role.REVIEWER})


@dataclass(frozen=True)
class Problem:
    """One problem in an import: the line of the file (1 is the header), the column, why."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.field}: {self.message}"


class CatalogueInvalid(ValidationFailed):
    """The file has problems; nothing was imported. `notes` says how the file was read."""

    def __init__(self, problems: list[Problem], notes: list[Problem] | None = None) -> None:
        self.problems = problems
        self.notes = notes or []
        super().__init__({"file": [str(p) for p in problems[:PROBLEMS_SHOWN]]})


@dataclass(frozen=True)
class SupplierData:
    """A validated supplier: what a catalogue row or the maintenance form says."""

    company_number: str
    name: str
    segments: tuple[str, ...]
    sme: bool
    frameworks: tuple[str, ...]
    capabilities: tuple[str, ...]
    classification: str
    clearance: str
    accreditations: tuple[str, ...]
    regions: tuple[str, ...]
    website: str
    description: str
    # How a value was read, by field (e.g. a company number padded back to 8 digits).
    notes: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def fields(self) -> dict[str, Any]:
        """The supplier's own columns (not its segments and frameworks)."""
        return {
            "name": self.name,
            "primary_segment_id": None,  # set by the caller from the segment ids
            "sme": self.sme,
            "capabilities": list(self.capabilities),
            "classification": self.classification,
            "clearance": self.clearance,
            "accreditations": list(self.accreditations),
            "regions": list(self.regions),
            "website": self.website,
            "description": self.description,
            "search_text": search_text(self.name, self.company_number, self.capabilities),
        }


@dataclass
class ImportResult:
    """What an import did, by company number; `notes` says how the file was read."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    record: CatalogueImport | None = None
    notes: list[Problem] = field(default_factory=list)


def text_nfc(text: str) -> str:
    """Text in Unicode NFC: "Café" typed with a combining accent equals the precomposed one."""
    return unicodedata.normalize("NFC", text)


def search_key(text: str) -> str:
    """Text as the supplier search compares it: NFKC and case-folded (full-width letters,
    ligatures and accents typed either way match), the same for stored text and queries."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def search_text(name: str, company_number: str, capabilities: Iterable[str]) -> str:
    """What the supplier search matches against (search_key of each part)."""
    return search_key(" | ".join([name, company_number, *capabilities]))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _choices(
    errors: dict[str, list[str]], name: str, value: str, known: Mapping[str, Any], label: str
) -> tuple[str, ...]:
    items = [item.lower() for item in _split(value)]
    unknown = [item for item in items if item not in known]
    if unknown and name not in errors:
        shown = ", ".join(repr(u[:40]) for u in unknown[:5])
        errors.setdefault(name, []).append(
            f"Unknown {label}: {shown}. Use {', '.join(known)}, separated by '{LIST_SEPARATOR}'"
        )
    return tuple(dict.fromkeys(items))


def validate_supplier(
    row: Mapping[str, str | None],
    *,
    segment_keys: Mapping[str, Any],
    framework_keys: Mapping[str, Any],
) -> tuple[SupplierData | None, dict[str, list[str]]]:
    """Validate one supplier given as strings (a CSV row or a form): (data, errors by field)."""
    errors: dict[str, list[str]] = {}
    value: dict[str, str] = {}

    def add(name: str, message: str) -> None:
        # One problem a field: the first found (later checks would only repeat it).
        errors.setdefault(name, [message])

    for name in COLUMNS:
        raw = row.get(name)
        text = "" if raw is None else str(raw)
        if "\x00" in text:
            add(name, "Must not contain null characters")
            text = ""
        if len(text) > CELL_MAX:
            add(name, f"Must be {CELL_MAX} characters or fewer")
            text = ""
        value[name] = text_nfc(text).strip()

    checked = company_number_normalise(value["company_number"])
    number = checked.number
    if checked.error:
        add("company_number", checked.error)
    notes = (("company_number", checked.note),) if checked.note else ()
    name = value["name"]
    if not name:
        add("name", "Enter the supplier's name")
    elif len(name) > NAME_MAX:
        add("name", f"Name must be {NAME_MAX} characters or fewer")
    segments = _choices(errors, "segments", value["segments"], segment_keys, "segment")
    if not segments:
        add("segments", "Enter at least one segment")
    sme_text = value["sme"].lower()
    if sme_text not in YES | NO:
        add("sme", "Enter yes or no for whether it is an SME")
    frameworks = _choices(errors, "frameworks", value["frameworks"], framework_keys, "framework")
    capabilities = tuple(dict.fromkeys(c.lower() for c in _split(value["capabilities"])))
    if len(capabilities) > CAPABILITIES_MAX:
        add("capabilities", f"Enter {CAPABILITIES_MAX} capabilities or fewer")
    for capability in capabilities:
        if len(capability) > CAPABILITY_MAX:
            add("capabilities", f"Each capability must be {CAPABILITY_MAX} characters or fewer")
            break
        if not CAPABILITY.match(capability):
            add(
                "capabilities",
                f"{capability[:40]!r} is not a capability: use letters, numbers, spaces and -&/+.",
            )
            break
    classification = value["classification"].lower() or "official"
    if classification not in CLASSIFICATIONS:
        add(
            "classification",
            f"Enter the classification it is accredited for: {', '.join(CLASSIFICATIONS)}",
        )
    clearance = value["clearance"].lower() or "none"
    if clearance not in CLEARANCES:
        add("clearance", f"Enter the staff clearance: {', '.join(CLEARANCES)}")
    accreditations = _choices(
        errors, "accreditations", value["accreditations"], ACCREDITATIONS, "accreditation"
    )
    regions = _choices(errors, "regions", value["regions"], REGIONS, "region")
    website = value["website"]
    if len(website) > WEBSITE_MAX:
        add("website", f"Website must be {WEBSITE_MAX} characters or fewer")
    elif website and not re.match(r"^https?://[^\s/$.?#][^\s]*$", website):
        add("website", "Enter a website address starting https://, or leave it empty")
    description = value["description"]
    if len(description) > DESCRIPTION_MAX:
        add("description", f"Description must be {DESCRIPTION_MAX} characters or fewer")
    if errors:
        return None, errors
    return (
        SupplierData(
            company_number=number,
            name=name,
            segments=segments,
            sme=sme_text in YES,
            frameworks=frameworks,
            capabilities=capabilities,
            classification=classification,
            clearance=clearance,
            accreditations=accreditations,
            regions=regions,
            website=website,
            description=description,
            notes=notes,
        ),
        {},
    )


# Separators a spreadsheet may write, and how people call them.
DELIMITERS: dict[str, str] = {
    ",": "commas (,)",
    ";": "semicolons (;)",
    "\t": "tabs",
    "|": "vertical bars (|)",
}
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip) and .xls
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_SAVE_AS = "in the spreadsheet, choose Save As, 'CSV UTF-8 (Comma delimited)', and upload that"


@dataclass
class CsvTable:
    """A catalogue file after the normalising step: named columns, rows aligned to them."""

    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells)
    notes: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def header_name(cell: str) -> str:
    """A column's name as the catalogue spells it: "Company number" is company_number."""
    text = unicodedata.normalize("NFKC", cell).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s-]+", "_", text)


def _decode(raw: bytes, table: CsvTable) -> str | None:
    """The file's text: UTF-8 (with or without a byte order mark), UTF-16 with a byte order
    mark (Excel's "Unicode Text"), or else Windows-1252 (Excel's "CSV (Comma delimited)"),
    saying so in a note."""
    if raw.startswith(_WORKBOOKS):
        table.problems.append(
            Problem(1, "file", f"The file is a spreadsheet workbook, not CSV: {_SAVE_AS}")
        )
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            table.problems.append(
                Problem(1, "file", f"The file cannot be read as UTF-16: {_SAVE_AS}")
            )
            return None
        table.notes.append(Problem(1, "file", "The file was read as UTF-16 text"))
        return text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
    try:
        if _UTF8_SEQUENCE.search(raw):  # UTF-8 text with some other bytes: a damaged file
            raise UnicodeDecodeError("cp1252", raw, 0, 1, "mixed with UTF-8")
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        table.problems.append(
            Problem(
                line, "file", "The file is not UTF-8 text: save it as 'CSV UTF-8' and try again"
            )
        )
        return None
    table.notes.append(
        Problem(
            1,
            "file",
            "The file is not UTF-8, so it was read as Windows-1252 (what Excel's 'CSV (Comma "
            "delimited)' writes): check names with accents, or save it as 'CSV UTF-8'",
        )
    )
    return text


def _delimiter(text: str) -> str:
    """The separator whose split of the first line names the most catalogue columns."""
    first = text.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([first], delimiter=delimiter))
        except (csv.Error, StopIteration):
            return (0, 0)
        return (sum(header_name(c) in COLUMNS for c in cells), len(cells))

    best = max(DELIMITERS, key=score)  # ties go to the first: commas
    return best if score(best)[0] else ","


def _unnamed_columns(table: CsvTable, cells_by_row: list[tuple[int, list[str]]]) -> list[int]:
    """Columns without a name: empty ones (Excel's trailing columns) are dropped; one with a
    value is a problem."""
    unnamed = [i for i, name in enumerate(table.header) if not name]
    for index in unnamed:
        used = next(
            (line for line, cells in cells_by_row if index < len(cells) and cells[index].strip()),
            None,
        )
        if used is not None:
            table.problems.append(
                Problem(
                    used,
                    "header",
                    f"Column {index + 1} has no name but this line has a value in it: name the "
                    "column or delete it",
                )
            )
    return unnamed


def _aligned(cells: list[str], width: int, named: list[int]) -> list[str] | None:
    """A row's cells, one a column: a row may miss its trailing unnamed cells (spreadsheets
    drop them) or have extra empty ones; anything else is a row of the wrong length."""
    if len(cells) < width and len(cells) > max(named, default=-1):
        return cells + [""] * (width - len(cells))
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        return cells[:width]
    return cells if len(cells) == width else None


def normalise_csv(raw: bytes) -> CsvTable:
    """The one normalising step before validation: a catalogue file as a spreadsheet writes it,
    read into named columns and aligned rows, with notes saying how it was read.

    Handles a byte order mark, UTF-16 and Windows-1252 text, the separator (commas,
    semicolons, tabs or vertical bars: the one that names the most columns, said in a note
    when it is not a comma), column names in any case with spaces, unnamed empty columns
    (dropped) and rows missing their trailing empty cells. Blank lines are skipped.
    """
    table = CsvTable()
    if len(raw) > FILE_MAX:
        table.problems.append(
            Problem(1, "file", f"The file must be smaller than {FILE_MAX // 2**20} MB")
        )
        return table
    text = _decode(raw, table)
    if text is None:
        return table
    if text.count("\x00") > len(text) // 4:  # UTF-16 without its byte order mark
        table.problems.append(
            Problem(
                1, "file", f"The file contains null characters, so it is not CSV text: {_SAVE_AS}"
            )
        )
        return table
    if not text.strip():
        table.problems.append(Problem(1, "file", "The file is empty"))
        return table
    delimiter = _delimiter(text)
    if delimiter != ",":
        table.notes.append(
            Problem(
                1,
                "file",
                f"The columns are separated by {DELIMITERS[delimiter]}, not commas: the file "
                "was read that way",
            )
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table.header = [header_name(h) for h in next(reader)]
    except csv.Error as exc:
        table.problems.append(Problem(1, "header", f"The header cannot be read: {exc}"))
        return table
    rows: list[tuple[int, list[str]]] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            table.problems.append(
                Problem(reader.line_num, "file", f"The line cannot be read: {exc}")
            )
            return table
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are allowed
        if len(rows) == ROWS_MAX:
            table.problems.append(
                Problem(reader.line_num, "file", f"The file has more than {ROWS_MAX} rows")
            )
            return table
        rows.append((reader.line_num, cells))
    unnamed = set(_unnamed_columns(table, rows))
    named = [i for i in range(len(table.header)) if i not in unnamed]
    width = len(table.header)
    for line, cells in rows:
        aligned = _aligned(cells, width, named)
        if aligned is None:
            message = f"The row has {len(cells)} values but there are {len(named)} columns"
            table.problems.append(Problem(line, "row", message))
            continue
        table.rows.append((line, [aligned[i] for i in named]))
    table.header = [table.header[i] for i in named]
    return table


def notes_summary(notes: list[Problem], shown: int = 5) -> list[str]:
    """How a file was read, in a few sentences: file notes as they are, padded company
    numbers counted with the first few lines."""
    sentences = [n.message for n in notes if n.field == "file"]
    padded = [n for n in notes if n.field == "company_number"]
    if padded:
        lines = "; ".join(f"line {n.line}: {n.message.split(':')[0]}" for n in padded[:shown])
        more = f"; and {len(padded) - shown} more" if len(padded) > shown else ""
        count = f"{len(padded)} company number{'s' if len(padded) != 1 else ''}"
        verb = "was" if len(padded) == 1 else "were"
        sentences.append(
            f"{count} had lost leading zeros (spreadsheets drop them) and {verb} padded back "
            f"to 8 digits ({lines}{more})"
        )
    return sentences


def parse_catalogue(
    raw: bytes,
) -> tuple[list[tuple[int, SupplierData]], list[Problem], list[Problem]]:
    """Every row of a catalogue CSV, normalised and validated: ([(line, data)], problems,
    notes saying how the file was read)."""
    table = normalise_csv(raw)
    problems, notes = table.problems, table.notes
    if problems:
        return [], problems, notes
    header = table.header
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if missing:
        problems.append(Problem(1, "header", f"Missing columns: {', '.join(missing)}"))
    if unknown:
        shown = ", ".join(repr(u[:40]) for u in unknown[:10])
        problems.append(Problem(1, "header", f"Unknown columns: {shown}"))
    if repeated:
        shown = ", ".join(repr(r[:40]) for r in repeated)
        problems.append(Problem(1, "header", f"Repeated columns: {shown}"))
    if problems:
        problems.append(Problem(1, "header", f"The columns must be: {', '.join(COLUMNS)}"))
        return [], problems, notes
    segments = dict.fromkeys(Segment.objects.values_list("key", flat=True))
    frameworks = dict.fromkeys(Framework.objects.values_list("key", flat=True))
    rows: list[tuple[int, SupplierData]] = []
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        data, errors = validate_supplier(
            dict(zip(header, cells, strict=True)),
            segment_keys=segments,
            framework_keys=frameworks,
        )
        for name, messages in errors.items():
            problems.extend(Problem(line, name, message) for message in messages)
        if data is None:
            continue
        notes.extend(Problem(line, name, note) for name, note in data.notes)
        if data.company_number in seen:
            problems.append(
                Problem(
                    line,
                    "company_number",
                    f"{data.company_number} is also on line {seen[data.company_number]}",
                )
            )
            continue
        seen[data.company_number] = line
        rows.append((line, data))
    if not rows and not problems:
        problems.append(Problem(1, "file", "The file has a header but no suppliers"))
    return rows, problems, notes


def _require_maintainer(by: User) -> None:
    if by.role not in MAINTAINERS:
        raise ValidationFailed({"by": ["Only the Centre of Excellence or an admin can do this"]})


def _state(supplier: Supplier, segments: list[str], frameworks: list[str]) -> dict[str, Any]:
    return {
        "name": supplier.name,
        "primary_segment": supplier.primary_segment_id,
        "segments": sorted(segments),
        "sme": supplier.sme,
        "frameworks": sorted(frameworks),
        "capabilities": list(supplier.capabilities),
        "classification": supplier.classification,
        "clearance": supplier.clearance,
        "accreditations": list(supplier.accreditations),
        "regions": list(supplier.regions),
        "website": supplier.website,
        "description": supplier.description,
    }


def _wanted(data: SupplierData, segment_ids: dict[str, int]) -> dict[str, Any]:
    return {
        **data.fields(),
        "primary_segment_id": segment_ids[data.segments[0]],
    }


@transaction.atomic
def catalogue_import(*, by: User, raw: bytes, filename: str = "") -> ImportResult:
    """Import a catalogue CSV: all rows valid or nothing changes; upsert by company number."""
    _require_maintainer(by)
    rows, problems, notes = parse_catalogue(raw)
    if problems:
        raise CatalogueInvalid(problems, notes)
    segment_ids = dict(Segment.objects.values_list("key", "id"))
    framework_ids = dict(Framework.objects.values_list("key", "id"))
    segment_keys = {v: k for k, v in segment_ids.items()}
    framework_keys = {v: k for k, v in framework_ids.items()}
    numbers = [data.company_number for _, data in rows]
    existing = {
        s.company_number: s
        for s in Supplier.objects.filter(company_number__in=numbers).select_for_update()
    }
    links_s: dict[int, list[str]] = {}
    links_f: dict[int, list[str]] = {}
    if existing:
        ids = [s.pk for s in existing.values()]
        through_s = Supplier.segments.through.objects.filter(supplier_id__in=ids)
        for supplier_id, segment_id in through_s.values_list("supplier_id", "segment_id"):
            links_s.setdefault(supplier_id, []).append(segment_keys[segment_id])
        through_f = Supplier.frameworks.through.objects.filter(supplier_id__in=ids)
        for supplier_id, framework_id in through_f.values_list("supplier_id", "framework_id"):
            links_f.setdefault(supplier_id, []).append(framework_keys[framework_id])
    result = ImportResult(notes=notes)
    to_create: list[tuple[Supplier, SupplierData]] = []
    to_update: list[tuple[Supplier, SupplierData]] = []
    for _, data in rows:
        wanted = _wanted(data, segment_ids)
        supplier = existing.get(data.company_number)
        if supplier is None:
            to_create.append((Supplier(company_number=data.company_number, **wanted), data))
            result.created.append(data.company_number)
            continue
        before = _state(supplier, links_s.get(supplier.pk, []), links_f.get(supplier.pk, []))
        for name, value in wanted.items():
            setattr(supplier, name, value)
        after = _state(supplier, list(data.segments), list(data.frameworks))
        if before == after:
            result.unchanged.append(data.company_number)
        else:
            to_update.append((supplier, data))
            result.updated.append(data.company_number)
    Supplier.objects.bulk_create([s for s, _ in to_create], batch_size=500)
    if to_create and to_create[0][0].pk is None:  # backends that return no ids
        created = dict(
            Supplier.objects.filter(company_number__in=result.created).values_list(
                "company_number", "id"
            )
        )
        for supplier, _ in to_create:
            supplier.pk = created[supplier.company_number]
    if to_update:
        columns = list(_wanted(to_update[0][1], segment_ids))
        Supplier.objects.bulk_update([s for s, _ in to_update], columns, batch_size=500)
    _relink([*to_create, *to_update], segment_ids, framework_ids)
    record = CatalogueImport.objects.create(
        imported_by=by,
        filename=filename[:200],
        sha256=hashlib.sha256(raw).hexdigest(),
        rows=len(rows),
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    result.record = record
    audit_append(
        action="catalogue.imported",
        actor=by,
        object_type="catalogue_import",
        object_id=record.pk,
        payload={
            "filename": record.filename,
            "sha256": record.sha256,
            "rows": record.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": len(result.unchanged),
        },
    )
    return result


class CatalogueCache:
    """The cache of what is computed from the catalogue (the default cache: Redis where
    REDIS_URL is set), tried until it fails once: after a failure (RedisError: Redis down,
    refusing, or slower than settings.REDIS_REQUEST_TIMEOUT_SECONDS) the rest of the request
    does without it, so a request costs at most one failed attempt, however many shortlists
    and catalogue changes it makes. The failure is forgotten when the next request starts
    (request_started), when the cache settings change, and in any case after
    GIVE_UP_SECONDS (a worker or a shell has no requests).

    Each method answers as a cache that holds nothing would: get None, add and set False.
    """

    GIVE_UP_SECONDS = 10.0

    def __init__(self) -> None:
        self._failed_at: ContextVar[float | None] = ContextVar("catalogue_cache", default=None)

    def forget_failure(self, **_: object) -> None:
        """Try the cache again (a signal receiver: request_started, setting_changed)."""
        self._failed_at.set(None)

    def _given_up(self) -> bool:
        failed_at = self._failed_at.get()
        return failed_at is not None and time.monotonic() - failed_at < self.GIVE_UP_SECONDS

    def _call(self, what: str, call: Callable[[], Any], unavailable: Any) -> Any:
        if self._given_up():
            return unavailable
        try:
            return call()
        except cache_errors():
            self._failed_at.set(time.monotonic())
            log.warning("catalogue cache unavailable (%s); doing without it", what, exc_info=True)
            return unavailable

    def get(self, key: str) -> Any:
        return self._call("get", lambda: cache.get(key), None)

    def add(self, key: str, value: Any, timeout: float | None) -> bool:
        return bool(self._call("add", lambda: cache.add(key, value, timeout=timeout), False))

    def set(self, key: str, value: Any, timeout: float | None) -> bool:
        def store() -> bool:
            cache.set(key, value, timeout=timeout)
            return True

        return bool(self._call("set", store, False))


catalogue_cache = CatalogueCache()


def catalogue_version() -> str:
    """The catalogue's current version: an opaque token, new after every committed change (and
    whenever the cache has lost it, which only costs a recomputation). With the cache away, a
    version of its own each time, so nothing kept is read and pages still work."""
    version = catalogue_cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not catalogue_cache.add(VERSION_KEY, version, timeout=None):
            version = catalogue_cache.get(VERSION_KEY) or version
    return str(version)


def catalogue_changed() -> None:
    """Retire everything computed from the catalogue: a new version now (this transaction's own
    reads see it) and again once the change commits (a view computed by another process between
    the two, from the old rows, is never found under the final version)."""

    def bump() -> None:
        if not catalogue_cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None):
            # A cache that is down holds nothing to retire once it is back empty; one that only
            # dropped the connection keeps kept shortlists until they expire (CACHE_SECONDS).
            log.error("catalogue version not bumped (cache down)")

    bump()
    transaction.on_commit(bump)


def _relink(
    changed: list[tuple[Supplier, SupplierData]],
    segment_ids: dict[str, int],
    framework_ids: dict[str, int],
) -> None:
    """Replace the segment and framework links of the given suppliers (every change to the
    catalogue comes through here, so it retires what was computed from the old catalogue)."""
    if not changed:
        return
    catalogue_changed()
    ids = [s.pk for s, _ in changed]
    seg_through = Supplier.segments.through
    fw_through = Supplier.frameworks.through
    seg_through.objects.filter(supplier_id__in=ids).delete()
    fw_through.objects.filter(supplier_id__in=ids).delete()
    seg_through.objects.bulk_create(
        [
            seg_through(supplier_id=s.pk, segment_id=segment_ids[key])
            for s, data in changed
            for key in data.segments
        ],
        batch_size=1000,
    )
    fw_through.objects.bulk_create(
        [
            fw_through(supplier_id=s.pk, framework_id=framework_ids[key])
            for s, data in changed
            for key in data.frameworks
        ],
        batch_size=1000,
    )


@transaction.atomic
def _supplier_checked(
    values: Mapping[str, str | None], supplier: Supplier | None
) -> tuple[SupplierData | None, dict[str, list[str]]]:
    values = dict(values)
    if supplier is not None:
        values["company_number"] = supplier.company_number
    data, errors = validate_supplier(
        values,
        segment_keys=dict.fromkeys(Segment.objects.values_list("key", flat=True)),
        framework_keys=dict.fromkeys(Framework.objects.values_list("key", flat=True)),
    )
    if (
        data is not None
        and supplier is None
        and Supplier.objects.filter(company_number=data.company_number).exists()
    ):
        errors = {
            "company_number": [f"A supplier with company number {data.company_number} exists"]
        }
    return data, errors


def supplier_problems(
    values: Mapping[str, str | None], *, supplier: Supplier | None = None
) -> dict[str, list[str]]:
    """Every problem supplier_save would refuse the values with, by field, without saving
    anything (the supplier form reports them with its own in one round)."""
    return _supplier_checked(values, supplier)[1]


def supplier_save(
    *, by: User, values: Mapping[str, str | None], supplier: Supplier | None = None
) -> Supplier:
    """Create a supplier, or change one (its company number stays); values are strings."""
    _require_maintainer(by)
    data, errors = _supplier_checked(values, supplier)
    if data is None or errors:
        raise ValidationFailed(errors)
    segment_ids = dict(Segment.objects.values_list("key", "id"))
    framework_ids = dict(Framework.objects.values_list("key", "id"))
    wanted = _wanted(data, segment_ids)
    if supplier is None:
        supplier = Supplier.objects.create(company_number=data.company_number, **wanted)
        action, before = "supplier.created", None
    else:
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        before = _state(
            supplier,
            [s.key for s in supplier.segments.all()],
            [f.key for f in supplier.frameworks.all()],
        )
        for name, value in wanted.items():
            setattr(supplier, name, value)
        if before == _state(supplier, list(data.segments), list(data.frameworks)):
            return supplier
        supplier.save()
        action = "supplier.changed"
    _relink([(supplier, data)], segment_ids, framework_ids)
    after = _state(supplier, list(data.segments), list(data.frameworks))
    audit_append(
        action=action,
        actor=by,
        object_type="supplier",
        object_id=supplier.company_number,
        payload={
            "fields": sorted(after)
            if before is None
            else sorted(k for k in after if after[k] != before[k]),
            "name": supplier.name,
        },
    )
    return supplier


def supplier_values(
    supplier: Supplier,
    *,
    segments: Sequence[str] | None = None,
    frameworks: Sequence[str] | None = None,
) -> dict[str, str]:
    """A supplier as the strings the maintenance form and the CSV use. `segments` and
    `frameworks`: its keys as already read, in their order (selectors.supplier_for_form);
    where not given, `supplier.segments.all()` and `.frameworks.all()` (prefetched or read)."""
    if segments is None:
        segments = [s.key for s in supplier.segments.all()]
    if frameworks is None:
        frameworks = [f.key for f in supplier.frameworks.all()]
    return {
        "company_number": supplier.company_number,
        "name": supplier.name,
        "segments": LIST_SEPARATOR.join(segments),
        "sme": "yes" if supplier.sme else "no",
        "frameworks": LIST_SEPARATOR.join(frameworks),
        "capabilities": LIST_SEPARATOR.join(supplier.capabilities),
        "classification": supplier.classification,
        "clearance": supplier.clearance,
        "accreditations": LIST_SEPARATOR.join(supplier.accreditations),
        "regions": LIST_SEPARATOR.join(supplier.regions),
        "website": supplier.website,
        "description": supplier.description,
    }


def catalogue_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """Rows (as strings by column) as catalogue CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return out.getvalue()
