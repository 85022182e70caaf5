"""Sign-off requests: the case owner asks a named colleague per discipline; the colleague, signed
in as themselves, reads the case and signs off or declines; a change to anything signed (answers,
explanations, title, summary) makes the sign-off stale and one action asks the same people
again. Services, pages (no JavaScript) and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from decisions.assessments.selectors import assessment_sha256, latest_assessment
from decisions.assessments.services import assessment_run
from decisions.audit.models import AuditEvent
from decisions.cases.selectors import signoff_requests_for
from decisions.cases.services import (
    case_create,
    case_submit,
    case_update,
    case_withdraw,
    renewable_disciplines,
    signoff_record,
    signoff_request_create,
    signoff_request_decide,
    signoff_requests_renew,
    submission_blockers,
)
from decisions.records.models import DecisionRecord
from decisions.review.services import review_decide
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import (
    Case,
    Department,
    Discipline,
    Role,
    SignOffRequest,
    SignOffRequestStatus,
    User,
)
from sourcing.people.names import user_text
from tests.factories import complete_answers
from tests.pages import Api

ClientAs = Callable[[User | None], Client]


@pytest.fixture
def team(make_user: Callable[..., User], dept_a: Department) -> dict[str, User]:
    """A signatory of each discipline in department A (commercial users)."""
    return {d: make_user(f"signatory-{d}", Role.COMMERCIAL, dept_a) for d in Discipline.values}


@pytest.fixture
def assessed(ruleset: Any, users: dict[str, User]) -> Case:
    """A case of department A with complete answers, assessed and explained."""
    owner = users["commercial"]
    case = case_create(by=owner, title="Appeals casework", answers=complete_answers())
    assessment = assessment_run(case=case, by=owner)
    explain = {
        c["check"]: "Explained."
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explain)
    case.refresh_from_db()
    return case


def _ask_all(case: Case, owner: User, team: dict[str, User]) -> list[SignOffRequest]:
    return [
        signoff_request_create(case=case, by=owner, discipline=d, user=team[d].username)
        for d in Discipline.values
    ]


# Services -------------------------------------------------------------------------------------


def test_a_signatory_signs_off_as_themselves_with_the_assessment_they_read(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    asked = signoff_request_create(
        case=assessed, by=owner, discipline="finance", user=team["finance"].username
    )
    assert list(signoff_requests_for(team["finance"])) == [asked]
    assert list(signoff_requests_for(team["legal"])) == []
    latest = latest_assessment(assessed)
    assert latest is not None
    seen = assessment_sha256(latest)
    decided = signoff_request_decide(
        request=asked, by=team["finance"], decision="signed", assessment_sha256=seen
    )
    assert decided.status == SignOffRequestStatus.SIGNED and decided.decided_at is not None
    signoff = decided.signoff
    assert signoff is not None
    assert (signoff.signatory, signoff.recorded_by) == (team["finance"], team["finance"])
    assert signoff.assessment_sha256 == seen and len(seen) == 64 and not signoff.no_account
    assert list(signoff_requests_for(team["finance"])) == []
    actions = list(
        AuditEvent.objects.filter(object_type="case", object_id=str(assessed.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["case.signoff_requested", "case.signoff_decided"]


def test_only_the_person_asked_decides_and_only_once(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    asked = signoff_request_create(
        case=assessed, by=users["commercial"], discipline="legal", user=team["legal"].username
    )
    with pytest.raises(TransitionRefused, match="Only the person asked"):
        signoff_request_decide(request=asked, by=team["finance"], decision="signed")
    with pytest.raises(ValidationFailed) as failed:
        signoff_request_decide(request=asked, by=team["legal"], decision="declined")
    assert failed.value.errors == {"comment": ["Enter why you are declining to sign off"]}
    signoff_request_decide(
        request=asked, by=team["legal"], decision="declined", comment="The exit plan is thin."
    )
    with pytest.raises(TransitionRefused, match="declined already"):
        signoff_request_decide(request=asked, by=team["legal"], decision="signed")
    assert not assessed.signoffs.exists()


def test_a_request_names_a_colleague_of_the_department_never_the_owner_or_an_outsider(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    for who, message in (
        (owner.username, "the case owner cannot sign off their own case"),
        (users["outsider"].username, "Select a colleague of your department to ask"),
        (users["reviewer"].username, "Select a colleague of your department to ask"),
    ):
        with pytest.raises(ValidationFailed) as failed:
            signoff_request_create(case=assessed, by=owner, discipline="digital", user=who)
        assert message in failed.value.errors["user"][0]
    with pytest.raises(ValidationFailed) as failed:
        signoff_request_create(case=assessed, by=owner, discipline="catering", user="")
    assert set(failed.value.errors) == {"discipline", "user"}
    assert not SignOffRequest.objects.exists()


def test_asking_again_replaces_the_waiting_request(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    first = signoff_request_create(
        case=assessed, by=owner, discipline="digital", user=team["digital"].username
    )
    second = signoff_request_create(
        case=assessed, by=owner, discipline="digital", user=team["legal"].username
    )
    first.refresh_from_db()
    assert first.status == SignOffRequestStatus.CANCELLED
    assert list(SignOffRequest.objects.pending()) == [second]
    with pytest.raises(TransitionRefused, match="cancelled already"):
        signoff_request_decide(request=first, by=team["digital"], decision="signed")


def test_a_changed_answer_makes_the_sign_off_stale_and_one_action_asks_the_same_people(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    for asked in _ask_all(assessed, owner, team):
        signoff_request_decide(request=asked, by=asked.signatory, decision="signed")
    assert renewable_disciplines(assessed) == {}
    case_update(case=assessed, by=owner, answers={"criticality": "low"})
    assessed.refresh_from_db()
    assert renewable_disciplines(assessed) == team
    codes = {b.code for b in submission_blockers(assessed)}
    assert "signoff_stale" in codes
    renewed = signoff_requests_renew(case=assessed, by=owner)
    assert {(r.discipline, r.signatory) for r in renewed} == set(team.items())
    assert renewable_disciplines(assessed) == {}
    with pytest.raises(TransitionRefused, match="No sign-off needs asking again"):
        signoff_requests_renew(case=assessed, by=owner)
    # Signing a stale assessment is refused: there is no recommendation on the new answers.
    with pytest.raises(TransitionRefused, match="no recommendation on the current answers"):
        signoff_request_decide(request=renewed[0], by=renewed[0].signatory, decision="signed")


# What a signatory signs: each kind of change a sign-off goes stale on.
SIGNED = ("answers", "explanations", "title", "summary")
NEW_TEXT = {"title": "Appeals casework, renamed", "summary": "Written after the sign-offs."}


def _change(case: Case, kind: str) -> dict[str, Any]:
    """A change of this kind to the case, as case_update (and the API's PATCH) takes it."""
    if kind == "answers":
        return {"answers": {"criticality": "low"}}
    if kind == "explanations":
        return {"explanations": {key: "Explained again, differently." for key in case.explanations}}
    return {kind: NEW_TEXT[kind]}


@pytest.mark.parametrize("kind", SIGNED)
def test_any_change_to_what_was_signed_makes_the_sign_offs_stale(
    kind: str, assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    for asked in _ask_all(assessed, owner, team):
        signoff_request_decide(request=asked, by=asked.signatory, decision="signed")
    case_update(case=assessed, by=owner, sro_name="Sam Owner")
    assessed.refresh_from_db()
    assert submission_blockers(assessed) == []  # naming the SRO is not something signed
    assert assessed.explanations  # the fixture explains at least one policy check
    case_update(case=assessed, by=owner, **_change(assessed, kind))
    assessed.refresh_from_db()
    assert renewable_disciplines(assessed) == team
    stale = [b for b in submission_blockers(assessed) if b.code == "signoff_stale"]
    assert [b.concerns for b in stale] == list(Discipline.values)
    assert stale[0].message == (
        "Get the commercial sign-off again: the case changed after it was signed"
    )
    with pytest.raises(TransitionRefused, match="sign-off again"):
        case_submit(case=assessed, by=owner)
    renewed = signoff_requests_renew(case=assessed, by=owner)
    assert {(r.discipline, r.signatory) for r in renewed} == set(team.items())
    if kind == "answers":  # a new recommendation first: the answers it assessed changed
        assessment_run(case=assessed, by=owner)
    for asked in renewed:
        signoff_request_decide(request=asked, by=asked.signatory, decision="signed")
    assessed.refresh_from_db()
    assert submission_blockers(assessed) == []
    assert case_submit(case=assessed, by=owner).status == "submitted"


def test_a_signatory_who_read_an_older_title_is_refused(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    asked = signoff_request_create(
        case=assessed, by=owner, discipline="legal", user=team["legal"].username
    )
    read = assessed.content_version
    case_update(case=assessed, by=owner, title="Renamed while they read")
    with pytest.raises(TransitionRefused, match="The case changed after you opened it"):
        signoff_request_decide(
            request=asked, by=team["legal"], decision="signed", content_version=read
        )
    asked.refresh_from_db()
    assert asked.status == SignOffRequestStatus.PENDING
    signed = signoff_request_decide(
        request=asked, by=team["legal"], decision="signed", content_version=read + 1
    )
    assert signed.content_version == read + 1


def test_a_signatory_who_read_an_older_assessment_is_refused(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    asked = signoff_request_create(
        case=assessed, by=owner, discipline="commercial", user=team["commercial"].username
    )
    latest = latest_assessment(assessed)
    assert latest is not None
    read = assessment_sha256(latest)
    case_update(case=assessed, by=owner, answers={"criticality": "low"})
    assessment_run(case=assessed, by=owner)
    with pytest.raises(TransitionRefused, match="The case changed after you opened it"):
        signoff_request_decide(
            request=asked, by=team["commercial"], decision="signed", assessment_sha256=read
        )
    asked.refresh_from_db()
    assert asked.status == SignOffRequestStatus.PENDING


def test_a_case_signed_by_its_signatories_is_submitted_and_the_record_says_how(
    assessed: Case, users: dict[str, User], team: dict[str, User], client_as: ClientAs
) -> None:
    owner = users["commercial"]
    asked = _ask_all(assessed, owner, team)
    for request in asked[:3]:
        signoff_request_decide(request=request, by=request.signatory, decision="signed")
    signoff_record(case=assessed, by=owner, discipline="legal", name="Sam Counsel")
    asked[3].refresh_from_db()
    assert asked[3].status == SignOffRequestStatus.CANCELLED  # the typed sign-off replaced it
    case_update(case=assessed, by=owner, sro=team["finance"].username)
    assessed.refresh_from_db()
    assert assessed.sro_name == team["finance"].username
    case_submit(case=assessed, by=owner)
    review_decide(case=assessed, by=users["reviewer"], action="approve")
    record = DecisionRecord.objects.get(case=assessed)
    content = record.content
    assert content["schema_version"] >= 3
    signoffs = {s["discipline"]: s for s in content["accountability"]["signoffs"]}
    assert signoffs["finance"]["signatory"] == team["finance"].username
    assert len(signoffs["finance"]["assessment_sha256"]) == 64
    assert signoffs["legal"]["signatory"] is None and signoffs["legal"]["no_account"] is True
    accountability = content["accountability"]
    assert accountability["senior_responsible_owner_username"] == team["finance"].username
    # The record page (and its PDF, through the same presenter) say how each was given.
    page = client_as(users["auditor"]).get(f"/records/{record.pk}/").content.decode()
    assert page.count("Signed in as themselves") == 3
    assert "no account on this service" in page
    assert signoffs["finance"]["assessment_sha256"] in page


def test_requests_wait_only_while_the_case_is_with_its_department(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    asked = signoff_request_create(
        case=assessed, by=owner, discipline="digital", user=team["digital"].username
    )
    case_withdraw(case=assessed, by=owner)
    assert list(signoff_requests_for(team["digital"])) == []
    with pytest.raises(TransitionRefused, match="withdrawn"):
        signoff_request_decide(request=asked, by=team["digital"], decision="signed")
    with pytest.raises(TransitionRefused, match="withdrawn"):
        signoff_request_create(
            case=assessed, by=owner, discipline="legal", user=team["legal"].username
        )


# Pages ----------------------------------------------------------------------------------------


def _html(response: Any) -> str:
    return str(response.content.decode())


def test_the_owner_asks_on_the_sign_offs_page_and_errors_name_the_fields(
    assessed: Case, users: dict[str, User], team: dict[str, User], client_as: ClientAs
) -> None:
    alice = client_as(users["commercial"])
    url = f"/cases/{assessed.reference}/sign-offs/"
    page = _html(alice.get(url))
    ask = page.split('id="id_user"')[1].split("</select>")[0]
    assert f'<option value="{team["legal"].username}"' in ask
    assert f'<option value="{users["commercial"].username}"' not in ask  # not the owner
    empty = _html(alice.post(url, {"form": "request"}))
    assert "govuk-error-summary" in empty
    assert '<a href="#request-discipline">Select the discipline to ask for</a>' in empty
    assert '<a href="#id_user">Select the person to ask</a>' in empty
    outsider = _html(
        alice.post(url, {"form": "request", "discipline": "legal", "user": "user-outsider"})
    )
    assert "Select a colleague of your department to ask" in outsider
    assert not SignOffRequest.objects.exists()
    asked = alice.post(
        url, {"form": "request", "discipline": "legal", "user": team["legal"].username}
    )
    assert asked["Location"] == url
    page = _html(alice.get(url))
    assert ">Waiting</strong>" in page and f"Asked {team['legal'].username}" in page


def test_the_kept_lists_show_each_change_of_what_they_show_in_constant_queries(
    assessed: Case,
    users: dict[str, User],
    team: dict[str, User],
    client_as: ClientAs,
    django_assert_num_queries: Any,
) -> None:
    owner, legal_user = users["commercial"], team["legal"]
    asked = signoff_request_create(
        case=assessed, by=owner, discipline="legal", user=legal_user.username
    )
    legal = client_as(legal_user)
    legal.get("/sign-off-requests/")
    with CaptureQueriesContext(connection) as before:
        waiting = _html(legal.get("/sign-off-requests/"))
    assert "Waiting for you (1)" in waiting and "Legal sign-off of" in waiting
    assert f"Asked by {user_text(owner)}" in waiting and "You decided" not in waiting
    signoff_request_decide(request=asked, by=legal_user, decision="declined", comment="Not yet.")
    with django_assert_num_queries(len(before)):
        decided = _html(legal.get("/sign-off-requests/"))
    assert "Waiting for you (0)" in decided and "Declined, " in decided
    case_update(case=assessed, by=owner, title="Appeals casework, renamed")
    with django_assert_num_queries(len(before)):
        renamed = _html(legal.get("/sign-off-requests/"))
    assert "Appeals casework, renamed" in renamed  # a new title: not the lists kept before


def test_the_signatory_reads_the_case_and_signs_off_without_javascript(
    assessed: Case, users: dict[str, User], team: dict[str, User], client_as: ClientAs
) -> None:
    asked = signoff_request_create(
        case=assessed, by=users["commercial"], discipline="legal", user=team["legal"].username
    )
    legal = client_as(team["legal"])
    listed = _html(legal.get("/sign-off-requests/"))
    assert f'href="/sign-off-requests/{asked.pk}/"' in listed and assessed.title in listed
    url = f"/sign-off-requests/{asked.pk}/"
    page = _html(legal.get(url))
    latest = latest_assessment(assessed)
    assert latest is not None
    sha = assessment_sha256(latest)
    assert f'name="assessment_sha256" value="{sha}"' in page
    assert "Read the full assessment" in page and "Answers" in page
    empty = _html(legal.post(url, {"assessment_sha256": sha}))
    assert '<a href="#id_decision">Select whether you sign off or decline</a>' in empty
    declined_empty = _html(legal.post(url, {"decision": "declined", "assessment_sha256": sha}))
    assert '<a href="#id_comment">Enter why you are declining to sign off</a>' in declined_empty
    signed = legal.post(url, {"decision": "signed", "assessment_sha256": sha})
    assert signed["Location"] == "/sign-off-requests/"
    signoff = assessed.signoffs.get()
    assert signoff.signatory == team["legal"] and signoff.assessment_sha256 == sha
    owner_page = _html(
        client_as(users["commercial"]).get(f"/cases/{assessed.reference}/sign-offs/")
    )
    assert "Signed off as themselves" in owner_page


def test_a_request_is_404_to_anyone_but_the_person_asked(
    assessed: Case, users: dict[str, User], team: dict[str, User], client_as: ClientAs
) -> None:
    asked = signoff_request_create(
        case=assessed, by=users["commercial"], discipline="legal", user=team["legal"].username
    )
    url = f"/sign-off-requests/{asked.pk}/"
    for user in (users["commercial"], team["finance"], users["outsider"]):
        assert client_as(user).get(url).status_code == 404
        assert client_as(user).post(url, {"decision": "signed"}).status_code == 404
    assert client_as(users["reviewer"]).get(url).status_code == 403
    asked.refresh_from_db()
    assert asked.status == SignOffRequestStatus.PENDING


def _change_on_the_page(alice: Client, case: Case, kind: str) -> None:
    ref = case.reference
    if kind == "answers":
        response = alice.post(f"/cases/{ref}/sections/need/", {"criticality": "low"})
    elif kind == "explanations":
        response = alice.post(
            f"/cases/{ref}/explanations/",
            {key: "Explained again, differently." for key in case.explanations},
        )
    else:
        details = {"title": case.title, "summary": case.summary}
        details[kind] = NEW_TEXT[kind]
        response = alice.post(f"/cases/{ref}/details/", details)
    assert response.status_code == 302


@pytest.mark.parametrize("kind", SIGNED)
def test_a_change_on_the_pages_shows_the_sign_offs_stale_and_one_button_asks_again(
    kind: str,
    assessed: Case,
    users: dict[str, User],
    team: dict[str, User],
    client_as: ClientAs,
) -> None:
    owner = users["commercial"]
    for asked in _ask_all(assessed, owner, team):
        signoff_request_decide(request=asked, by=asked.signatory, decision="signed")
    alice = client_as(owner)
    url = f"/cases/{assessed.reference}/sign-offs/"
    assert "Needs signing again" not in _html(alice.get(url))
    _change_on_the_page(alice, assessed, kind)
    page = _html(alice.get(url))
    assert page.count("Needs signing again") == 4 and "Ask them again</button>" in page
    submit = _html(alice.get(f"/cases/{assessed.reference}/submit/"))
    assert "Get the legal sign-off again: the case changed after it was signed" in submit
    assert alice.post(url, {"form": "renew"})["Location"] == url
    assert SignOffRequest.objects.pending().count() == 4


def test_the_signatory_page_refuses_a_decision_on_a_case_renamed_meanwhile(
    assessed: Case, users: dict[str, User], team: dict[str, User], client_as: ClientAs
) -> None:
    asked = signoff_request_create(
        case=assessed, by=users["commercial"], discipline="legal", user=team["legal"].username
    )
    legal = client_as(team["legal"])
    url = f"/sign-off-requests/{asked.pk}/"
    page = _html(legal.get(url))
    version = assessed.content_version
    assert f'name="content_version" value="{version}"' in page
    sha = page.split('name="assessment_sha256" value="')[1].split('"')[0]
    case_update(case=assessed, by=users["commercial"], summary="Changed while they read.")
    refused = _html(
        legal.post(
            url, {"decision": "signed", "assessment_sha256": sha, "content_version": version}
        )
    )
    assert "The case changed after you opened it" in refused
    assert not assessed.signoffs.exists()


def test_stale_sign_offs_are_asked_again_with_one_button(
    assessed: Case, users: dict[str, User], team: dict[str, User], client_as: ClientAs
) -> None:
    owner = users["commercial"]
    for asked in _ask_all(assessed, owner, team):
        signoff_request_decide(request=asked, by=asked.signatory, decision="signed")
    case_update(case=assessed, by=owner, answers={"criticality": "low"})
    alice = client_as(owner)
    url = f"/cases/{assessed.reference}/sign-offs/"
    page = _html(alice.get(url))
    assert page.count("Needs signing again") == 4 and "Ask them again</button>" in page
    response = alice.post(url, {"form": "renew"})
    assert response["Location"] == url
    assert SignOffRequest.objects.pending().count() == 4
    page = _html(alice.get(url))
    assert page.count(">Waiting</strong>") == 4 and "Ask them again</button>" not in page
    again = _html(alice.post(url, {"form": "renew"}))
    assert "No sign-off needs asking again." in again


# API ------------------------------------------------------------------------------------------


def test_the_api_asks_and_the_person_asked_decides(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = Api(users["commercial"])
    bad = owner.send(
        "POST", f"cases/{assessed.pk}/signoff-requests", {"discipline": "catering", "user": 7}
    )
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in bad.json()["detail"]} == {
        ("body", "discipline"),
        ("body", "user"),
    }
    stranger = owner.send(
        "POST",
        f"cases/{assessed.pk}/signoff-requests",
        {"discipline": "legal", "user": "user-outsider"},
    )
    assert stranger.status_code == 422
    assert stranger.json()["detail"][0]["loc"] == ["body", "user"]
    created = owner.send(
        "POST",
        f"cases/{assessed.pk}/signoff-requests",
        {"discipline": "legal", "user": team["legal"].username},
    )
    assert created.status_code == 201
    asked = created.json()
    assert (asked["status"], asked["user"]) == ("pending", team["legal"].username)
    decide = f"signoff-requests/{asked['id']}/decide"
    assert owner.send("POST", decide, {"decision": "signed"}).status_code == 404
    assert Api(users["outsider"]).send("POST", decide, {"decision": "signed"}).status_code == 404
    legal = Api(team["legal"])
    missing = legal.send("POST", decide, {"decision": "declined"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "comment"]
    wrong = legal.send("POST", decide, {"decision": "signed", "assessment_sha256": "0" * 64})
    assert wrong.status_code == 409
    malformed = legal.send("POST", decide, {"decision": "signed", "assessment_sha256": "abc"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["body", "assessment_sha256"]
    signed = legal.send("POST", decide, {"decision": "signed", "comment": "Content."})
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed" and len(signed.json()["assessment_sha256"]) == 64
    assert legal.send("POST", decide, {"decision": "signed"}).status_code == 409
    case = owner.get(f"cases/{assessed.pk}").json()
    legal_signoff = next(s for s in case["signoffs"] if s["discipline"] == "legal")
    assert legal_signoff["signatory"] == team["legal"].username
    assert legal_signoff["no_account"] is False
    foreign = Api(users["outsider"]).send(
        "POST",
        f"cases/{assessed.pk}/signoff-requests",
        {"discipline": "legal", "user": team["legal"].username},
    )
    assert foreign.status_code == 404


@pytest.mark.parametrize("kind", SIGNED)
def test_a_change_through_the_api_shows_the_sign_offs_stale(
    kind: str, assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    for asked in _ask_all(assessed, owner, team):
        signoff_request_decide(request=asked, by=asked.signatory, decision="signed")
    api = Api(owner)
    before = api.get(f"cases/{assessed.pk}").json()
    assert not any(s["stale"] for s in before["signoffs"])
    changed = api.send("PATCH", f"cases/{assessed.pk}", _change(assessed, kind))
    assert changed.status_code == 200
    assert changed.json()["content_version"] == before["content_version"] + 1
    after = api.get(f"cases/{assessed.pk}").json()
    assert [s["stale"] for s in after["signoffs"]] == [True] * 4
    refused = api.send("POST", f"cases/{assessed.pk}/submit")
    assert refused.status_code == 409


def test_the_api_refuses_a_decision_on_an_older_content_version(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    asked = signoff_request_create(
        case=assessed, by=users["commercial"], discipline="legal", user=team["legal"].username
    )
    legal = Api(team["legal"])
    decide = f"signoff-requests/{asked.pk}/decide"
    malformed = legal.send("POST", decide, {"decision": "signed", "content_version": 0})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["body", "content_version"]
    read = assessed.content_version
    case_update(case=assessed, by=users["commercial"], title="Renamed while they read")
    stale = legal.send("POST", decide, {"decision": "signed", "content_version": read})
    assert stale.status_code == 409
    signed = legal.send("POST", decide, {"decision": "signed", "content_version": read + 1})
    assert signed.status_code == 200 and signed.json()["content_version"] == read + 1


def test_the_api_names_the_sro_from_the_department(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = Api(users["commercial"])
    refused = owner.send("PATCH", f"cases/{assessed.pk}", {"sro": users["outsider"].username})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "sro"]
    named = owner.send("PATCH", f"cases/{assessed.pk}", {"sro": team["finance"].username})
    assert named.status_code == 200
    assert named.json()["sro"] == team["finance"].username


# Notifications ------------------------------------------------------------------------------------


def test_the_signatory_is_emailed_when_asked_and_the_owner_when_they_decide(
    assessed: Case,
    users: dict[str, User],
    team: dict[str, User],
    eager_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner, legal = users["commercial"], team["legal"]
    for person in (owner, legal):
        person.email = f"{person.username}@example.gov.uk"
        person.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        asked = signoff_request_create(
            case=assessed, by=owner, discipline="legal", user=legal.username
        )
    [requested] = mail.outbox
    assert requested.to == [legal.email]
    assert f"/sign-off-requests/{asked.pk}/" in requested.body and "for legal" in requested.body
    with django_capture_on_commit_callbacks(execute=True):
        signoff_request_decide(
            request=asked, by=legal, decision="declined", comment="Add the exit plan."
        )
    decided = mail.outbox[1]
    assert decided.to == [owner.email]
    assert "declined" in decided.subject and "Add the exit plan." in decided.body


@pytest.mark.parametrize(
    "typed",
    [
        "Gíta Ghosh",
        "  GITA   ghosh ",
        "Gita\u00a0Ghosh",
        "\uff27\uff29\uff34\uff21 \uff27\uff28\uff2f\uff33\uff28",  # fullwidth
        "Gi\u0301ta Ghosh",
    ],
)
def test_a_typed_name_of_someone_with_an_account_is_refused_however_written(
    typed: str,
    assessed: Case,
    users: dict[str, User],
    make_user: Callable[..., User],
    dept_a: Department,
) -> None:
    make_user("gita", Role.COMMERCIAL, dept_a, first_name="Gita", last_name="Ghosh")
    with pytest.raises(ValidationFailed) as caught:
        signoff_record(case=assessed, by=users["commercial"], discipline="legal", name=typed)
    assert caught.value.errors == {
        "name": ["Gita Ghosh has an account: ask them for a sign-off instead"]
    }
    refused = Api(users["commercial"]).send(
        "POST", f"cases/{assessed.pk}/signoffs", {"discipline": "legal", "name": typed}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "name"]
    assert not assessed.signoffs.exists()
    # Another name is typed as given.
    other = signoff_record(
        case=assessed, by=users["commercial"], discipline="legal", name="Gíta Ghoshal"
    )
    assert other.name == "Gíta Ghoshal" and other.no_account


def test_the_api_reads_a_case_in_the_same_queries_however_many_are_asked_to_sign_off(
    assessed: Case, users: dict[str, User], team: dict[str, User]
) -> None:
    owner = users["commercial"]
    api = Api(owner)
    signoff_request_create(
        case=assessed, by=owner, discipline="finance", user=team["finance"].username
    )

    def read() -> tuple[int, dict[str, Any]]:
        with CaptureQueriesContext(connection) as queries:
            answer = api.get(f"cases/{assessed.pk}")
        assert answer.status_code == 200
        return len(queries), answer.json()

    read()  # the token's first use is recorded once
    one, _ = read()
    for discipline in Discipline.values:
        if discipline != "finance":
            signoff_request_create(
                case=assessed, by=owner, discipline=discipline, user=team[discipline].username
            )
    every, body = read()
    assert every == one
    assert {r["requested_by"] for r in body["signoff_requests"]} == {owner.username}
    assert len(body["signoff_requests"]) == len(Discipline.values)
