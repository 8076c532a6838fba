"""Hostile input through every form of the console: SQL, HTML/JS and spreadsheet formulas in
every field of every form a signed-in admin or auditor can reach, and in the citizen text
the pages show. Each submission is answered without a server error, nothing runs as SQL,
markup is always shown escaped, and exports neutralise formulas.

Forms and pages are found by crawling the console itself, so a new page joins the test."""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest

from feedback_console_support import add_question, add_ticket, seed_one_of_each

SCRIPT = '<script>alert("xss")</script>'
PAYLOADS = [
    SCRIPT + "ถนนพัง",
    "'; DROP TABLE tickets; --",
    '" OR 1=1 --',
    '=HYPERLINK("http://evil.example","คลิก")',
    "@SUM(A1:A9)",
    "+66812345678",
    "<img src=x onerror=alert(1)>",
    "\u202eกลับด้าน\u202c {{7*7}} ${7*7}",
    "ก" * 5000,
]
# Forms that end the session or change the signed-in password: tested in test_admin_security.
SKIP_ACTIONS = re.compile(r"/logout$|/account/password$")
MARKUP = re.compile(r"<script>alert|<img src=x onerror")


class _Forms(HTMLParser):
    """POST forms of a page: action, and each field's name with its type and first option."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href", "").startswith("/admin"):
            self.links.append(a["href"])
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag in ("input", "textarea") and a.get("name"):
            kind = (a.get("type") or "text").lower() if tag == "input" else "textarea"
            self._form["fields"][a["name"]] = (kind, a.get("value") or "")
        if tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"][self._select] = ("select", None)
        if tag == "option" and self._select and self._form["fields"][self._select][1] is None:
            self._form["fields"][self._select] = ("select", a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def _crawl(client, start: str = "/admin/", limit: int = 150) -> dict[str, str]:
    """Every console page reachable by links from the dashboard (one page per path)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = urlparse(url).path
        if path in seen or "/export." in path or path.endswith("/photo") or "/photos/" in path or path.endswith("/logout"):
            continue
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.content_type:
            seen[path] = ""
            continue
        html = response.get_data(as_text=True)
        seen[path] = html
        queue += [urljoin(url, link) for link in _parse(html).links]
    return seen


def _assert_escaped(pages: dict[str, str]) -> None:
    for path, html in pages.items():
        assert not MARKUP.search(html), f"unescaped markup on {path}"


@pytest.fixture
def hostile_console(console):
    db = console.db
    seed_one_of_each(db)
    for text in PAYLOADS[:5]:
        add_ticket(db, description=text)
        add_question(db, text=text)
    return console


@pytest.mark.timeout(600)
@pytest.mark.parametrize("role", ["admin", "auditor", "staff"])
def test_every_form_takes_hostile_text_as_data(hostile_console, role):
    console = hostile_console
    division = "engineering" if role == "staff" else None
    console.make_user("tester", role, division)
    client = console.login("tester")
    pages = _crawl(client)
    assert len(pages) >= (8 if role == "admin" else 3)
    _assert_escaped(pages)

    forms = [(path, form) for path, html in pages.items() for form in _parse(html).forms]
    submitted = 0
    for path, form in forms:
        action = urljoin(path, form["action"] or path)
        if SKIP_ACTIONS.search(action):
            continue
        for payload in PAYLOADS:
            data = {}
            for name, (kind, value) in form["fields"].items():
                if name == "csrf_token" or kind in ("hidden", "submit"):
                    data[name] = value
                elif kind == "select":
                    data[name] = value or ""
                elif kind in ("checkbox", "radio"):
                    data[name] = value or "on"
                else:
                    data[name] = payload
            response = client.post(action, data=data)
            assert response.status_code < 500, f"POST {action} with {payload[:30]!r}: {response.status_code}"
            submitted += 1
    print(f"{role}: {len(pages)} pages, {len(forms)} forms, {submitted} hostile submissions")
    assert submitted >= len(PAYLOADS)  # the crawl found forms to attack

    # Nothing ran as SQL: the tables are all there and hold what they held.
    db = console.db
    for table in ("tickets", "staff_questions", "admin_users", "audit_log", "service_ratings"):
        db.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    _assert_escaped(_crawl(client))


def test_exports_neutralise_formulas_citizens_typed(hostile_console):
    console = hostile_console
    console.make_user("tester", "admin")
    client = console.login("tester")
    exports = {"/admin/tickets/export.csv", "/admin/questions/export.csv", "/admin/ratings/export.csv"}
    for url in exports:
        response = client.get(url + "?period=all&state=all&status=all")
        assert response.status_code == 200, url
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert cells, f"{url} exported nothing"
        dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"-?\d+(\.\d+)?", c)]
        assert dangerous == [], f"{url}: {dangerous[:3]}"
