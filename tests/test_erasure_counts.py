"""Erasing one person's data keeps the year's service statistics: their handbook questions are
added to the anonymous daily counts (as the 90-day purge does) before the rows, and their text,
are deleted (issue 20: erasure took 25 questions down to 6, "100% answered")."""
from __future__ import annotations

import pytest

from bot.pipeline import effects
from bot.reports import ReportContext, ReportPeriod, service_stats
from bot.wiring import load_features
from db import open_database, questions, transaction
from report_support import AS_OF, make_content, seed_handbook_questions, ts

PERSON, CHAT = "U" + "e" * 32, "user:U" + "e" * 32
SECRET = "ลับเฉพาะ บ้านเลขที่ 99 หมู่ 4"


def _ask(db, ref, when, outcome, procedure=None, *, chat=CHAT, user=PERSON, feedback=None, staff=False):
    questions.record(db, ref=ref, chat_key=chat, user_id=user, question=f"{SECRET} ({ref})", outcome=outcome,
                     procedure_id=procedure, section="overview" if procedure else None, now=when)
    if feedback:
        questions.set_feedback(db, ref, feedback, now=when)
    if staff:
        questions.request_staff(db, ref, now=when)


@pytest.fixture()
def db(tmp_path):
    load_features()  # registers every module's eraser, the handbook's among them
    database = open_database(tmp_path / "erase.sqlite3")
    with transaction(database):
        seed_handbook_questions(database)  # seven other people, one question each
        # The person erased: several questions over the round, in their own chat and in a group.
        _ask(database, "e1", ts(2026, 10, 3, 12), "answered", "elderly-allowance", feedback="down")
        _ask(database, "e2", ts(2026, 10, 3, 13), "answered", "elderly-allowance")
        _ask(database, "e3", ts(2026, 11, 20, 9), "unanswered", staff=True)
        _ask(database, "e4", ts(2026, 12, 1), "choose")
        _ask(database, "e5", ts(2027, 1, 15), "outside", chat="group:C" + "1" * 32)
        _ask(database, "e6", ts(2027, 2, 2), "answered", "water-supply", feedback="up")
    yield database
    database.close()


def _figures(db, content):
    ctx = ReportContext.load(db, content, ReportPeriod.of_round(2570, 6), now=AS_OF)
    data = service_stats.compute(ctx)
    return data, (data.handbook, data.handbook.answer_rate, data.handbook_by_procedure, data.handbook_by_month,
                  data.asked_matrix, data.answered_matrix)


def test_erasing_a_person_keeps_the_service_statistics(db, tmp_path):
    content = make_content(tmp_path)
    before, figures = _figures(db, content)
    assert (before.handbook.asked, before.handbook.answered) == (12, 7)  # q1–q6 and e1–e6
    assert before.handbook.answer_rate == 58.33

    with transaction(db):
        effects.erase_person(db, CHAT, PERSON)

    # Their questions are gone, with their text, from every table …
    assert db.execute("SELECT count(*) FROM handbook_questions WHERE user_id = ? OR chat_key = ?",
                      (PERSON, CHAT)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM handbook_questions").fetchone()[0] == 7  # the others' stay
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
        for column in columns:
            hits = db.execute(f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ? '
                              f'OR CAST("{column}" AS TEXT) LIKE ?', (f"%{SECRET}%", f"%{PERSON}%")).fetchone()[0]
            assert hits == 0, (table, column)
    # … but the year's figures are the same: questions asked, answered, the share answered.
    after, figures_after = _figures(db, content)
    assert figures_after == figures
    assert (after.handbook.asked, after.handbook.answered, after.handbook.answer_rate) == (12, 7, 58.33)

    # The 90-day purge afterwards neither loses nor counts them twice.
    with transaction(db):
        questions.purge(db, now=ts(2027, 6, 1))
    assert _figures(db, content)[1] == figures
    # Erasing again (nothing left of theirs) changes nothing.
    with transaction(db):
        effects.erase_person(db, CHAT, PERSON)
    assert _figures(db, content)[1] == figures


def test_the_daily_counts_hold_no_person(db):
    with transaction(db):
        questions.erase_chat(db, CHAT, PERSON)
    columns = [r[1] for r in db.execute("PRAGMA table_info(handbook_question_counts)")]
    assert columns == ["day", "procedure_id", "outcome", "feedback", "staff_requested", "questions"]
    rows = db.execute("SELECT day, procedure_id, outcome, feedback, staff_requested, questions "
                      "FROM handbook_question_counts ORDER BY 1, 2, 3, 4").fetchall()
    assert rows == [
        ("2026-10-03", "elderly-allowance", "answered", "", 0, 1),
        ("2026-10-03", "elderly-allowance", "answered", "down", 0, 1),
        ("2026-11-20", "", "unanswered", "", 1, 1),
        ("2026-12-01", "", "choose", "", 0, 1),
        ("2027-01-15", "", "outside", "", 0, 1),
        ("2027-02-02", "water-supply", "answered", "up", 0, 1),
    ]
