"""The handbook as the console sees and changes it: the running store, the editor, who may edit what.

Who may change the handbook (README "Admin console"): admins change every procedure and the
ready answers (FAQ); division staff change the procedures of their own division (and add names
to them) and cannot move a procedure to another division. Auditors change nothing.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

from flask import current_app

from bot.console.auth import ADMIN, STAFF, division_scope
from bot.handbook.editing import ContentEditor
from bot.handbook.store import content_of
from db.admin_users import AdminUser

HISTORY_DIR = "content-history"  # beside the database: the previous version of every edited file


def store():
    """This process's HandbookStore (the one the bot answers from)."""
    return current_app.extensions["handbook_store"]


def handbook():
    return store().current().handbook


_PLACE = re.compile(r"^(?P<file>.+?\.yaml)(?::(?P<line>\d+))?: (?P<message>.*)$")


def content_problems() -> list[dict]:
    """What is wrong with the content files now, for the console's banner: one entry per mistake,
    its file (under the content folder), line and message. Empty when the content loads; while
    it does not, the bot answers from the last good version (even after a restart)."""
    error = store().last_error
    root = str(store().content_dir) + "/"
    problems: list[dict] = []
    for text in (error or "").splitlines():
        place = _PLACE.match(text)
        if place:
            problems.append({"file": place["file"].removeprefix(root), "line": place["line"] or "",
                             "message": place["message"]})
        elif problems:  # a message on more than one line
            problems[-1]["message"] += " " + text.strip()
        else:
            problems.append({"file": "", "line": "", "message": text})
    return problems


def editor() -> ContentEditor:
    settings = current_app.config["SETTINGS"]
    share = current_app.extensions["handbook_store"].shared  # on PostgreSQL: edits one at a time on every machine
    return ContentEditor(settings.content_dir, settings.data_path / HISTORY_DIR, share)


def profile():
    return content_of(current_app).profile


def public_base_url() -> str:
    return current_app.config["SETTINGS"].public_base_url


def may_edit_procedure(user: AdminUser | None, procedure) -> bool:
    if user is None or procedure is None:
        return False
    if user.role == ADMIN:
        return True
    return user.role == STAFF and bool(user.division_id) and procedure.division == user.division_id


def may_edit_faq(user: AdminUser | None) -> bool:
    return user is not None and user.role == ADMIN


def scope_keys(user: AdminUser, book=None) -> list[str] | None:
    """What questions a person may see, as procedure ids and "faq:<id>" keys; None: all of them.

    Staff see the questions answered with their division's procedures and ready answers;
    a question the bot could not answer belongs to no division, so only admins see those.
    """
    scope = division_scope(user)
    if scope is None:
        return None
    book = book or handbook()
    keys = [p.id for p in book.procedures if p.division in scope]
    keys += [e.key for e in book.faq if e.division in scope]
    return keys


def editable_procedures(user: AdminUser, book=None) -> list:
    book = book or handbook()
    return [p for p in book.procedures if may_edit_procedure(user, p)]


@contextmanager
def undo_on_failure(editor: ContentEditor, result):
    """A content change is kept only if its record (audit log, question) is: otherwise the previous file goes back.

        with editor.session():
            result = editor.add_alias(...)
            with undo_on_failure(editor, result), transaction(db):
                audit.record(...)
    """
    try:
        yield
    except BaseException:
        editor.restore(result)
        raise
