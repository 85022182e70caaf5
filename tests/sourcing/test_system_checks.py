"""Django's system checks on the database the suite runs against.

`make test` runs `makemigrations --check` with `--skip-checks`: on PostgreSQL the checks of the
stored generated columns (decisions migration 0013) ask the server for its version, and CI's
`DATABASE_URL` names a database that only the test run creates. The checks run here instead,
with the test database in place.
"""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_system_checks_report_no_errors_on_the_test_database(capsys):
    call_command("check", databases=["default"])  # raises SystemCheckError on any error

    assert "System check identified no issues" in capsys.readouterr().out
