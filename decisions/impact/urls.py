"""Routes of the impact preview and replay pages (declared in sourcing.access.PERMISSIONS).

Included before decisions.rulesets.urls, so "replay" and "impact" are never read as versions.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.impact import views

urlpatterns: list[URLPattern] = [
    path("rulesets/replay/", views.ruleset_replay, name="ruleset_replay"),
    path("rulesets/replay/<int:run_id>/", views.ruleset_replay_run, name="ruleset_replay_run"),
    path("rulesets/replay/<int:run_id>/csv/", views.ruleset_replay_csv, name="ruleset_replay_csv"),
    path("rulesets/impact/<int:run_id>/", views.ruleset_impact_run, name="ruleset_impact_run"),
    path("rulesets/<str:version>/impact/", views.ruleset_impact, name="ruleset_impact"),
]
