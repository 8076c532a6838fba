"""Privacy of citizen feedback (PDPA): notices, erasure on request, retention, escaping;
and the QR posters and the simulator's photo button."""
import io
import time
from datetime import datetime

from PIL import Image

from bot.feedback import posters
from bot.feedback import retention as feedback_retention
from bot.feedback.cli import safe
from bot.feedback.common import clean_text
from bot.common.thaidate import BANGKOK
from db import ratings, ticket_photos, tickets, transaction
from feedback_support import Chat, staff_group, text_of
from helpers import follow_event, wait_until
from test_feedback_questions import ask
from test_feedback_tickets import FY, change, file_road_ticket


def counts(served) -> dict:
    db = served.db
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("service_ratings", "tickets", "staff_questions", "ticket_events")}


def test_erasing_my_data_removes_what_i_wrote_and_keeps_anonymous_counts(served, fake_line):
    staff_group(served, fake_line, "engineering")
    chat = Chat(served, fake_line)
    chat.say("ประเมินบริการ [building-permit]")
    for _ in range(5):
        chat.tap("🙂 มาก")
    chat.say("ห้องน้ำสะอาดดีค่ะ บ้านเลขที่ 45")
    file_road_ticket(chat)
    ask(chat, "ขออนุญาตต่อเติมครัวต้องใช้เอกสารอะไรบ้างคะ", topic="ก่อสร้างและที่ดิน")
    wait_until(lambda: served.db.execute("SELECT count(*) FROM ticket_photos WHERE status = 'stored'").fetchone()[0])
    before = counts(served)

    chat.say("ข้อมูลส่วนบุคคล")
    chat.tap("ลบข้อมูลของฉัน")
    assert "ลบข้อมูลของท่านเรียบร้อยแล้ว" in text_of(chat.tap("ยืนยันลบ"))

    db = served.db
    assert counts(served) == before  # counts and ratings are kept …
    rating = db.execute("SELECT chat_key, comment, overall FROM service_ratings").fetchone()
    assert rating == (None, None, 4)  # … without who rated or what they wrote
    ticket = tickets.by_number(db, f"KC-{FY}-00001")
    assert (ticket.chat_key, ticket.line_user_id, ticket.description, ticket.latitude) == (None, None, None, None)
    assert (ticket.category, ticket.division_id, ticket.personal_data_removed_why) == ("village", "engineering", "erasure")
    assert ticket_photos.photos(db, ticket.id) == []
    question = db.execute("SELECT chat_key, line_user_id, question, division_id FROM staff_questions").fetchone()
    assert question == (None, None, None, "engineering")
    from db import inbox, outbox

    with transaction(db):  # the background job does this within minutes of the request
        inbox.forget_redacted_sources(db)
        outbox.delete_confidential(db, time.time() + 3600)
    for table in ("inbox", "outbox", "conversations", "tickets", "staff_questions", "service_ratings", "feedback_rate_events"):
        rows = str(db.execute(f"SELECT * FROM {table}").fetchall())
        for written in ("บ้านเลขที่ 45", "ถนนลูกรังหน้าวัด", "ต่อเติมครัว", chat.uid):
            assert written not in rows, (table, written, rows[:2000])  # nor in the announcements to staff
    # Staff can still change the ticket; nobody is pushed to.
    change(served, f"KC-{FY}-00001", "resolved", actor="นายช่าง")
    assert tickets.by_number(db, f"KC-{FY}-00001").status == "resolved"


def test_retention_removes_personal_data_from_tickets_closed_long_ago(served, fake_line):
    chat = Chat(served, fake_line)
    file_road_ticket(chat, photo=False)
    ask(chat, "ถนนจะซ่อมเสร็จเมื่อไรคะ", topic="ก่อสร้างและที่ดิน")
    number = f"KC-{FY}-00001"
    change(served, number, "resolved", actor="นายช่าง")
    db = served.db
    with transaction(db):
        db.execute("UPDATE staff_questions SET status = 'answered', answer = 'สัปดาห์หน้า', answered_at = ?", (time.time(),))
    assert feedback_retention.purge(db, retention_days=30)["tickets"] == 0  # closed today: kept
    later = time.time() + 31 * 86400
    removed = feedback_retention.purge(db, retention_days=30, now=later)
    assert removed["tickets"] == 1 and removed["questions"] == 1
    ticket = tickets.by_number(db, number)
    assert ticket.description is None and ticket.personal_data_removed_why == "retention" and ticket.status == "resolved"


def test_an_unfinished_corruption_draft_does_not_wait_in_the_database(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("แจ้งเบาะแสทุจริต")
    chat.tap("ไม่เปิดเผยตัวตน")
    chat.say("ผู้รับเหมาทำถนนบางกว่าแบบ เจ้าหน้าที่ตรวจรับงานโดยไม่ได้วัดความหนา")
    removed = feedback_retention.purge(served.db, 365, now=time.time() + 2 * 3600)
    assert removed["corruption_drafts"] == 1
    assert "ผู้รับเหมา" not in str(served.db.execute("SELECT * FROM conversations").fetchall())


def test_the_short_notice_links_to_the_full_privacy_page(served, fake_line):
    chat = Chat(served, fake_line)
    greeting = chat.send(follow_event(chat.uid))
    assert "/privacy" in text_of(greeting)
    page = served.app.test_client().get("/privacy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="th"' in html and "ลบข้อมูลของฉัน" in html
    assert "หน่วยตรวจสอบภายใน" in html and "365 วัน" in html


def test_citizen_text_is_kept_as_data_and_shown_escaped():
    typed = "ถนนพัง\x1b[31m\x00 หน้าบ้าน\r\n\n\n\nโทร 081\u200b"
    assert clean_text(typed) == "ถนนพัง[31m หน้าบ้าน\n\nโทร 081"
    assert safe("ok\x1b[2Jbad") == "ok\\x1b[2Jbad"  # a terminal shows it, never obeys it


def test_qr_posters_are_printable_a4_pages_with_a_working_link(served, tmp_path):
    from dataclasses import replace

    from bot.handbook.store import content_of

    profile = replace(content_of(served.app).profile, line_basic_id="konchim")
    handbook = served.app.extensions["inbox_worker"].planner.handbook_store.handbook
    png = posters.render_poster(handbook.get("elderly-allowance"), profile)
    image = Image.open(io.BytesIO(png))
    assert image.size == posters.PAGE and image.format == "PNG"
    pdf = posters.render_posters_pdf(handbook.procedures[:3], profile)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 3
    link = posters.service_link(handbook.get("elderly-allowance"), profile)
    assert link.startswith("https://line.me/R/oaMessage/%40konchim/?") and len(link) < 200
    try:
        posters.service_link(handbook.get("elderly-allowance"), replace(profile, line_basic_id=""))
        raise AssertionError("a poster without the SAO's LINE ID must not be made")
    except posters.PosterError as exc:
        assert "line_basic_id" in str(exc)


def test_qr_posters_command_writes_png_and_pdf(tmp_path):
    import subprocess
    import sys

    from bot.config import PROJECT_ROOT

    out = tmp_path / "posters"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "qr-posters", "-o", str(out), "--line-id", "@konchim", "--service", "water-supply", "--service", "signboard-tax"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, env={"DATABASE_PATH": str(tmp_path / "x.sqlite3"), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["qr-posters.pdf", "qr-signboard-tax.png", "qr-water-supply.png"]


def test_the_simulator_sends_a_sample_photo_into_a_ticket(served, fake_line):
    from helpers import user_id

    client = served.app.test_client()
    uid = user_id()
    chat_key = f"user:{uid}"

    def state():
        return served.db.execute("SELECT step, session, data FROM conversations WHERE chat_key = ?", (chat_key,)).fetchone()

    def send(**body):
        assert client.post("/simulator/api/send", json={"userId": uid, **body}).get_json()["ok"]

    send(type="text", text="แจ้งเรื่อง")
    session = wait_until(lambda: state() and state()[0] == "category" and state())[1]
    send(type="postback", data=f"v1|ticket|category|{session}|other")
    wait_until(lambda: state()[0] == "description")
    send(type="text", text="ป้ายรถโดยสารหน้าตลาดหลังคารั่ว")
    wait_until(lambda: state()[0] == "photos")
    send(type="image")  # the simulator's camera button
    wait_until(lambda: '"photos": ["' in state()[2])


def test_ratings_summary_command_reports_without_names(served, fake_line, monkeypatch):
    chat = Chat(served, fake_line)
    chat.say("ประเมินบริการ [water-supply]")
    for _ in range(5):
        chat.tap("😍 มากที่สุด")
    chat.say("น้ำไหลแรงดีค่ะ")
    from test_feedback_tickets import cli

    # A server clock 19 hours behind Bangkok (UTC-12): until 19:00 Thai time it is still
    # yesterday there. The report's default period must end today in Bangkok all the same,
    # or today's ratings are left out.
    monkeypatch.setenv("TZ", "XXX+12")
    report = cli(served, fake_line, "ratings", "--comments")
    assert f"ถึง {datetime.now(BANGKOK).date().isoformat()} " in report.stdout
    assert "ขอใช้น้ำประปา\t1\t5.00" in report.stdout and "น้ำไหลแรงดีค่ะ" in report.stdout
    assert chat.uid not in report.stdout
    assert ratings.summary(served.db, "2000-01-01", "2999-12-31")[0].count == 1
