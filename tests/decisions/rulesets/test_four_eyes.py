"""Four eyes for rules: publishing a draft needs a second steward's approval of that exact
draft (its hash); the steward who started it cannot approve it; a change after the approval
needs a new one; pages and API alike, audited."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.audit.models import AuditEvent
from decisions.rulesets import selectors
from decisions.rulesets.models import Ruleset
from decisions.rulesets.services import (
    golden_cases_import,
    publish_approval,
    publish_approvals,
    ruleset_approve,
    ruleset_draft_create,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_rule_save,
)
from sourcing.errors import TransitionRefused
from sourcing.models import User
from tests.pages import Api, error_summary

pytestmark = pytest.mark.usefixtures("eager_tasks")
ClientAs = Callable[[User | None], Client]


@pytest.fixture
def draft(users: dict[str, User]) -> Ruleset:
    ruleset_publish_default()
    golden_cases_import()
    return ruleset_draft_create(by=users["steward"], version="2026.3")


@pytest.fixture
def tess(make_user: Callable[..., User]) -> User:
    return make_user("tess", "steward")


def test_the_author_cannot_approve_and_cannot_publish_without_a_second_steward(
    users: dict[str, User], draft: Ruleset, tess: User
) -> None:
    erin = users["steward"]
    with pytest.raises(TransitionRefused, match="another ruleset steward must approve it"):
        ruleset_approve(draft=draft, by=erin, sha256=draft.sha256)
    with pytest.raises(TransitionRefused, match="Another ruleset steward must approve"):
        ruleset_publish(draft=draft, by=erin, change_summary="Mine alone")
    approval = ruleset_approve(draft=draft, by=tess, sha256=draft.sha256, comment="Read it.")
    published = ruleset_publish(draft=draft, by=erin, change_summary="Four eyes")
    assert published.published_at is not None and published.sha256 == approval.sha256
    approved = AuditEvent.objects.get(action="ruleset.approved")
    assert approved.actor == "tess" and approved.payload["sha256"] == draft.sha256
    event = AuditEvent.objects.get(action="ruleset.published", object_id="2026.3")
    assert event.payload["approved_by"] == "tess"


def test_the_approver_does_not_publish_on_their_own_approval(
    users: dict[str, User], draft: Ruleset, tess: User
) -> None:
    ruleset_approve(draft=draft, by=tess, sha256=draft.sha256)
    with pytest.raises(TransitionRefused, match="your own, does not count"):
        ruleset_publish(draft=draft, by=tess, change_summary="I approved it myself")


def test_an_approval_is_of_the_exact_draft_a_change_needs_a_new_one(
    users: dict[str, User], draft: Ruleset, tess: User
) -> None:
    erin = users["steward"]
    seen = draft.sha256
    ruleset_approve(draft=draft, by=tess, sha256=seen)
    rule = copy.deepcopy(draft.content["rules"][1])
    rule["effects"]["buy"] = rule["effects"].get("buy", 0) + 1
    changed = ruleset_rule_save(draft=draft, by=erin, rule=rule, replaces=rule["id"])
    assert changed.sha256 != seen
    with pytest.raises(TransitionRefused, match="as it is now"):
        ruleset_publish(draft=changed, by=erin, change_summary="Changed after approval")
    with pytest.raises(TransitionRefused, match="has changed since you read it"):
        ruleset_approve(draft=changed, by=tess, sha256=seen)
    ruleset_approve(draft=changed, by=tess, sha256=changed.sha256)
    assert ruleset_publish(draft=changed, by=erin, change_summary="Again").published_at


def test_the_publish_page_offers_approval_to_a_second_steward_only(
    users: dict[str, User], draft: Ruleset, tess: User, client_as: ClientAs
) -> None:
    url = reverse("ruleset_publish", args=[draft.version])
    own = client_as(users["steward"]).get(url).content.decode()
    assert "You started this draft, so you cannot approve it" in own
    assert 'action="/rulesets/2026.3/approve/"' not in own
    assert draft.sha256 in own
    assert selectors.draft_for_publish(draft.version).content_md5 == (  # type: ignore[union-attr]
        selectors.with_content_md5(Ruleset.objects.filter(pk=draft.pk)).get().content_md5  # type: ignore[attr-defined]
    )
    assert selectors.draft_for_publish("2099.9") is None
    other = client_as(tess)
    assert 'action="/rulesets/2026.3/approve/"' in other.get(url).content.decode()
    stale = other.post(reverse("ruleset_approve", args=[draft.version]), {"sha256": "0" * 64})
    assert stale.status_code == 200
    assert error_summary(stale)[0][1].startswith("Draft 2026.3 has changed since you read it")
    done = other.post(
        reverse("ruleset_approve", args=[draft.version]),
        {"sha256": draft.sha256, "comment": "Checked"},
    )
    assert done["Location"] == url
    page = client_as(users["steward"]).get(url).content.decode()
    assert "Yes, by tess" in page and "Checked" in page
    published = client_as(users["steward"]).post(url, {"change_summary": "Approved by tess"})
    assert published.status_code == 302


def test_the_api_approves_and_publishes_with_four_eyes(
    users: dict[str, User], draft: Ruleset, tess: User
) -> None:
    erin, other = Api(users["steward"]), Api(tess)
    refused = erin.send("POST", "rulesets/2026.3/approvals", {"sha256": draft.sha256})
    assert refused.status_code == 409
    early = erin.send("POST", "rulesets/2026.3/publish", {"change_summary": "Alone"})
    assert early.status_code == 409 and "approve" in early.json()["detail"]
    stale = other.send("POST", "rulesets/2026.3/approvals", {"sha256": "f" * 64})
    assert stale.status_code == 409
    bad = other.send("POST", "rulesets/2026.3/approvals", {"sha": draft.sha256})
    assert bad.status_code == 422
    approved = other.send("POST", "rulesets/2026.3/approvals", {"sha256": draft.sha256})
    assert approved.status_code == 201 and approved.json()["approved_by"] == "tess"
    done = erin.send("POST", "rulesets/2026.3/publish", {"change_summary": "Four eyes"})
    assert done.status_code == 200 and done.json()["version"] == "2026.3"
    assert Api(users["reviewer"]).send("POST", "rulesets/2026.3/publish", {}).status_code == 403
    assert erin.send("POST", "rulesets/2099.9/approvals", {"sha256": "x"}).status_code == 404


def test_a_steward_who_changed_the_draft_cannot_approve_it(
    users: dict[str, User], draft: Ruleset, tess: User, make_user: Callable[..., User]
) -> None:
    rule = copy.deepcopy(draft.content["rules"][1])
    rule["effects"]["buy"] = rule["effects"].get("buy", 0) + 1
    changed = ruleset_rule_save(draft=draft, by=tess, rule=rule, replaces=rule["id"])
    with pytest.raises(TransitionRefused, match=r"You changed draft 2026\.3"):
        ruleset_approve(draft=changed, by=tess, sha256=changed.sha256)
    assert not changed.approvals.exists()
    ruleset_approve(draft=changed, by=make_user("uma", "steward"), sha256=changed.sha256)
    assert changed.approvals.count() == 1


def test_the_publish_page_s_two_approvals_are_read_together_as_each_alone(
    users: dict[str, User],
    draft: Ruleset,
    tess: User,
    make_user: Callable[..., User],
    django_assert_num_queries: Callable[..., Any],
) -> None:
    uma = make_user("uma", "steward")
    author = users["steward"]
    for publisher in (author, tess, uma):
        assert publish_approvals(draft, publisher=publisher) == (None, None)
    ruleset_approve(draft=draft, by=tess, sha256=draft.sha256)
    ruleset_approve(draft=draft, by=uma, sha256=draft.sha256)
    for publisher in (author, tess, uma):
        with CaptureQueriesContext(connection) as read:
            found = publish_approvals(draft, publisher=publisher)
        assert len(read.captured_queries) == 1
        assert '"password"' not in read.captured_queries[0]["sql"]  # who approved: names only
        expected = (publish_approval(draft, publisher=publisher), publish_approval(draft))
        assert found == expected
        assert found[1] is not None and found[1].approved_by == uma  # the latest
        assert found[1].approved_by.get_username() == "uma"
        assert found[0] is not None and found[0].approved_by != publisher
    rule = copy.deepcopy(draft.content["rules"][1])
    rule["effects"]["buy"] = rule["effects"].get("buy", 0) + 1
    changed = ruleset_rule_save(draft=draft, by=author, rule=rule, replaces=rule["id"])
    assert publish_approvals(changed, publisher=author) == (None, None)  # of another content
