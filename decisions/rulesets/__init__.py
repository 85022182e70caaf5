"""Rulesets: versions of the rules as data, drafts edited by stewards, golden cases, publishing.

Where is publish? decisions.rulesets.services (ruleset_publish, ruleset_publish_default).
"""
