"""Rules engine, rulesets, assessments, reviews, decision records and the audit chain."""
