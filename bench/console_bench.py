"""How long the console's content edits and busiest pages take (run once; figures in the release notes).

    python bench/console_bench.py --questions 10000

Measures, on a copy of content/ and a fresh database:
- an alias added through the editor (round-trip YAML, the whole handbook checked, backup, atomic write)
  and the HandbookStore reload that follows (the search index rebuilt);
- the test box (the bot's conversation step and the LINE preview) for one question;
- GET /admin/unanswered, /admin/unanswered/<id>, /admin/ (dashboard) and /admin/reminders with N questions
  in the database and the fiscal year planned.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def timed(fn, rounds: int) -> dict:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(samples[-1], 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)
    from admin_support import Console
    from bot import create_app
    from bot.console.bot_answer import bot_answer
    from bot.config import PROJECT_ROOT, Settings
    from db import questions, transaction

    folder = Path(tempfile.mkdtemp())
    shutil.copytree(PROJECT_ROOT / "content", folder / "content")
    app = create_app(Settings(database_path=folder / "db.sqlite3", content_dir=folder / "content", secret_key="bench",
                              start_worker=False))
    console = Console(app)
    console.make_user("bench", "admin")
    client = console.login("bench")
    db = console.db
    outcomes = ("unanswered", "answered", "outside", "choose")
    with transaction(db):
        for i in range(args.questions):
            outcome = outcomes[i % 4]
            questions.record(db, ref=f"b{i}", chat_key=f"user:U{i % 500}", user_id=f"U{i % 500}",
                             question=f"คำถามทดสอบที่ {i} เรื่องเงินช่วยเหลือ", outcome=outcome,
                             procedure_id="elderly-allowance" if outcome == "answered" else None,
                             now=time.time() - (i % 30) * 86400)
            if outcome == "answered" and i % 8 == 1:
                questions.set_feedback(db, f"b{i}", "down")
    store = app.extensions["handbook_store"]
    from bot.handbook.editing import ContentEditor

    editor = ContentEditor(folder / "content", folder / "history")
    counter = iter(range(1_000_000))
    results = {
        "editor.add_alias (check + backup + atomic write)": timed(
            lambda: editor.add_alias("disaster-relief", f"ชื่อเรียกทดสอบ {next(counter)}", "bench", store.current().handbook),
            args.rounds),
        "HandbookStore.reload (index rebuilt)": timed(store.reload, args.rounds),
    }
    with app.test_request_context("/admin/"):
        profile = store.current().profile
        results["test box (bot_answer)"] = timed(lambda: bot_answer(store, profile, "เบี้ยคนแก่ใช้เอกสารอะไรบ้างคะ"), args.rounds * 4)
    client.get("/admin/reminders")  # plans the year once
    qid = db.execute("SELECT max(id) FROM handbook_questions WHERE outcome = 'unanswered'").fetchone()[0]
    for name, url in (("GET /admin/unanswered", "/admin/unanswered?period=all"), ("GET /admin/unanswered/<id>", f"/admin/unanswered/{qid}"),
                      ("GET /admin/ (dashboard)", "/admin/"), ("GET /admin/reminders", "/admin/reminders"),
                      ("GET /admin/unanswered/export.xlsx (all)", "/admin/unanswered/export.xlsx?period=all&status=all")):
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        results[name] = timed(get, args.rounds)
    print(f"{args.questions:,} questions in the database; {args.rounds} rounds each (2-core shared machine)")
    for name, figures in results.items():
        print(f"  {name:<48} median {figures['median_ms']:>8.1f} ms   max {figures['max_ms']:>8.1f} ms")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
