"""People and access: departments, users and their roles, API tokens, signing in and out, the
home page, and `me` in the API. Their models are in sourcing.models (app label "sourcing")."""
