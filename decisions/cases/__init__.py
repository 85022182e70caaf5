"""Sourcing cases, the department's side: the questionnaire section by section with a live
preview, check answers, the recommendation, policy explanations, sign-offs, submission and
withdrawal. The Case model stays in sourcing.models (app label "sourcing"); its writes are here.
"""
