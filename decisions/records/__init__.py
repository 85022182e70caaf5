"""Decision records: the immutable, hash-linked snapshot of a decision (content, issue, chain
of records), its PDF (render, outbox, sweep), the pages and API that show records, the audit
chain page and the composite verification, and the public register."""
