"""Shared fixtures: the three personas of each role, and service/browser requirements."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from urllib.parse import quote

import oidc_provider_mock
import pytest
import requests
from django.core.cache.backends.redis import RedisCache
from django.db.backends.postgresql.operations import DatabaseOperations
from django.test import Client

from decisions.integrity.verification import audit_verify
from decisions.rulesets.models import Ruleset
from sourcing.celery import app as celery_app
from sourcing.limits import limits_cache
from sourcing.models import DEPARTMENT_ROLES, Department, Role, User
from sourcing.people.services import department_ensure, user_ensure
from tests.factories import published_ruleset

PASSWORD = "correct-horse-battery-staple"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM = "/usr/bin/chromium"


def test_database_url() -> str:
    """The database a second process (a Celery worker, `manage.py check`) should use: the test
    database's URL on PostgreSQL once pytest-django has set it up (DATABASE_URL names a database
    that may not exist: CI's is only created as test_<name> by the test run), else
    DATABASE_URL as given (the embedded SQLite)."""
    from django.db import connection  # noqa: PLC0415

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return os.environ.get("DATABASE_URL", "")
    password = quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{db['USER']}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def subprocesses_use_the_test_database(
    django_db_setup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATABASE_URL in this process's environment (which subprocesses inherit) points at the
    test database for the test: Django's system checks of the stored generated columns
    (decisions migration 0013) connect to the database on PostgreSQL."""
    url = test_database_url()
    if url:
        monkeypatch.setenv("DATABASE_URL", url)


def service_missing(reason: str) -> None:
    """Skip, or fail when REQUIRE_SERVICES=1 says the service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service not available: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # Real hashing costs ~0.3 s a user; tests check behaviour, not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _rate_limits_off(settings) -> None:  # type: ignore[no-untyped-def]
    # Tests make many requests as one person; the abuse-limit tests turn the rates on
    # (tests/sourcing/test_limits.py). The sign-in lockout (django-axes) stays on everywhere.
    settings.RATE_LIMITS_ENABLED = False


@pytest.fixture
def rate_limits(settings) -> Callable[..., None]:  # type: ignore[no-untyped-def]
    """Turn the rates on with fresh counts, at the given rates (scope=rate)."""

    def turn_on(**rates: str) -> None:
        cache = limits_cache()
        if isinstance(cache, RedisCache):
            # Only our own counters: the broker's keys share this Redis database.
            client = cache._cache.get_client(write=True)
            for key in client.scan_iter(match="limits:*"):
                client.delete(key)
        else:
            cache.clear()
        settings.RATE_LIMITS_ENABLED = True
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return turn_on


@pytest.fixture
def ruleset(db: None) -> Ruleset:
    """The shipped default ruleset, published (the current version)."""
    return published_ruleset()


@pytest.fixture
def dept_a(db: None) -> Department:
    return department_ensure(code="dept-a", name="Department A")


@pytest.fixture
def dept_b(db: None) -> Department:
    return department_ensure(code="dept-b", name="Department B")


@pytest.fixture
def make_user(db: None, dept_a: Department) -> Callable[..., User]:
    def make(username: str, role: str, department: Department | None = None, **names: str) -> User:
        if role in DEPARTMENT_ROLES and department is None:
            department = dept_a
        return user_ensure(
            username=username, role=role, password=PASSWORD, department=department, **names
        )

    return make


@pytest.fixture
def users(
    make_user: Callable[..., User], dept_a: Department, dept_b: Department
) -> dict[str, User]:
    """One user per role: 'commercial', 'department_admin' and 'none' (no role yet) are in
    department A, 'outsider' (a commercial user) in department B."""
    made = {role.value: make_user(f"user-{role.value}", role.value) for role in Role}
    made["none"] = make_user("user-none", Role.NONE, dept_a)
    made["outsider"] = make_user("user-outsider", Role.COMMERCIAL, dept_b)
    return made


@pytest.fixture
def named_users(users: dict[str, User], make_user: Callable[..., User]) -> dict[str, User]:
    """`users` with full names for the commercial user (Priya Owner) and the reviewer (Rhys
    Reviewer), who are named by them on pages, records and PDFs."""
    for role, first, last in (("commercial", "Priya", "Owner"), ("reviewer", "Rhys", "Reviewer")):
        user = users[role]
        users[role] = make_user(
            user.username, user.role, user.department, first_name=first, last_name=last
        )
    return users


@pytest.fixture
def client_as() -> Callable[[User | None], Client]:
    def login(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def alice(users: dict[str, User], client_as: Callable[[User | None], Client]) -> Client:
    """A signed-in page client of the department's commercial user (users["commercial"])."""
    return client_as(users["commercial"])


# Browser tests: Playwright drives Debian's chromium, never a downloaded browser.
@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    # The sync Playwright API runs an event loop in this thread; Django's ORM is still
    # used synchronously by the live server and the tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_truncate_triggers():  # type: ignore[no-untyped-def]
    """Tests on real transactions (transactional_db, live_server) end with Django's flush, a
    TRUNCATE that the append-only tables' triggers refuse. The test database's superuser lets
    that one statement through with triggers off (session_replication_role = replica): the
    triggers themselves stay on for every test."""
    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):  # type: ignore[no-untyped-def]
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = origin")

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    """After every test that used the database, the audit chain must still verify."""
    result = yield
    uses_db = {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    if uses_db and not item.get_closest_marker("tampers_audit_chain"):
        report = audit_verify()
        assert report.valid, f"audit chain broken after {item.nodeid}: {report.problems}"
    return result


@pytest.fixture
def eager_tasks():  # type: ignore[no-untyped-def]
    """Run Celery tasks in-process for this test, even when REDIS_URL points at a broker.

    Tests of a feature's behaviour use this; tests of the worker path start a real worker.
    """
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


# The identity provider: oidc-provider-mock in a thread, as `make run` serves it ----------------


@pytest.fixture(scope="session")
def oidc_server() -> Iterator[str]:
    """The development identity provider on a free port, for the whole run; its address (also
    its issuer). Accounts are added with PUT /users/<sub> (oidc_account)."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc(settings, oidc_server: str) -> str:  # type: ignore[no-untyped-def]
    """The service pointed at the test provider (its issuer returned), as settings would from
    OIDC_ISSUER and the endpoints."""
    settings.OIDC_ISSUER = oidc_server
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{oidc_server}/oauth2/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{oidc_server}/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{oidc_server}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{oidc_server}/jwks"
    settings.OIDC_OP_END_SESSION_ENDPOINT = f"{oidc_server}/oauth2/end_session"
    settings.OIDC_RP_CLIENT_ID = "sourcing-decisions-tests"
    settings.OIDC_RP_CLIENT_SECRET = "tests-only"
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": ["'self'", oidc_server]}
    return oidc_server


@pytest.fixture
def oidc_account(oidc_server: str) -> Callable[..., str]:
    """Give the test provider an account: its subject and claims (email verified unless said)."""

    def add(sub: str, **claims: object) -> str:
        claims.setdefault("email_verified", True)
        response = requests.put(f"{oidc_server}/users/{quote(sub)}", json=claims, timeout=10)
        assert response.status_code == 204, response.text
        return sub

    return add
