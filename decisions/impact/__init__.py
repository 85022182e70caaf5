"""The impact of a ruleset on past cases and decisions: the impact preview of a draft, and the
replay of approved decisions under the current version (runs with progress, in the worker)."""
