"""The audit chain: an append-only, hash-chained log of everything that matters.

A leaf: it appends and checks only its own tables and imports nothing of decisions or sourcing
above it. The composite verification (chain, decision records and their PDFs) lives in
decisions.records.verification.
"""
