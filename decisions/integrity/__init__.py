"""Integrity beyond the database: signed heads, record Merkle proofs, checks and grants.

- `merkle`: the RFC 9162 Merkle tree over decision records (pure, no Django).
- `signing`: the Ed25519 key that signs heads, and what exactly is signed.
- `heads`: signing and publishing heads of the audit chain and the records tree.
- `proofs`: what a record's PDF carries to be verified on its own, and its verification.
- `checks`: verification that does not trust the database (columns, PDFs, heads).
- `dbroles`: the PostgreSQL grants and TRUNCATE triggers of least privilege.

See docs/decisions/0018-signed-heads-and-record-proofs.md.
"""
