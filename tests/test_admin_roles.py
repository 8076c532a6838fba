"""Roles are enforced on the server for every console route, whatever the menu shows.

The route list is read from the app itself: a new route joins these tests automatically,
and one that declares no role (no @require_role / @public) fails them.
"""
import pytest
from flask import Flask

from admin_support import Console, csrf_from
from feedback_console_support import seed_one_of_each
from bot import create_app
from bot.console.auth import (
    EVERY_ROLE,
    division_scope,
    division_sql,
    may_read_corruption_reports,
    may_see_division,
    require_corruption_reader,
    require_division,
)
from db.admin_users import AdminUser
from werkzeug.exceptions import Forbidden

# A value for each URL argument a console route may take; a new argument needs one here.
SAMPLE_ARGS = {
    "user_id": "target", "fmt": "csv", "deadline_id": "target", "recipient_id": "target",
    "procedure_id": "building-permit",  # a procedure of the staff user's division (engineering)
    "code": "ACDEFG", "entry_id": "parking",
    # seed_one_of_each makes ticket, photo, question and report 1 (the staff member's division)
    "ticket_id": "1", "photo_id": "1", "question_id": "1", "report_id": "1",
    "request_id": "1",  # a request about an auditor account (none exists: refused, not an error)
    "appointment_id": "1",  # none exists: refused, not an error
    "activity_id": "1", "consultation_id": "1",  # participation: none exists, a 404 for admins
}


def admin_routes(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("admin.") and not rule.endpoint.startswith("admin.static"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _app_for_listing():
    from bot.config import PROJECT_ROOT, Settings
    import tempfile, pathlib

    folder = pathlib.Path(tempfile.mkdtemp())
    return create_app(Settings(database_path=folder / "db.sqlite3", content_dir=PROJECT_ROOT / "content", secret_key="x", start_worker=False))


ROUTES = [(rule.rule, method, rule.endpoint) for rule, method in admin_routes(_app_for_listing())]


def test_the_console_has_the_expected_routes():
    endpoints = {endpoint for _, _, endpoint in ROUTES}
    assert {"admin.login", "admin.logout", "admin.dashboard", "admin.users", "admin.audit", "admin.audit_export"} <= endpoints
    assert len(ROUTES) >= 14


@pytest.mark.parametrize("rule, method, endpoint", ROUTES, ids=[f"{m} {r}" for r, m, _ in ROUTES])
def test_every_route_declares_who_may_use_it(console, rule, method, endpoint):
    view = console.app.view_functions[endpoint]
    roles = getattr(view, "required_roles", None)
    assert roles is not None or getattr(view, "public", False), f"{endpoint} has neither @require_role nor @public"
    if roles is not None:
        assert roles <= set(EVERY_ROLE)


@pytest.fixture
def people(console):
    """One signed-in client per role, and a target account for URLs with a user id."""
    users = {
        "admin": console.make_user("boss", "admin"),
        "staff": console.make_user("wichai", "staff", "engineering"),
        "auditor": console.make_user("auditor1", "auditor"),
    }
    target = console.make_user("target", "staff", "finance")
    seed_one_of_each(console.db)  # ticket, photo, question and report 1 exist (the staff member's division)
    clients = {role: console.login(user.username) for role, user in users.items()}
    return clients, target


def _url(rule: str, target_id: int) -> str:
    url = rule
    for name, sample in SAMPLE_ARGS.items():
        value = str(target_id) if sample == "target" else sample
        for converter in ("int:", ""):
            url = url.replace(f"<{converter}{name}>", value)
    assert "<" not in url, f"add a sample value for the arguments of {rule} to SAMPLE_ARGS"
    return url


@pytest.mark.parametrize("rule, method, endpoint", ROUTES, ids=[f"{m} {r}" for r, m, _ in ROUTES])
def test_each_role_gets_exactly_what_the_route_declares(console, people, rule, method, endpoint):
    clients, target = people
    view = console.app.view_functions[endpoint]
    if getattr(view, "public", False):
        return
    allowed = view.required_roles
    url = _url(rule, target.id)

    stranger = console.client()
    if method == "POST":
        stranger_token = csrf_from(stranger.get("/admin/login").get_data(as_text=True))
        anonymous = stranger.post(url, data={"csrf_token": stranger_token})
    else:
        anonymous = stranger.get(url)
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"], f"{method} {url} open to strangers"

    for role, client in clients.items():
        if method == "POST":
            token = csrf_from(client.get("/admin/account/password").get_data(as_text=True))
            response = client.post(url, data={"csrf_token": token})  # a valid token: only the role decides
        else:
            response = client.get(url)
        if role in allowed:
            assert response.status_code not in (401, 403), f"{role} refused {method} {url}"
        else:
            assert response.status_code == 403, f"{role} reached {method} {url} ({response.status_code})"
            assert "ไม่มีสิทธิ์" in response.get_data(as_text=True)
    # Nothing a refused role sent changed the target account.
    assert console.db.execute("SELECT active FROM admin_users WHERE id = ?", (target.id,)).fetchone()[0] in (0, 1)


def test_refused_roles_change_nothing(console, people):
    clients, target = people
    for role in ("staff", "auditor"):
        client = clients[role]
        token = csrf_from(client.get("/admin/account/password").get_data(as_text=True))
        for action in ("disable", "reset-password"):
            assert client.post(f"/admin/users/{target.id}/{action}", data={"csrf_token": token}).status_code == 403
        assert client.post(f"/admin/users/{target.id}/role", data={"csrf_token": token, "role": "admin"}).status_code == 403
        assert client.get("/admin/audit/export.xlsx").status_code == 403
    row = console.db.execute("SELECT active, role, must_change_password FROM admin_users WHERE id = ?", (target.id,)).fetchone()
    assert row == (1, "staff", 0)


def test_a_route_without_a_declared_role_is_refused_to_everyone(settings, console):
    app = create_app(settings.with_(start_worker=False))
    # Added straight to the app under the console's name, as a careless new page would be.
    app.add_url_rule("/admin/forgotten", endpoint="admin.forgotten", view_func=lambda: "secret")
    other = Console(app)
    for name, role in (("boss", "admin"), ("wichai", "staff"), ("auditor1", "auditor")):
        other.make_user(name, role)
        assert other.login(name).get("/admin/forgotten").status_code == 403
    assert other.client().get("/admin/forgotten").status_code == 403


def test_the_menu_shows_each_role_only_its_pages(console, people):
    clients, _ = people
    admin_page = clients["admin"].get("/admin/").get_data(as_text=True)
    staff_page = clients["staff"].get("/admin/").get_data(as_text=True)
    assert 'href="/admin/users"' in admin_page and 'href="/admin/audit"' in admin_page
    assert 'href="/admin/users"' not in staff_page and 'href="/admin/audit"' not in staff_page
    assert "กองช่าง" in staff_page  # the staff member's own division is shown


def user(role: str, division: str | None = None) -> AdminUser:
    return AdminUser(1, "u", "", role, division, True, False, 0.0, None, 0.0, None, None)


def test_division_rules():
    admin, staff, auditor = user("admin"), user("staff", "engineering"), user("auditor")
    assert division_scope(admin) is None and division_scope(staff) == {"engineering"} and division_scope(auditor) == frozenset()
    assert may_see_division(admin, "finance") and may_see_division(staff, "engineering")
    assert not may_see_division(staff, "finance") and not may_see_division(staff, None)
    assert not may_see_division(auditor, "engineering") and not may_see_division(None, "engineering")
    assert division_sql(admin) == ("1 = 1", [])
    assert division_sql(staff, "t.division_id") == ("t.division_id IN (?)", ["engineering"])
    assert division_sql(auditor) == ("0 = 1", [])


def test_division_sql_really_filters_rows(tmp_path):
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE tickets (id INTEGER, division_id TEXT)")
    conn.executemany("INSERT INTO tickets VALUES (?, ?)", [(1, "engineering"), (2, "finance"), (3, None)])
    for person, expected in ((user("admin"), [1, 2, 3]), (user("staff", "engineering"), [1]), (user("auditor"), [])):
        where, params = division_sql(person)
        assert [r[0] for r in conn.execute(f"SELECT id FROM tickets WHERE {where} ORDER BY id", params)] == expected


def test_only_auditors_may_read_corruption_reports(console):
    assert may_read_corruption_reports(user("auditor"))
    assert not may_read_corruption_reports(user("admin")) and not may_read_corruption_reports(user("staff", "audit"))
    from flask import g

    for role, allowed in (("auditor", True), ("admin", False), ("staff", False)):
        with console.app.test_request_context("/admin/"):
            g.admin_user = user(role, "audit" if role == "staff" else None)
            if allowed:
                require_corruption_reader()
            else:
                with pytest.raises(Forbidden):
                    require_corruption_reader()


def test_require_division_in_a_view(console):
    from flask import g

    with console.app.test_request_context("/admin/"):
        g.admin_user = user("staff", "engineering")
        require_division("engineering")
        with pytest.raises(Forbidden):
            require_division("finance")
