"""Routes of the people pages: home, sign in (password or provider), sign out, the department
administrator's pages (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from sourcing.people import notification_views, views

urlpatterns: list[URLPattern] = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    # One pair per identity provider, by its key (one provider alone: "department").
    path("sign-in/<slug:provider>/", views.oidc_start, name="oidc_start"),
    path("sign-in/<slug:provider>/callback/", views.oidc_callback, name="oidc_callback"),
    path(
        "account/notifications/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path("department/people/", views.department_people, name="department_people"),
    path("department/people/invite/", views.department_invite, name="department_invite"),
    path(
        "department/people/<int:user_id>/role/",
        views.department_member_role,
        name="department_member_role",
    ),
    path(
        "department/people/<int:user_id>/close/",
        views.department_member_close,
        name="department_member_close",
    ),
    path(
        "department/invitations/<int:invitation_id>/withdraw/",
        views.department_invitation_withdraw,
        name="department_invitation_withdraw",
    ),
    path("centre/people/", views.coe_people_page, name="coe_people"),
    path("centre/people/<int:user_id>/role/", views.coe_person_role, name="coe_person_role"),
]
