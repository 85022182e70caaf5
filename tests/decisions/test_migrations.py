"""The decisions app's data migrations, run on data made by the real services."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from decisions.assessments.models import Assessment
from decisions.assessments.selectors import assessment_sha256
from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create
from decisions.rulesets.models import Ruleset
from sourcing.models import User
from tests.factories import complete_answers, golden_answers

ASSESSMENT_SHA256 = importlib.import_module("decisions.migrations.0018_assessment_sha256")


def test_the_backfill_stores_each_assessment_s_hash_as_computed(
    users: dict[str, User], ruleset: Ruleset, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    user = users["commercial"]
    made = [
        assessment_run(case=case_create(by=user, title=title, answers=answers), by=user)
        for title, answers in (("A", complete_answers()), ("B", golden_answers("G41")))
    ]
    made.append(assessment_run(case=made[0].case, by=user))  # the same answers again
    expected = {a.pk: assessment_sha256(Assessment.objects.get(pk=a.pk)) for a in made}
    Assessment.objects.update(sha256="")  # as the column was added: empty
    monkeypatch.setattr(ASSESSMENT_SHA256, "BATCH", 2)  # more than one batch

    ASSESSMENT_SHA256.backfill_sha256(apps, SimpleNamespace(connection=connection))

    stored = dict(Assessment.objects.values_list("pk", "sha256"))
    assert stored == expected and len(set(stored.values())) == 2
