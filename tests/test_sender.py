"""The one sender against the fake LINE API: limits, reply-then-push, retries without duplicates."""
import json
import time

import pytest

from bot.line import limits
from bot.line.sender import LineSender
from db import open_database, outbox, transaction
from helpers import user_id


@pytest.fixture
def db(settings):
    return open_database(settings.database_path)


@pytest.fixture
def sender(settings):
    # A timeout no answer of the fake LINE comes near, however busy the machine: with 0.5 s a
    # quick 400 on a loaded CI machine once came late, and the test saw a timeout it never made.
    return LineSender(settings.with_(line_timeout_seconds=10.0, line_backoff_base_seconds=0.0))


@pytest.fixture
def impatient_sender(settings):
    """For the tests of a request that times out: the client gives up after 0.5 s, and the fake
    LINE is told to answer after 1 s or more."""
    return LineSender(settings.with_(line_timeout_seconds=0.5, line_backoff_base_seconds=0.0))


def queue(db, **row) -> int:
    uid = row.pop("to", None) or user_id()
    defaults = dict(
        dedupe_key=f"test:{uid}:{row.get('kind', 'push')}",
        chat_key=f"user:{uid}",
        kind="push",
        to_ids=[uid],
        messages=[{"type": "text", "text": "แจ้งเลขที่เรื่อง KC-2570-00042 ค่ะ"}],
    )
    defaults.update(row)
    with transaction(db):
        return outbox.enqueue(db, **defaults)


def deliver_until_final(sender, db, outbox_id, rounds=10) -> dict:
    for _ in range(rounds):
        sender.deliver(db, outbox_id)
        row = outbox.get(db, outbox_id)
        if row["status"] not in ("pending", "sending"):
            return row
    return outbox.get(db, outbox_id)


def sent_requests(fake_line, path):
    return [r for r in fake_line.state.requests if r.path == path]


def test_reply_is_sent_once_and_recorded_with_line_request_id(sender, db, fake_line):
    outbox_id = queue(db, kind="reply", reply_token="token-1")
    row = deliver_until_final(sender, db, outbox_id)
    assert row["status"] == "sent"
    request = sent_requests(fake_line, "/v2/bot/message/reply")[0]
    assert row["line_request_id"] == request.request_id
    assert sender.deliver(db, outbox_id).status == "busy"  # already sent: nothing happens
    assert len(sent_requests(fake_line, "/v2/bot/message/reply")) == 1


def test_requests_carry_the_token_and_thai_as_utf8_json(sender, db, fake_line, settings):
    outbox_id = queue(db, kind="reply", reply_token="token-utf8")
    assert deliver_until_final(sender, db, outbox_id)["status"] == "sent"
    request = sent_requests(fake_line, "/v2/bot/message/reply")[0]
    assert request.headers["authorization"] == f"Bearer {settings.channel_access_token}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("line-bot-sdk-python/")
    assert request.json["messages"][0]["text"] == "แจ้งเลขที่เรื่อง KC-2570-00042 ค่ะ"
    # Thai goes as UTF-8 (3 bytes a letter), not as \\u escapes (6 bytes a letter).
    assert request.raw_length == len(json.dumps(request.json, ensure_ascii=False, separators=(",", ":")).encode())


def test_rejected_reply_token_falls_back_to_push_for_messages_that_must_arrive(sender, db, fake_line):
    fake_line.state.expire_token("old-token")
    outbox_id = queue(db, kind="reply", reply_token="old-token", must_arrive=True)
    row = deliver_until_final(sender, db, outbox_id)
    assert row["status"] == "sent" and row["kind"] == "push"
    push = sent_requests(fake_line, "/v2/bot/message/push")
    assert len(push) == 1 and push[0].status == 200
    assert push[0].headers["x-line-retry-key"] == row["retry_key"]


def test_rejected_reply_token_drops_an_ordinary_reply(sender, db, fake_line):
    fake_line.state.expire_token("old-token")
    outbox_id = queue(db, kind="reply", reply_token="old-token")
    assert deliver_until_final(sender, db, outbox_id)["status"] == "expired"
    assert sent_requests(fake_line, "/v2/bot/message/push") == []


def test_push_retries_5xx_and_429_with_one_retry_key_and_delivers_once(sender, db, fake_line):
    fake_line.state.fail_next(2, status=500, path_prefix="/v2/bot/message/push")
    fake_line.state.fail_next(1, status=429, path_prefix="/v2/bot/message/push")
    outbox_id = queue(db)
    row = deliver_until_final(sender, db, outbox_id)
    assert row["status"] == "sent" and row["attempts"] == 4
    attempts = sent_requests(fake_line, "/v2/bot/message/push")
    assert [r.status for r in attempts] == [500, 500, 429, 200]
    assert len({r.headers["x-line-retry-key"] for r in attempts}) == 1
    assert len(fake_line.state.deliveries()) == 1


def test_push_that_timed_out_is_retried_and_line_answers_409_not_a_second_delivery(impatient_sender, db, fake_line):
    fake_line.state.delay_next(1, 1.5, path_prefix="/v2/bot/message/push")
    outbox_id = queue(db)
    first = impatient_sender.deliver(db, outbox_id)
    assert first.status == "retry"  # the client gave up after 0.5 s; LINE still delivered
    import time

    time.sleep(1.3)  # let the slow first request finish on the server
    row = deliver_until_final(impatient_sender, db, outbox_id)
    assert row["status"] == "sent"
    statuses = [r.status for r in sent_requests(fake_line, "/v2/bot/message/push")]
    assert statuses == [200, 409]
    assert len(fake_line.state.deliveries()) == 1


def test_reply_that_timed_out_after_reaching_line_ends_uncertain_and_is_never_pushed(impatient_sender, db, fake_line):
    # The slow first request spends the token; the repeat is refused, not delivered again.
    fake_line.state.delay_next(1, 1.0, path_prefix="/v2/bot/message/reply")
    outbox_id = queue(db, kind="reply", reply_token="slow-token", must_arrive=True)
    assert impatient_sender.deliver(db, outbox_id).status == "retry"
    import time

    time.sleep(0.8)  # the slow request completes on the server
    row = deliver_until_final(impatient_sender, db, outbox_id)
    assert row["status"] == "uncertain" and row["kind"] == "reply"
    assert sent_requests(fake_line, "/v2/bot/message/push") == []
    assert len(fake_line.state.deliveries()) == 1


def test_reply_on_a_connection_the_server_dropped_is_repeated_and_delivered_once(sender, db, fake_line):
    # A pooled connection closed by the server: the request never reached LINE.
    fake_line.state.drop_next(1, path_prefix="/v2/bot/message/reply")
    outbox_id = queue(db, kind="reply", reply_token="fresh-token")
    row = deliver_until_final(sender, db, outbox_id)
    assert row["status"] == "sent" and row["attempts"] == 2
    assert len(fake_line.state.deliveries()) == 1


def test_ambiguous_reply_attempt_is_remembered_through_later_line_errors(sender, db, fake_line):
    # dropped (may have arrived, as far as the bot knows), then 500, then a refused token:
    # the refusal may mean the first attempt was delivered, so no push and no "expired".
    fake_line.state.drop_next(1, path_prefix="/v2/bot/message/reply")
    fake_line.state.fail_next(1, status=500, path_prefix="/v2/bot/message/reply")
    outbox_id = queue(db, kind="reply", reply_token="odd-token", must_arrive=True)
    assert sender.deliver(db, outbox_id).status == "retry"
    assert sender.deliver(db, outbox_id).status == "retry"
    fake_line.state.expire_token("odd-token")
    row = deliver_until_final(sender, db, outbox_id)
    assert row["status"] == "uncertain" and row["error"].startswith("may have reached LINE")
    assert sent_requests(fake_line, "/v2/bot/message/push") == []


def test_push_gives_up_after_max_attempts(sender, db, fake_line, settings):
    fake_line.state.fail_next(50, status=503, path_prefix="/v2/bot/message/push")
    outbox_id = queue(db)
    row = deliver_until_final(sender, db, outbox_id, rounds=20)
    assert row["status"] == "failed"
    assert row["attempts"] == settings.line_max_attempts


def test_a_4xx_other_than_429_is_final(sender, db, fake_line):
    outbox_id = queue(db, to="Xnot-a-line-id")  # LINE rejects a recipient that is no user, group or room
    row = deliver_until_final(sender, db, outbox_id)
    assert row["status"] == "failed" and "HTTP 400" in row["error"]
    assert row["attempts"] == 1


def test_messages_over_lines_limits_never_leave_the_bot(sender, db, fake_line):
    label = "ก" * 21
    messages = [{"type": "text", "text": "เลือกค่ะ", "quickReply": {"items": [{"type": "action", "action": {"type": "message", "label": label, "text": "x"}}]}}]
    outbox_id = queue(db, messages=messages)
    row = deliver_until_final(sender, db, outbox_id)
    assert row["status"] == "failed" and "label" in row["error"]
    assert fake_line.state.requests == []


def test_thai_label_is_counted_in_grapheme_clusters(sender, db, fake_line):
    label = "ผู้สูงอายุ" * 3  # 18 grapheme clusters, but len() is 30
    assert len(label) > 20
    messages = [{"type": "text", "text": "เลือกค่ะ", "quickReply": {"items": [{"type": "action", "action": {"type": "message", "label": label, "text": label}}]}}]
    row = deliver_until_final(sender, db, queue(db, messages=messages))
    assert row["status"] == "sent"


@pytest.mark.parametrize(
    ("label", "over"),
    [
        ("ก" * 20, False),
        ("ก" * 21, True),
        ("ผู้สูงอายุ" * 3, False),  # 30 code points, 18 clusters
        ("ผู้สูงอายุ" * 3 + "ผู้ส", False),  # 34 code points, 20 clusters
        ("ผู้สูงอายุ" * 3 + "ผู้สูง", True),  # 21 clusters
        ("👍🏽" * 20, False),  # skin-tone pairs: 40 code points, 20 clusters
        ("👍🏽" * 21, True),
    ],
)
def test_label_length_is_judged_in_clusters_at_the_boundary(label, over):
    assert limits.more_graphemes_than(label, limits.MAX_LABEL) is over
    shortened = limits.truncate_label(label)
    assert (shortened != label) is over and not limits.more_graphemes_than(shortened, limits.MAX_LABEL)


def test_after_a_crash_pushes_and_replies_are_sent_again_and_arrive_once(sender, db, fake_line):
    push_id = queue(db)
    reply_id = queue(db, kind="reply", reply_token="t", must_arrive=True)
    unsent_reply_id = queue(db, kind="reply", reply_token="never-used", to=user_id())
    for outbox_id in (push_id, reply_id, unsent_reply_id):
        outbox.claim(db, outbox_id, lease_seconds=60)  # the process died while sending them
    # The push and the first reply had reached LINE before the process died.
    push = outbox.get(db, push_id)
    before_the_crash = [{"type": "text", "text": "ก่อนดับ"}]
    sender._post("/v2/bot/message/push", {"to": json.loads(push["to_ids"])[0], "messages": before_the_crash},
                 retry_key=push["retry_key"])
    sender._post("/v2/bot/message/reply", {"replyToken": "t", "messages": before_the_crash})
    assert outbox.recover_stale(db, everything=True) == 3
    assert deliver_until_final(sender, db, push_id)["status"] == "sent"  # LINE: 409, already accepted
    reply = deliver_until_final(sender, db, reply_id)
    assert reply["status"] == "uncertain" and reply["kind"] == "reply"  # token used: not pushed
    assert deliver_until_final(sender, db, unsent_reply_id)["status"] == "sent"
    assert len(fake_line.state.deliveries()) == 3  # each message once


def test_a_worker_that_stopped_between_saving_and_sending_leaves_the_reply_to_a_sweeper(settings, fake_line):
    # The worker saves the reply already claimed (outbox.enqueue_claimed) and stops before
    # sending it. A sweeper sends it once its lease is over, and only then frees the chat's
    # next event, even where the event's own lease ran out first.
    from bot import build_worker
    from bot.line.events import parse
    from bot.pipeline.webhook import inbox_rows
    from db import inbox
    from helpers import text_event

    worker = build_worker(settings.with_(line_timeout_seconds=0.2, inbox_lease_seconds=0.1))
    db = worker.pool.get()
    citizen = user_id()
    inbox.store_events(db, inbox_rows([text_event(citizen, "เบอร์โทร อบต. ค่ะ"), text_event(citizen, "ขอบคุณค่ะ")]))
    item = inbox.claim_next(db, lease_seconds=settings.inbox_lease_seconds)
    event = parse(item.payload)
    queued, replies = worker._apply(db, item, event, worker.planner.plan(event, None))
    assert not queued and len(replies) == 1 and replies[0].status == "sending"  # … and here it stops
    time.sleep(0.15)  # the event's lease is over, the reply's (0.6 s) is not
    worker.sweep()
    assert inbox.counts_by_status(db).get("handled") == 1 and fake_line.state.deliveries() == []
    assert inbox.claim_next(db, lease_seconds=30) is None  # the chat's next event still waits
    time.sleep(0.5)
    worker.sweep()
    assert outbox.get(db, replies[0].id)["status"] == "sent"
    assert len(fake_line.state.deliveries()) == 1
    assert inbox.counts_by_status(db) == {"done": 1, "pending": 1}


def test_loading_animation_and_quota(sender, fake_line):
    assert sender.show_loading(user_id()) is True
    assert sender.show_loading("not-a-user") is False
    quota = sender.quota()
    assert quota["limit"] > 0 and quota["used"] == 0


def test_reply_is_retried_through_a_burst_of_line_errors_while_its_token_lives(sender, db, fake_line, settings):
    fake_line.state.fail_next(6, status=500, path_prefix="/v2/bot/message/reply")
    fake_line.state.fail_next(2, status=429, path_prefix="/v2/bot/message/reply")
    outbox_id = queue(db, kind="reply", reply_token="token-burst")
    row = deliver_until_final(sender, db, outbox_id, rounds=20)
    assert row["status"] == "sent" and row["attempts"] == 9 > settings.line_max_attempts
    assert [r.status for r in sent_requests(fake_line, "/v2/bot/message/reply")] == [500] * 6 + [429] * 2 + [200]
    assert len(fake_line.state.deliveries()) == 1


@pytest.mark.parametrize("must_arrive, final, pushes", [(False, "expired", 0), (True, "sent", 1)])
def test_reply_refused_until_its_token_expires_is_pushed_only_if_it_must_arrive(settings, db, fake_line, must_arrive, final, pushes):
    import time

    created = time.time()
    late = LineSender(settings.with_(line_timeout_seconds=0.5, line_backoff_base_seconds=0.0), clock=lambda: created + 55)
    fake_line.state.fail_next(1, status=503, path_prefix="/v2/bot/message/reply")
    outbox_id = queue(db, kind="reply", reply_token="token-late", must_arrive=must_arrive)
    row = deliver_until_final(late, db, outbox_id)
    assert row["status"] == final
    assert len(sent_requests(fake_line, "/v2/bot/message/push")) == pushes
    assert len(fake_line.state.deliveries()) == pushes
