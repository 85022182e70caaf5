"""The signed heads: an append-only table (on PostgreSQL the application's role may only
SELECT and INSERT it, and triggers refuse UPDATE, DELETE and TRUNCATE: migrations 0007, 0008).
"""

from __future__ import annotations

from django.db import models


class SignedHead(models.Model):
    """A head of the audit chain and of the records' Merkle tree, signed with Ed25519.

    What is signed is defined in decisions.integrity.signing (and ADR 0018); the same fields
    are published in the heads feed, where anyone can keep copies the database cannot rewrite.
    """

    seq = models.PositiveBigIntegerField(unique=True, help_text="The audit event at the head.")
    head_sha256 = models.CharField(max_length=64)
    records = models.PositiveBigIntegerField(help_text="How many records the Merkle root covers.")
    records_root = models.CharField(max_length=64)
    signed_at = models.CharField(max_length=20, help_text="UTC, e.g. 2026-11-23T08:05:00Z.")
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=100, help_text="Ed25519, standard base64.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"signed head at #{self.seq}"
