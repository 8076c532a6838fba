"""LINE's loading animation: shown to a person while their message waits, once across processes.

The worker shows it while people wait (a backlog, a slow step), not at the moment it takes
their message: by then the answer follows within milliseconds.
"""
import time

from bot import build_worker
from bot.pipeline.webhook import inbox_rows
from bot.pipeline.worker import LOADING_SECONDS
from db import inbox, open_database
from helpers import base_event, follow_event, text_event, user_id, wait_until

LOADING_PATH = "/v2/bot/chat/loading/start"


def loading_requests(fake_line) -> list[str]:
    return [r.json["chatId"] for r in fake_line.state.requests if r.path == LOADING_PATH]


def store(settings, *events) -> None:
    db = open_database(settings.database_path)
    inbox.store_events(db, inbox_rows(list(events)))
    db.close()


def test_people_whose_message_waits_see_the_animation_once(settings, fake_line):
    worker = build_worker(settings.with_(loading_threshold_seconds=1.0))
    somchai, malee, group_member = user_id(), user_id(), user_id()
    store(
        settings,
        text_event(somchai, "ขอเบี้ยคนแก่ทำไงคะ"),
        text_event(somchai, "ด่วนนะคะ 🙏"),
        text_event(malee, "ถังขยะเต็มแล้วค่ะ"),
        follow_event(user_id()),  # not a question: nobody is waiting for an answer
        text_event(user_id(), "ตอบช้าก็ได้", mode="standby"),  # another channel answers it
        base_event("message", {"type": "group", "groupId": "C" + "0" * 32, "userId": group_member},
                   message={"id": "1", "type": "text", "text": "ประชุมกี่โมง"}),
    )
    now = time.time()
    assert worker.show_loading_to_people_waiting(now) == 0  # not waited past the threshold yet
    assert worker.show_loading_to_people_waiting(now + 2) == 2
    assert sorted(loading_requests(fake_line)) == sorted([somchai, malee])
    assert fake_line.state.requests[-1].json["loadingSeconds"] == LOADING_SECONDS

    # A second process looking at the same inbox, and the next look of the first: nothing new.
    other_process = build_worker(settings.with_(loading_threshold_seconds=1.0))
    assert other_process.show_loading_to_people_waiting(now + 3) == 0
    assert worker.show_loading_to_people_waiting(now + 4) == 0

    # Malee writes again while she still watches the animation: nothing more to ask for.
    store(settings, text_event(malee, "ยังไม่มีใครตอบเลยค่ะ"))
    assert other_process.show_loading_to_people_waiting(now + 10) == 0
    # The bot answers her first message, which ends the animation; the second still waits.
    db = open_database(settings.database_path)
    first = db.execute("SELECT min(id) FROM inbox WHERE user_id = ?", (malee,)).fetchone()[0]
    inbox.finish(db, first, "done")
    db.close()
    assert other_process.show_loading_to_people_waiting(now + 11) == 1
    assert loading_requests(fake_line)[-1] == malee
    # Somchai still waits after the animation ran out: shown again. Malee's runs on.
    assert worker.show_loading_to_people_waiting(now + 2 + LOADING_SECONDS + 1) == 1
    assert loading_requests(fake_line)[-1] == somchai


def test_one_look_passes_over_people_already_watching_it(settings, fake_line):
    # The first in line already see the animation; those behind them must not be starved
    # by the limit of one look.
    worker = build_worker(settings.with_(loading_threshold_seconds=1.0))
    people = [user_id() for _ in range(5)]
    store(settings, *(text_event(p, f"คำถามที่ {n} ค่ะ 🙏") for n, p in enumerate(people, 1)))
    now = time.time()
    db = open_database(settings.database_path)

    def look(at):
        return inbox.take_people_waiting(db, received_before=at - 1, now=at, repeat_after=LOADING_SECONDS, limit=2)

    assert look(now + 2) == people[:2]  # another process has just shown it to the first two
    assert look(now + 3) == people[2:4]  # the next look goes on to the next two
    assert worker.show_loading_to_people_waiting(now + 4) == 1
    assert loading_requests(fake_line) == [people[4]]


def test_someone_whose_messages_are_being_answered_waits_from_the_last_answer(settings, fake_line):
    # Three questions at once: the answers come one after another, each within the
    # threshold of the last, so the person sees them coming and no animation between.
    worker = build_worker(settings.with_(loading_threshold_seconds=1.0))
    citizen = user_id()
    store(settings, *(text_event(citizen, q) for q in ("ขอเบอร์ อบต.", "เปิดกี่โมงคะ", "ขอบคุณค่ะ 🙏")))
    db = open_database(settings.database_path)
    first = db.execute("SELECT min(id) FROM inbox WHERE user_id = ?", (citizen,)).fetchone()[0]
    answered = time.time() + 10  # all three have waited 10 s by then
    inbox.finish(db, first, "done")
    db.execute("UPDATE inbox SET finished_at = ? WHERE id = ?", (answered, first))
    assert worker.show_loading_to_people_waiting(answered + 0.5) == 0
    assert worker.show_loading_to_people_waiting(answered + 1.5) == 1  # the next answer is late
    assert loading_requests(fake_line) == [citizen]
    plan = " ".join(r[-1] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT 1 FROM inbox WHERE source_key = 'user:U1' AND finished_at >= 0"))
    assert "idx_inbox_source_key_finished_at" in plan  # a look is cheap however long the history


def test_handled_events_get_no_animation(settings, fake_line):
    worker = build_worker(settings.with_(loading_threshold_seconds=1.0))
    citizen = user_id()
    store(settings, text_event(citizen, "เบอร์โทร อบต. ค่ะ"))
    assert worker.process_next()
    assert worker.show_loading_to_people_waiting(time.time() + 5) == 0
    assert loading_requests(fake_line) == []


def test_the_running_worker_shows_it_during_a_backlog(settings, fake_line):
    # One slow worker thread and many people at once: those at the back see the animation.
    worker = build_worker(settings.with_(loading_threshold_seconds=0.2, worker_threads=1))
    original_plan = worker.planner.plan

    def slow_plan(event, state, **kw):
        time.sleep(0.1)
        return original_plan(event, state, **kw)

    worker.planner.plan = slow_plan
    people = [user_id() for _ in range(8)]
    store(settings, *(text_event(p, "สวัสดีค่ะ") for p in people))
    worker.start()
    try:
        wait_until(lambda: not inbox.chat_busy(open_database(settings.database_path), f"user:{people[-1]}"), timeout=20)
    finally:
        worker.stop()
    shown = loading_requests(fake_line)
    assert shown and set(shown) <= set(people[1:])  # the first was answered at once
    assert len(shown) == len(set(shown))  # once each
