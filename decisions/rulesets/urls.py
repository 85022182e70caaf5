"""Routes of the ruleset pages (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.rulesets import views

urlpatterns: list[URLPattern] = [
    path("rulesets/", views.ruleset_list, name="ruleset_list"),
    path("rulesets/new/", views.ruleset_start, name="ruleset_start"),
    path("rulesets/golden-cases/", views.golden_list, name="golden_list"),
    path("rulesets/golden-cases/new/", views.golden_new, name="golden_new"),
    path("rulesets/golden-cases/<slug:code>/", views.golden_edit, name="golden_edit"),
    path("rulesets/<str:version>/", views.ruleset_detail, name="ruleset_detail"),
    path("rulesets/<str:version>/file/", views.ruleset_download, name="ruleset_download"),
    path("rulesets/<str:version>/rules/new/", views.ruleset_rule_add, name="ruleset_rule_add"),
    path(
        "rulesets/<str:version>/rules/<str:rule_id>/",
        views.ruleset_rule_edit,
        name="ruleset_rule_edit",
    ),
    path(
        "rulesets/<str:version>/rules/<str:rule_id>/remove/",
        views.ruleset_rule_remove,
        name="ruleset_rule_remove",
    ),
    path("rulesets/<str:version>/upload/", views.ruleset_upload, name="ruleset_upload"),
    path("rulesets/<str:version>/changes/", views.ruleset_diff, name="ruleset_diff"),
    path("rulesets/<str:version>/publish/", views.ruleset_publish, name="ruleset_publish"),
    path("rulesets/<str:version>/approve/", views.ruleset_approve, name="ruleset_approve"),
]
