"""Assessments: the engine run on a case's answers (stored, pinned to a ruleset version and
hash), the live preview on unsaved answers, and replay under the pinned or today's version."""
