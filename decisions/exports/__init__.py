"""Exports of decision records: bulk zips (PDFs, CSV, JSON, manifest) built by a task, CSV and
OCDS 1.1 downloads."""
