"""Batch bench: time and peak memory of the work that grows with the data.

Run: python scripts/bench_batch.py [--records 1000,10000] [--events 1000000] (`make bench`
runs it with the defaults). Needs PostgreSQL: it creates its own database,
`<DATABASE_URL's name>_batch` (or BATCH_DATABASE_URL, a name ending in _batch), dropping any
earlier one, and never touches another. Each step runs in its own process, so the peak resident
memory it prints (ru_maxrss) is that step's alone, next to the same process's size before the
work (`base`: Python, Django and the step's modules loaded; the growth is the difference). Steps:

1. migrate, load the demo people and cases through the real services (their records' PDFs
   rendered), publish the default ruleset;
2. append audit events up to `--events` (a valid hash chain, written with COPY) and run
   `manage.py verify_audit`: target <= 30 s with a peak below 100 MB at 1,000,000 events;
3. for each `--records` size: copy the demo's approved records (their content with answers
   drawn at random, so every replay differs; a hard link to a real rendered PDF each) up to
   that many, then a bulk export of them all (target at 10,000 records: a peak below 200 MB),
   and replays of every approved decision, each next to the engine alone on the same answers
   already in memory, `--rounds` times in turn (target: the medians <= 2x).

Prints plain lines; the figures are also written to var/bench/batch-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.loadbench.databases import bench_database_url, create_database  # noqa: E402

OUT = ROOT / "var" / "bench"
TARGETS = {
    "verify_audit seconds": 30.0,
    "verify_audit peak MB": 100.0,
    "export peak MB at 10000": 200.0,
    "replay over engine": 2.0,
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _django() -> float:
    """Set Django up; the process's peak so far (MB), the base the step's figures sit on."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sourcing.settings")
    import django

    django.setup()
    return _peak_mb()


def _emit(figures: dict[str, Any]) -> int:
    print(json.dumps(figures))
    return 0


# --- Steps (each in its own process) -------------------------------------------------------


def step_prepare(args: argparse.Namespace) -> int:
    """Migrate; the demo people and cases (records and rendered PDFs); the default ruleset."""
    _django()
    from django.core.management import call_command

    from decisions.rulesets.services import ruleset_publish_default
    from sourcing.demo import seed_cases, seed_people

    call_command("migrate", verbosity=0)
    ruleset_publish_default()
    seed_people()
    seed_cases()
    return _emit({})


def step_events(args: argparse.Namespace) -> int:
    """Append audit events (a valid chain, with checkpoints) up to --events, by COPY."""
    _django()
    from django.conf import settings
    from django.db import connection, transaction

    from decisions.audit.models import AuditEvent
    from decisions.audit.services import GENESIS
    from decisions.engine.hashable import canonical_json

    last = AuditEvent.objects.order_by("-seq").first()
    seq, previous = (last.seq, last.sha256) if last else (0, GENESIS)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    every = settings.AUDIT_CHECKPOINT_EVERY
    checkpoints: list[tuple[int, str]] = []
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        columns = "seq, occurred_at, actor, department, action, object_type, object_id, "
        columns += "payload, prev_sha256, sha256"
        with cursor.connection.cursor().copy(
            f"COPY decisions_auditevent ({columns}) FROM STDIN"
        ) as copy:
            while seq < args.events:
                seq += 1
                occurred_at = start + dt.timedelta(seconds=seq, microseconds=seq % 999_983)
                payload = {"fields": ["answers", "title"], "answers_version": seq % 40 + 1}
                content = {
                    "seq": seq,
                    "occurred_at": occurred_at.isoformat(),
                    "actor": "alice",
                    "department": "dfe",
                    "action": "case.updated",
                    "object_type": "case",
                    "object_id": str(seq % 5000),
                    "payload": payload,
                    "prev_sha256": previous,
                }
                sha = hashlib.sha256(canonical_json(content)).hexdigest()
                head = [seq, occurred_at, "alice", "dfe", "case.updated", "case"]
                copy.write_row([*head, content["object_id"], json.dumps(payload), previous, sha])
                if seq % every == 0:
                    checkpoints.append((seq, sha))
                previous = sha
        with cursor.connection.cursor().copy(
            "COPY decisions_auditcheckpoint (seq, head_sha256, created_at) FROM STDIN"
        ) as copy:
            for row in checkpoints:
                copy.write_row((*row, start))
        # The planner's statistics, as autovacuum would gather them after such a load.
        cursor.execute("ANALYZE decisions_auditevent")
        cursor.execute("ANALYZE decisions_auditcheckpoint")
    return _emit({"events": seq, "seconds": time.perf_counter() - started})


def step_verify(args: argparse.Namespace) -> int:
    """manage.py verify_audit, timed, with this process's peak memory."""
    _django()
    import io

    from django.core.management import call_command, load_command_class

    load_command_class("decisions", "verify_audit")  # the command's imports, in the base
    base = _peak_mb()

    out = io.StringIO()
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        call_command("verify_audit", stdout=out)
    except SystemExit:
        pass  # exit 1 on a problem: the report says which
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    report = json.loads(out.getvalue())
    return _emit(
        {
            "events": report["events"],
            "valid": report["valid"],
            "problems": report["problems"][:3],
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "load": [load_before, os.getloadavg()[0]],
            "peak_mb": _peak_mb(),
            "base_mb": base,
        }
    )


def step_grow(args: argparse.Namespace) -> int:
    """Copy the demo's approved records up to --records (content with random answers, a hard
    link to a real rendered PDF each)."""
    _django()
    import random

    from django.conf import settings
    from django.db import transaction

    from decisions.records.models import DecisionAction, DecisionRecord, RecordPdf
    from scripts.bench_impact import generate_answers
    from sourcing.jobs import JobStatus

    templates = list(
        DecisionRecord.objects.filter(action=DecisionAction.APPROVE, pdf__status=JobStatus.DONE)
        .select_related("pdf")
        .order_by("seq")
    )
    if not templates:
        raise SystemExit("the demo data has no approved record with a rendered PDF")
    last = DecisionRecord.objects.order_by("-seq").first()
    assert last is not None
    count = DecisionRecord.objects.count()
    wanted = args.records - count
    media = Path(settings.MEDIA_ROOT)
    rng = random.Random(args.records)
    answers = generate_answers(max(wanted, 0), seed=args.records)
    started = time.perf_counter()
    seq, previous = last.seq, last.record_sha256
    batch = 500
    for offset in range(0, max(wanted, 0), batch):
        records, pdfs = [], []
        for n in range(offset, min(offset + batch, wanted)):
            template = templates[rng.randrange(len(templates))]
            seq += 1
            sha = hashlib.sha256(f"bench record {seq}".encode()).hexdigest()
            content = {**template.content, "answers": answers[n]}
            records.append(
                DecisionRecord(
                    seq=seq,
                    case_id=template.case_id,
                    reference=f"BENCH-{seq:06d}",
                    department_id=template.department_id,
                    action=template.action,
                    recommended=template.recommended,
                    decided_option=template.decided_option,
                    overridden=template.overridden,
                    decided_by_id=template.decided_by_id,
                    decided_at=template.decided_at,
                    review_by=template.review_by,
                    content=content,
                    record_sha256=sha,
                    previous_sha256=previous,
                )
            )
            previous = sha
            source = media / template.pdf.path
            path = Path(template.pdf.path).with_name(f"bench-{seq:06d}.pdf")
            if not (media / path).exists():
                os.link(source, media / path)
            pdfs.append((seq, template.pdf, str(path)))
        with transaction.atomic():
            made = {r.seq: r for r in DecisionRecord.objects.bulk_create(records)}
            RecordPdf.objects.bulk_create(
                RecordPdf(
                    record=made[s],
                    status=JobStatus.DONE,
                    attempts=1,
                    rendered_at=pdf.rendered_at,
                    path=path,
                    sha256=pdf.sha256,
                    size=pdf.size,
                )
                for s, pdf, path in pdfs
            )
    return _emit(
        {"records": DecisionRecord.objects.count(), "seconds": time.perf_counter() - started}
    )


def step_export(args: argparse.Namespace) -> int:
    """A bulk export of every record (the build runs in this process), timed, with the peak."""
    _django()
    from decisions.exports.services import export_start
    from sourcing.models import User

    base = _peak_mb()

    started = time.perf_counter()
    job = export_start(by=User.objects.get(username="dave"), filters={})  # built on commit
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return _emit(
        {
            "status": job.status,
            "records": job.total,
            "zip_mb": (job.size or 0) / 1024 / 1024,
            "seconds": seconds,
            "peak_mb": _peak_mb(),
            "base_mb": base,
        }
    )


def step_replay(args: argparse.Namespace) -> int:
    """Replays of every approved decision, each followed by the engine alone on the same
    answers already in memory (validated and scored as the replay does), --rounds times in
    turn; the median of each and the ratio of the medians (and each round's)."""
    _django()
    import statistics

    from decisions import engine
    from decisions.impact.services import ruleset_replay_start
    from decisions.records.models import DecisionAction, DecisionRecord
    from decisions.rulesets.models import Ruleset
    from decisions.rulesets.selectors import engine_ruleset
    from sourcing.models import User

    base = _peak_mb()
    carol = User.objects.get(username="carol")
    published = Ruleset.objects.current()
    assert published is not None
    answers: list[Any] = []
    rounds: list[tuple[float, float]] = []
    run = None
    peak = base
    for _ in range(args.rounds):
        started = time.perf_counter()
        run = ruleset_replay_start(by=carol)  # runs on commit, in this process
        seconds = time.perf_counter() - started
        if not answers:  # after the first replay, so its peak is the replay's alone
            peak = _peak_mb()
            answers = [
                record.content.get("answers", {})
                for record in DecisionRecord.objects.filter(
                    action=DecisionAction.APPROVE, superseded_by__isnull=True
                ).iterator(chunk_size=500)
            ]
        current = engine_ruleset(published)
        started = time.perf_counter()
        for item in answers:
            if not engine.validate_answers(item, partial=False):
                engine.winner(item, current)
        rounds.append((seconds, time.perf_counter() - started))
    assert run is not None
    run.refresh_from_db()
    seconds = statistics.median(r for r, _ in rounds)
    engine_seconds = statistics.median(e for _, e in rounds)
    return _emit(
        {
            "status": run.status,
            "replayed": (run.result or {}).get("total"),
            "seconds": seconds,
            "engine_seconds": engine_seconds,
            "ratio": seconds / engine_seconds if engine_seconds else float("nan"),
            "rounds": [[r, e] for r, e in rounds],
            "load": os.getloadavg(),
            "peak_mb": peak,
            "base_mb": base,
        }
    )


STEPS = {
    "prepare": step_prepare,
    "events": step_events,
    "verify": step_verify,
    "grow": step_grow,
    "export": step_export,
    "replay": step_replay,
}


# --- The orchestration ---------------------------------------------------------------------


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.strip("/")}" WITH (FORCE)')


def run_step(env: dict[str, str], *argv: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *argv],
        cwd=ROOT,
        env=env,
        check=False,
        text=True,
        stdout=subprocess.PIPE,
    )
    if result.returncode != 0:
        raise SystemExit(f"batch step failed ({result.returncode}): {' '.join(argv)}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def orchestrate(args: argparse.Namespace) -> int:
    url = bench_database_url("batch", "BATCH_DATABASE_URL")
    create_database(url, "batch", "BATCH_DATABASE_URL", "batch bench")
    var = OUT / "batch-var"
    subprocess.run(["rm", "-rf", str(var)], check=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "sourcing.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "0",
        "VAR_DIR": str(var),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # Emails are written to their outbox; the dummy backend sends nothing (no console output).
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    env.pop("MIGRATE_DATABASE_URL", None)
    env.pop("REDIS_URL", None)  # exports and replays run in the step's own process
    now = dt.datetime.now(dt.UTC)
    print(
        f"batch bench {now:%Y-%m-%d %H:%M} UTC on {platform.node()}: {os.cpu_count()} cores, "
        f"python {platform.python_version()}; database {urlsplit(url).path.strip('/')}"
    )
    figures: dict[str, Any] = {"when": now.isoformat(), "sizes": {}}
    failures: list[str] = []
    try:
        run_step(env, "prepare")
        made = run_step(env, "events", "--events", str(args.events))
        print(f"\naudit chain: {made['events']:,} events appended in {made['seconds']:.0f} s")
        verify = run_step(env, "verify")
        figures["verify_audit"] = verify
        print(
            f"verify_audit, {verify['events']:,} events: {verify['seconds']:.1f} s "
            f"({verify['cpu_seconds']:.1f} s of its own CPU; load average "
            f"{verify['load'][0]:.1f} before, {verify['load'][1]:.1f} after), "
            f"peak {verify['peak_mb']:.0f} MB (base {verify['base_mb']:.0f} MB); "
            f"valid: {verify['valid']}  (targets <= 30 s, peak < 100 MB)"
        )
        if verify["events"] >= 1_000_000:
            if verify["seconds"] > TARGETS["verify_audit seconds"]:
                failures.append(f"verify_audit took {verify['seconds']:.1f} s")
            if verify["peak_mb"] >= TARGETS["verify_audit peak MB"]:
                failures.append(f"verify_audit peaked at {verify['peak_mb']:.0f} MB")
        for size in args.records:
            grown = run_step(env, "grow", "--records", str(size))
            export = run_step(env, "export")
            replay = run_step(env, "replay", "--rounds", str(args.rounds))
            figures["sizes"][size] = {"grow": grown, "export": export, "replay": replay}
            print(f"\n{grown['records']:,} decision records ({grown['seconds']:.0f} s to copy)")
            print(
                f"  bulk export: {export['seconds']:.1f} s, peak {export['peak_mb']:.0f} MB "
                f"(base {export['base_mb']:.0f} MB), zip {export['zip_mb']:.0f} MB, "
                f"status {export['status']}"
            )
            print(
                f"  replay of {replay['replayed']:,} approved decisions: "
                f"{replay['seconds']:.2f} s against {replay['engine_seconds']:.2f} s for the "
                f"engine alone (medians of {len(replay['rounds'])} rounds in turn: "
                f"{replay['ratio']:.2f}x; target <= 2x; each round "
                + ", ".join(f"{r / e:.2f}x" for r, e in replay["rounds"])
                + f"; load average {replay['load'][0]:.1f}), "
                f"peak {replay['peak_mb']:.0f} MB (base {replay['base_mb']:.0f} MB)"
            )
            if size >= 10_000 and export["peak_mb"] >= TARGETS["export peak MB at 10000"]:
                failures.append(f"export of {size} records peaked at {export['peak_mb']:.0f} MB")
            if replay["ratio"] > TARGETS["replay over engine"]:
                failures.append(f"replay at {size} records: {replay['ratio']:.2f}x the engine")
    finally:
        if not args.keep:
            drop_database(url)
            subprocess.run(["rm", "-rf", str(var)], check=False)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"batch-{now:%Y%m%dT%H%M}.json"
    path.write_text(json.dumps(figures, indent=1))
    for failure in failures:
        print(f"OVER TARGET: {failure}")
    print(f"\nfigures saved to {path.relative_to(ROOT)}")
    return 1 if failures and args.strict else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", nargs="?", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument(
        "--records",
        type=lambda text: [int(n) for n in text.split(",")] if "," in text else int(text),
        default=[1000, 10000],
        help="record counts, comma-separated (default 1000,10000)",
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="replays, each beside the engine alone"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--strict", action="store_true", help="exit 1 when over a target")
    args = parser.parse_args()
    if args.step:
        return STEPS[args.step](args)
    if isinstance(args.records, int):
        args.records = [args.records]
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
