"""Across processes, as in production: an alias added in the console through one gunicorn worker is
answered by every worker (the public search) and by the worker threads (a citizen on LINE)."""
import re
import shutil
import time

import requests

from admin_support import PASSWORD
from bot.console import accounts
from bot.console.audit import COMMAND_LINE
from bot.config import PROJECT_ROOT
from bot.content.divisions import load_divisions
from bot.handbook.store import CHECK_SECONDS
from db import open_database
from helpers import body_of, post_signed, text_event, user_id, wait_until
from test_processes import Gunicorn, free_port, line_env, replies_to  # noqa: F401  (line_env is a fixture)

UNEMPLOYED = "เงินช่วยคนตกงานหน้าฝน"
FOUND = re.compile(r'class="hb-card hb-card--found" href="/handbook/([a-z-]+)#')


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_every_gunicorn_worker_answers_with_an_alias_added_in_the_console(line_env, fake_line, tmp_path):  # noqa: F811
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    db = open_database(tmp_path / "bot.sqlite3")
    accounts.create_user(db, COMMAND_LINE, username="somchai", role="admin", password=PASSWORD,
                         divisions=load_divisions(content / "divisions.yaml"), must_change_password=False)
    db.close()
    app = Gunicorn({**line_env, "CONTENT_DIR": str(content)}, free_port())  # two worker processes
    try:
        app.wait_healthy()

        def found(question: str) -> set[str]:
            """What the public search answers, asked 8 times (both workers answer some)."""
            answers = set()
            for _ in range(8):
                page = requests.get(app.url + "/handbook", params={"q": question}, timeout=5).text
                answers.add((FOUND.findall(page) or ["-"])[0])
            return answers

        assert found(UNEMPLOYED) == {"-"}
        citizen = user_id()
        event = text_event(citizen, UNEMPLOYED)
        assert post_signed(app.url, body_of(event)).status_code == 200
        wait_until(lambda: replies_to(fake_line, event["replyToken"]), timeout=15)

        session = requests.Session()
        login = session.get(app.url + "/admin/login", timeout=5).text
        signed_in = session.post(app.url + "/admin/login", timeout=5,
                                 data={"username": "somchai", "password": PASSWORD, "csrf_token": _token(login)})
        assert signed_in.url.endswith("/admin/")
        listing = session.get(app.url + "/admin/unanswered", timeout=5).text
        qid = re.search(r'href="/admin/unanswered/(\d+)" class="question-text"', listing).group(1)
        page = session.get(f"{app.url}/admin/unanswered/{qid}", timeout=5).text
        done = session.post(f"{app.url}/admin/unanswered/{qid}/alias", timeout=10,
                            data={"csrf_token": _token(page), "procedure": "disaster-relief", "alias": UNEMPLOYED})
        assert done.status_code == 200 and "บอทใช้ได้ทันที" in done.text
        added_at = time.monotonic()

        # Every worker process answers with the new name within its check interval (2 s)...
        wait_until(lambda: found(UNEMPLOYED) == {"disaster-relief"}, timeout=10, interval=0.5)
        # ...and so do the worker threads that answer LINE, in whichever process takes the
        # event (gunicorn may have sent every search above to the same worker).
        time.sleep(max(0.0, added_at + CHECK_SECONDS + 0.2 - time.monotonic()))
        for _ in range(4):
            event = text_event(citizen, f"{UNEMPLOYED} ค่ะ")
            assert post_signed(app.url, body_of(event)).status_code == 200
            reply = wait_until(lambda: replies_to(fake_line, event["replyToken"]), timeout=15)
            assert "ช่วยเหลือผู้ประสบภัย" in str(reply[0].json["messages"])
    finally:
        app.stop()
