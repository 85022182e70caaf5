"""Reads of rulesets: the compiled engine ruleset of a stored version, versions, drafts,
golden cases and their results, and the look-ups the pages make."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import MD5, Cast, Coalesce, Concat

from decisions import engine
from decisions.rulesets.models import GoldenCase, Ruleset, RulesetRun
from sourcing.cache_errors import cache_call
from sourcing.compiled_sql import compiled
from sourcing.errors import TransitionRefused
from sourcing.kept_html import source_hash
from sourcing.models import Case, CaseStatus

# A golden run is kept in the cache (Redis where REDIS_URL is set) under a key naming all it is
# computed from: the ruleset's sha256, the golden cases as stored, the engine's code (ADR 0035).
GOLDEN_RUN_SECONDS: Final = 24 * 3600


@functools.lru_cache(maxsize=32)
def _compiled(sha256: str, content_json: str) -> engine.Ruleset:
    ruleset = engine.load_ruleset(json.loads(content_json))
    if ruleset.sha256 != sha256:
        raise TransitionRefused(f"Ruleset content does not match its recorded hash {sha256[:12]}…")
    return ruleset


def engine_ruleset(ruleset: Ruleset) -> engine.Ruleset:
    """The compiled engine ruleset of a stored version (cached; checked against its hash).

    Raises TransitionRefused when the stored content no longer matches its recorded sha256.
    """
    return _compiled(ruleset.sha256, json.dumps(ruleset.content, sort_keys=True))


def with_content_md5[Q: QuerySet[Ruleset]](rulesets: Q) -> Q:
    """Versions without their content (about 42 KB of JSON) but with an MD5 of it as stored
    (`content_md5`), for engine_ruleset_stored."""
    return rulesets.defer("content").annotate(content_md5=MD5(Cast("content", TextField())))


def engine_ruleset_stored(ruleset: Ruleset, content_md5: str | None = None) -> engine.Ruleset:
    """engine_ruleset of a version read by with_content_md5 (or read without its content, its
    content's MD5 as stored given), its content read only for an (id, sha256, MD5) this
    process has not compiled, so any change to the stored content reads and checks it again
    (as current_engine_ruleset does).

    Raises TransitionRefused when the stored content no longer matches its recorded sha256, or
    when the row changed between the two reads (load the page again)."""
    try:
        md5 = ruleset.content_md5 if content_md5 is None else content_md5  # type: ignore[attr-defined]
        return _compiled_stored(ruleset.pk, ruleset.sha256, md5)
    except Ruleset.DoesNotExist:  # changed between the two reads
        fresh = Ruleset.objects.get(pk=ruleset.pk)
        if fresh.sha256 != ruleset.sha256:
            raise TransitionRefused(
                f"Version {ruleset.version} changed while it was read: load the page again."
            ) from None
        return engine_ruleset(fresh)


def current_engine_ruleset() -> engine.Ruleset | None:
    """The compiled engine ruleset of the current version (current_ruleset), or None when none
    is published, without reading its stored content (about 42 KB of JSON, and its golden run)
    on every call: one query reads the version's id, sha256 and an MD5 of its content as
    stored, and the content is read and compiled (checked against its sha256 as engine_ruleset
    does) only for an (id, sha256, MD5) this process has not compiled. Any change to the stored
    content changes its MD5, so it is read and checked again: content that no longer matches
    its sha256 raises TransitionRefused here as in engine_ruleset."""
    rows = compiled(
        "current-engine-ruleset",
        lambda: (
            Ruleset.objects.published()
            .order_by("-published_at", "-pk")
            .values("pk", "sha256", content_md5=MD5(Cast("content", TextField())))[:1]
        ),
    ).dicts()  # the query built once per process (sourcing.compiled_sql), run every call
    if not rows:
        return None
    row = rows[0]
    try:
        return _compiled_stored(row["pk"], row["sha256"], row["content_md5"])
    except Ruleset.DoesNotExist:  # changed between the two reads: read the version whole
        current = Ruleset.objects.current()
        return engine_ruleset(current) if current is not None else None


@functools.lru_cache(maxsize=32)
def _compiled_stored(pk: int, sha256: str, content_md5: str) -> engine.Ruleset:
    """The version's content compiled, read only if it still has this MD5 (else
    Ruleset.DoesNotExist, and nothing is kept under a key its content no longer has)."""
    content = (
        Ruleset.objects.annotate(content_md5=MD5(Cast("content", TextField())))
        .filter(pk=pk, content_md5=content_md5)
        .values_list("content", flat=True)
        .get()
    )
    return _compiled(sha256, json.dumps(content, sort_keys=True))


def current_ruleset() -> Ruleset | None:
    """The version new assessments use: the latest published one."""
    return Ruleset.objects.current()


def ruleset_published() -> bool:
    """Whether any version is published (so an assessment can be made): one query, no
    version's content read."""
    return Ruleset.objects.published().exists()


def current_ruleset_checked() -> tuple[Ruleset, engine.Ruleset] | None:
    """The current version without its content and golden run (current_ruleset_listed) and its
    compiled engine ruleset (engine_ruleset_stored: checked against its sha256), or None when
    none is published. One query when this process has compiled the content as stored."""
    current = (
        with_content_md5(Ruleset.objects.published())
        .defer(*LISTED_DEFERRED)
        .order_by("-published_at", "-pk")
        .first()
    )
    return None if current is None else (current, engine_ruleset_stored(current))


def current_ruleset_with_content() -> Ruleset | None:
    """The current version with its content (to compile it) but not its golden run (about 10
    KB of JSON a page that runs or keeps the golden cases itself does not read)."""
    return (
        Ruleset.objects.published().defer("golden_result").order_by("-published_at", "-pk").first()
    )


# A version as lists and headings show it: its rules (about 40 KB of JSON a version) and golden
# run left in the database.
LISTED_DEFERRED: Final = ("content", "golden_result")


def current_ruleset_listed() -> Ruleset | None:
    """The current version without its content and golden run (its version, hash, who and
    when): for a page that names it or compares with it."""
    return (
        Ruleset.objects.published().defer(*LISTED_DEFERRED).order_by("-published_at", "-pk").first()
    )


def rulesets_published() -> list[Ruleset]:
    """Published versions, newest first, with their golden run but not their content."""
    return list(
        Ruleset.objects.published()
        .defer("content", "based_on__content", "based_on__golden_result")
        .select_related("published_by", "based_on")
        .order_by("-published_at", "-pk")
    )


def ruleset_drafts() -> list[Ruleset]:
    """Drafts, newest first, without their content and golden run."""
    return list(
        Ruleset.objects.drafts()
        .defer(*LISTED_DEFERRED, "based_on__content", "based_on__golden_result")
        .select_related("based_on", "created_by")
        .order_by("-created_at", "-pk")
    )


def ruleset_drafts_listed() -> QuerySet[Ruleset]:
    """Drafts, newest first, without their content and golden run, with who started them (a
    list to count and slice: the steward's home page)."""
    return (
        Ruleset.objects.filter(published_at__isnull=True)
        .defer("content", "golden_result")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def ruleset_by_version(version: str) -> Ruleset | None:
    """A version (draft or published) with who published, started and based it (the version
    it is based on without its content and golden run)."""
    return (
        Ruleset.objects.select_related("published_by", "based_on", "created_by")
        .defer("based_on__content", "based_on__golden_result")
        .filter(version=version)
        .first()
    )


def ruleset_for_page(version: str) -> Ruleset | None:
    """ruleset_by_version without the version's content (with_content_md5, for
    engine_ruleset_stored), with its engine parameters (`content_parameters`, None when it has
    none) and whether it is the current version (`is_current`: published, and no published
    version after it in current_ruleset's order). One query."""
    later = Ruleset.objects.published().filter(
        Q(published_at__gt=OuterRef("published_at"))
        | Q(published_at=OuterRef("published_at"), pk__gt=OuterRef("pk"))
    )
    return (
        with_content_md5(Ruleset.objects.select_related("published_by", "based_on", "created_by"))
        .defer("based_on__content", "based_on__golden_result")
        .annotate(
            content_parameters=F("content__parameters"),
            is_current=ExpressionWrapper(
                Q(published_at__isnull=False) & ~Exists(later), output_field=BooleanField()
            ),
        )
        .filter(version=version)
        .first()
    )


def draft_by_version(
    version: str, *, with_base: bool = False, with_content: bool = True, listed: bool = False
) -> Ruleset | None:
    """A draft by its version, or None (a published version is not a draft); the version it
    is based on with its content only when `with_base` (to compare with it); without the
    draft's own content but with its MD5 (with_content_md5, for engine_ruleset_stored) unless
    `with_content` (its content is then read on first use, one more query); `listed`: without
    its content and golden run at all (LISTED_DEFERRED: a page that only names it)."""
    found = Ruleset.objects.drafts().select_related("based_on", "created_by")
    if listed:
        found = found.defer(*LISTED_DEFERRED)
    if not with_content:
        found = with_content_md5(found)
    if not with_base:
        found = found.defer("based_on__content", "based_on__golden_result")
    return found.filter(version=version).first()


# What the publish page reads of a draft (every column but its content, with the content's MD5
# for engine_ruleset_stored) and of the version it is based on (what names it and keys its
# diff: id, version, sha256).
DRAFT_FOR_PUBLISH_READ: Final = tuple(
    f.attname for f in Ruleset._meta.concrete_fields if f.name != "content"
)


def draft_for_publish(version: str) -> Ruleset | None:
    """draft_by_version(version, with_content=False) as the publish page's GET reads it: the
    draft without its content but with `content_md5`, its base with only its id, version and
    sha256 (any other column loads on access), nobody joined; or None. One query, compiled
    once per process, the version its parameter (sourcing.compiled_sql)."""
    found = compiled(
        "draft-for-publish",
        lambda version: (
            Ruleset.objects.drafts()
            .filter(version=version)
            .annotate(content_md5=MD5(Cast("content", TextField())))
            .values_list(
                *DRAFT_FOR_PUBLISH_READ,
                "content_md5",
                "based_on__id",
                "based_on__version",
                "based_on__sha256",
            )[:1]
        ),
        params={"version": version},
    ).instances(Ruleset, related=("based_on",))
    return found[0] if found else None


def golden_case_by_code(code: str) -> GoldenCase | None:
    """One golden case by its code, or None."""
    return GoldenCase.objects.filter(code=code).first()


def golden_case_data(golden: GoldenCase) -> dict[str, Any]:
    """A stored golden case in the file format the engine reads (documentation when given)."""
    data = {
        "id": golden.code,
        "title": golden.title,
        "answers": golden.answers,
        "expected": golden.expected,
    }
    if golden.sources:
        data["sources"] = golden.sources
    if golden.basis:
        data["basis"] = golden.basis
    if golden.revision is not None:
        data["revision"] = golden.revision
    return data


def golden_cases_engine() -> tuple[engine.GoldenCase, ...]:
    """Every golden case in the database, as engine golden cases."""
    return engine.load_golden_cases(
        [golden_case_data(g) for g in GoldenCase.objects.order_by("code")]
    )


# A golden case's JSON fields, read as the database's text of them: what the golden cases'
# fingerprint is taken over, decoded only when they are run or listed afresh.
_GOLDEN_JSON_FIELDS: Final = ("answers", "expected", "sources", "revision")


# (code, title, basis, answers, expected, sources, revision, source case reference)
StoredGoldenRow = tuple[str, str, str, str, str, str, str | None, str | None]


def _golden_row_md5() -> MD5:
    """The database's MD5 of one golden case as stored: over the MD5s (32 hex digits each) of
    its code, title, basis, JSON fields as the database's text and the reference of the case
    it was made from ("-" for a revision or reference there is none of)."""
    text = TextField()
    parts: list[Func] = [MD5(name, output_field=text) for name in ("code", "title", "basis")]
    parts += [MD5(Cast(name, text)) for name in ("answers", "expected", "sources")]
    parts += [
        Coalesce(MD5(Cast("revision", text)), Value("-"), output_field=text),
        Coalesce(MD5("source_case__reference", output_field=text), Value("-"), output_field=text),
    ]
    return MD5(Concat(*parts, output_field=TextField()))


def _golden_fingerprint(row_md5s: Iterable[str]) -> str:
    return hashlib.sha256("".join(row_md5s).encode()).hexdigest()


@dataclass(frozen=True)
class StoredGoldenCases:
    """Every golden case as stored, by code: per case (code, title, basis, answers, expected,
    sources, revision, reference of the case it was made from), the JSON fields as the
    database's text (revision and the reference None when there is none). `fingerprint`
    (golden_cases_fingerprint's) is taken over all of it: any edit, addition or removal of a
    golden case gives another."""

    rows: tuple[StoredGoldenRow, ...]
    fingerprint: str

    def cases(self) -> list[tuple[GoldenCase, str | None]]:
        """Each golden case (an unsaved GoldenCase with the stored values) and the reference
        of the case it was made from."""
        found = []
        for code, title, basis, answers, expected, sources, revision, reference in self.rows:
            golden = GoldenCase(
                code=code,
                title=title,
                basis=basis,
                answers=json.loads(answers),
                expected=json.loads(expected),
                sources=json.loads(sources),
                revision=json.loads(revision) if revision is not None else None,
            )
            found.append((golden, reference))
        return found


def golden_cases_stored() -> StoredGoldenCases:
    """Every golden case as stored (StoredGoldenCases) and their fingerprint. One query."""
    read = GoldenCase.objects.order_by("code").values_list(
        "code",
        "title",
        "basis",
        *(Cast(name, TextField()) for name in _GOLDEN_JSON_FIELDS),
        "source_case__reference",
        _golden_row_md5(),
    )
    rows = tuple(read)
    return StoredGoldenCases(
        tuple(row[:-1] for row in rows), _golden_fingerprint(row[-1] for row in rows)
    )


def golden_cases_fingerprint() -> tuple[int, str]:
    """How many golden cases there are and a SHA-256 over the database's MD5 of each as
    stored, by code (StoredGoldenCases.fingerprint, without reading the cases: about 60 KB of
    text at the demo's 61). One query, its SQL compiled once per process and database."""
    sql, params = _golden_fingerprint_sql(connection.alias, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        md5s = [md5 for (md5,) in cursor.fetchall()]
    return len(md5s), _golden_fingerprint(md5s)


@functools.cache
def _golden_fingerprint_sql(alias: str, vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of each golden case's MD5 (_golden_row_md5), by code: compiling
    the expression costs more than running it (about 1.5 ms against 0.2 ms of this process's
    CPU)."""
    read = GoldenCase.objects.using(alias).order_by("code").values_list(_golden_row_md5())
    sql, params = read.query.sql_with_params()
    return sql, tuple(params)


@functools.cache
def engine_code_sha256() -> str:
    """sourcing.kept_html.source_hash of the engine's source files (decisions/engine/*.py, by
    name): a golden run kept by one release of the engine is never read by another."""
    return source_hash(packages=[engine])


def golden_run_key(ruleset: Ruleset, fingerprint: str) -> str:
    """The cache key of a ruleset's golden run: its sha256 (its content: the compiled ruleset
    is checked against it), the golden cases' fingerprint (golden_cases_fingerprint) and the
    engine's code's."""
    return f"rulesets:golden-run:{ruleset.sha256}:{fingerprint}:{engine_code_sha256()}"


def ruleset_golden_run(ruleset: Ruleset) -> engine.GoldenReport:
    """Every golden case in the database run against a stored ruleset (draft or published).

    Kept in the cache under golden_run_key, so a page runs the engine over the golden cases
    only on the first view after the ruleset, a golden case or the engine's code changed;
    every view reads the golden cases' fingerprint (one query, whatever is kept) to make the
    key, so what it shows is never of other content; the cases themselves are read only to
    run them (and kept under the key of what was read). The cache down: computed every time.
    Raises TransitionRefused when the ruleset's content no longer matches its sha256.
    """
    return ruleset_golden_run_keyed(ruleset)[1]


def ruleset_golden_run_keyed(
    ruleset: Ruleset,
    stored: StoredGoldenCases | None = None,
    compiled: engine.Ruleset | None = None,
) -> tuple[str, engine.GoldenReport]:
    """ruleset_golden_run's report with its key (golden_run_key): what a page shows of it
    may be kept under that key too. `stored`: the golden cases if already read (else only
    their fingerprint is, and the cases only when the run is not kept); `compiled`:
    engine_ruleset(ruleset) if already called."""
    fingerprint = stored.fingerprint if stored is not None else golden_cases_fingerprint()[1]
    key = golden_run_key(ruleset, fingerprint)
    kept: engine.GoldenReport | None = cache_call(
        lambda: cache.get(key), None, what="golden run get"
    )
    # Checked against the hash whether kept or not (a tampered row is refused either way).
    compiled = engine_ruleset(ruleset) if compiled is None else compiled
    if kept is not None:
        return key, kept
    if stored is None:  # read now: kept under the key of what is read (a change since, its own)
        stored = golden_cases_stored()
        key = golden_run_key(ruleset, stored.fingerprint)
    report = engine.run_golden_cases(
        compiled, engine.load_golden_cases([golden_case_data(g) for g, _ in stored.cases()])
    )
    cache_call(lambda: cache.set(key, report, GOLDEN_RUN_SECONDS), None, what="golden run set")
    return key, report


def canonical_file(ruleset: Ruleset) -> bytes:
    """The canonical JSON file of a stored ruleset (the bytes its sha256 is taken over)."""
    return engine_ruleset(ruleset).canonical_json()


RUN_READ: Final = tuple(f.attname for f in RulesetRun._meta.concrete_fields)


def latest_impact(draft: Ruleset) -> RulesetRun | None:
    """The latest impact preview run of a draft, if any (one query, compiled once per
    process, the draft's id its parameter: sourcing.compiled_sql)."""
    runs = compiled(
        "latest-impact",
        lambda ruleset_id: RulesetRun.objects.filter(
            ruleset_id=ruleset_id, kind=RulesetRun.Kind.IMPACT
        ).values_list(*RUN_READ)[:1],
        params={"ruleset_id": draft.pk},
    ).instances(RulesetRun)
    return runs[0] if runs else None


# The cases a golden case may be made from: those the Centre of Excellence has decided. A
# steward never reads a department's draft, a case still in review, or a withdrawn one.
GOLDEN_SOURCE_STATUSES = (CaseStatus.APPROVED, CaseStatus.REJECTED)


def golden_source_case(reference: str) -> Case | None:
    """A decided case (approved or rejected) to make a golden case from, by reference; None
    for any other case, whichever department's, exactly as for one that does not exist."""
    return Case.objects.filter(reference=reference, status__in=GOLDEN_SOURCE_STATUSES).first()


def case_answers_for_golden(case: Case) -> dict[str, Any]:
    """The answers a golden case made from a case takes: its latest assessment's, else its own."""
    latest = case.assessments.newest_first().first()
    return dict(latest.answers if latest else case.answers)
