"""App configuration for decisions."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate, post_save


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"

    def ready(self) -> None:
        # Register every task module with Celery, in the web process and in the worker alike:
        # services queue tasks by name (sourcing.tasks.enqueue) and never import these modules.
        from decisions.audit import tasks as audit_tasks  # noqa: F401
        from decisions.exports import tasks as exports_tasks  # noqa: F401
        from decisions.impact import tasks as impact_tasks  # noqa: F401
        from decisions.integrity import tasks as integrity_tasks  # noqa: F401
        from decisions.integrity.dbroles import grants_after_migrate
        from decisions.integrity.system_checks import signing_key_check
        from decisions.records import tasks as records_tasks  # noqa: F401
        from decisions.records.consistency import consistency_answers_changed
        from decisions.review import tasks as review_tasks  # noqa: F401
        from sourcing.models import Case, CaseStatus

        # A returned case's answers may be a reopened decision's, which other cases' consistency
        # checks compare with as answered now: a save retires the kept checks.
        def case_saved(instance: Case, **_: object) -> None:
            if instance.status == CaseStatus.RETURNED:
                consistency_answers_changed()

        post_save.connect(case_saved, sender=Case, weak=False, dispatch_uid="consistency-case")
        # After every migrate, grant the application role again (tables may be new).
        post_migrate.connect(grants_after_migrate, sender=self)
        checks.register(signing_key_check)
