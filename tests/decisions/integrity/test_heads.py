"""Signed heads: signing under the append lock, the public feed and the register's link."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.audit.services import audit_append
from decisions.integrity import merkle
from decisions.integrity.heads import head_covering, head_data, head_sign, record_leaf
from decisions.integrity.keys import trusted_keys
from decisions.integrity.models import SignedHead
from decisions.integrity.signing import heads_from_json, keys_from_json, signature_valid
from decisions.integrity.tasks import sign_head
from decisions.integrity.verification import audit_verify
from decisions.records.models import DecisionRecord


def test_an_empty_chain_has_no_head_to_sign(db: None) -> None:
    assert head_sign() is None
    assert not SignedHead.objects.exists()


def test_a_head_signs_the_last_event_and_the_records_root(
    decide: Callable[..., DecisionRecord],
) -> None:
    records = [decide(render=False), decide("reject", render=False)]
    row = head_sign()
    assert row is not None
    last = AuditEvent.objects.order_by("-seq").first()
    assert (row.seq, row.head_sha256, row.records) == (last.seq, last.sha256, 2)
    leaves = [record_leaf(r.record_sha256) for r in records]
    assert row.records_root == merkle.root_of_hashes(leaves).hex()
    assert signature_valid(head_data(row), trusted_keys())
    # The head is also a checkpoint; signing again with no new event changes nothing.
    assert AuditCheckpoint.objects.filter(seq=row.seq, head_sha256=row.head_sha256).exists()
    assert head_sign() == row and SignedHead.objects.count() == 1
    assert audit_verify().valid


def test_the_beat_task_signs_a_head(db: None) -> None:
    audit_append(action="test.event")
    assert sign_head() == 1
    assert SignedHead.objects.get().seq == 1


def test_the_head_covering_a_record_is_the_earliest_that_includes_it(
    decide: Callable[..., DecisionRecord],
) -> None:
    first = decide(render=False)
    early = head_sign()
    second = decide(render=False)
    assert head_covering(first) == early
    covering = head_covering(second)  # none yet: one is signed now
    assert covering.records == 2 and covering.seq > early.seq
    assert SignedHead.objects.count() == 2


def test_the_feed_is_public_and_lists_heads_newest_first_with_the_keys(
    decide: Callable[..., DecisionRecord],
) -> None:
    decide(render=False)
    first = head_sign()
    audit_append(action="test.event")
    second = head_sign()
    response = Client().get(reverse("api:register_heads"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [h["seq"] for h in body["items"]] == [second.seq, first.seq]
    assert body["items"][0] == {
        "seq": second.seq,
        "head_sha256": second.head_sha256,
        "records": 1,
        "records_root": second.records_root,
        "signed_at": second.signed_at,
        "key_id": second.key_id,
        "signature": second.signature,
    }
    assert body["statement_type"] == "sourcing-decisions/signed-head/v1"
    [key] = body["keys"]
    assert key["key_id"] == second.key_id and key["algorithm"] == "Ed25519"
    paged = Client().get(reverse("api:register_heads"), {"limit": 1, "offset": 1}).json()
    assert [h["seq"] for h in paged["items"]] == [first.seq] and paged["count"] == 2
    # What the feed publishes verifies, by itself, with the key it lists.
    keys = keys_from_json(body)
    assert all(signature_valid(h, keys) for h in heads_from_json(body))


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "x"}])
def test_the_feed_refuses_bad_paging_with_422(db: None, query: dict[str, Any]) -> None:
    response = Client().get(reverse("api:register_heads"), query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in {"limit", "offset"}


def test_the_register_page_links_to_the_feed(db: None) -> None:
    html = Client().get(reverse("register")).content.decode()
    assert f'href="{reverse("api:register_heads")}"' in html


def test_the_checkpoint_command_signs_a_head(db: None) -> None:
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert out.getvalue().strip() == "The audit chain is empty."
    audit_append(action="test.event")
    call_command("audit_checkpoint", stdout=out)
    head = SignedHead.objects.get()
    assert f"Checkpoint at event 1: {head.head_sha256}; signed with key {head.key_id}" in (
        out.getvalue()
    )
