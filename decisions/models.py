"""The models of every decisions package, gathered here so Django registers them (app label
"decisions"). The one allowed aggregator: nothing in the app imports this module; each
package imports its own models module (import-linter's contracts say so too).
"""

from __future__ import annotations

from decisions.assessments.models import Assessment
from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.exports.models import ExportJob
from decisions.integrity.models import SignedHead
from decisions.records.models import DecisionAction, DecisionRecord, RecordPdf, RecordPdfHash
from decisions.rulesets.models import GoldenCase, Ruleset, RulesetApproval, RulesetRun

__all__ = [
    "Assessment",
    "AuditCheckpoint",
    "AuditEvent",
    "DecisionAction",
    "DecisionRecord",
    "ExportJob",
    "GoldenCase",
    "RecordPdf",
    "RecordPdfHash",
    "Ruleset",
    "RulesetApproval",
    "RulesetRun",
    "SignedHead",
]
