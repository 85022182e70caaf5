"""The load bench (`make bench-load`, scripts/bench_load.py): data builder, route plan,
bench-only settings and URLconf with a bare baseline view, and the Locust users."""

# The bare baseline view's route name and path (scripts/loadbench/urls.py).
BARE_ROUTE = "bench_bare"
BARE_PATH = "/__bench__/bare/"
# Statuses a probe may answer: OK, accepted (a PDF still rendering), htmx's "stop polling".
OK_STATUSES = (200, 202, 286)
