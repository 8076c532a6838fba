"""The inbox worker: turns stored webhook events into replies, in the web process.

Threads claim events from the inbox (one chat's events strictly in order), plan them,
save the new conversation state together with the queued replies and the event's
status in one transaction, then hand the replies to the sender. A sweeper thread
retries due outbox rows and recovers work left behind by a crashed process. Nothing
is lost between these steps: each one is recorded in SQLite before the next begins.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from contextlib import contextmanager
from datetime import datetime

from bot.pipeline import effects
from bot.pipeline.handlers import BANGKOK, EventPlanner, Plan, apology_messages
from bot.line import limits
from bot.line.events import Event, MalformedEvent, parse
from bot.line.sender import LineSender
from bot.conversation.engine import State
from db import ConnectionPool, chats, checkpoint, conversations, inbox, outbox, sent_messages, transaction

log = logging.getLogger(__name__)

MAX_HANDLING_ATTEMPTS = 3
SWEEP_INTERVAL_SECONDS = 0.5
# The longest an event waits for webhook answers in progress before it is handled anyway.
MAX_YIELD_SECONDS = 0.05
# LINE shows the loading animation this long, or until the bot's next message arrives.
LOADING_SECONDS = 20
# Loading animations asked for in one look at the inbox: a backlog must not become a flood.
MAX_LOADING_PER_PASS = 50


def _state_from_row(row: dict | None) -> State | None:
    if row is None:
        return None
    return State(row["flow"], row["step"], row["session"], row["data"], row["updated_at"])


class _Answering(threading.Condition):
    """Webhook requests being answered in this process right now (InboxWorker.answering)."""

    answering = 0


_WEBHOOK = _Answering()


class InboxWorker:
    def __init__(self, pool: ConnectionPool, planner: EventPlanner, sender: LineSender, settings, idle_poll_seconds: float = 0.2):
        self.pool = pool
        self.planner = planner
        self.sender = sender
        self.settings = settings
        self._wake = threading.Condition()
        self._pending_signal = 0
        # Told of new events as well (a hosted install's shared threads: bot/hosting/workers.py).
        self.listeners: list = []
        self._stop = threading.Event()
        self._ready = threading.Event()  # set once the planner is warmed up (start())
        self._threads: list[threading.Thread] = []
        # In the web process the webhook wakes the threads at once; a separate worker
        # process (python -m bot work) only learns of new events by looking.
        self.idle_poll_seconds = idle_poll_seconds

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self._threads:
            return
        if self.settings.worker_threads:
            # Reading free text loads models for a few seconds: done off to the side while the
            # webhook already answers, and before any event is claimed, so no citizen's event
            # waits on it past its lease.
            warm = threading.Thread(target=self._warm_up, name="warm-up", daemon=True)
            warm.start()
            self._threads.append(warm)
        else:
            self._ready.set()
        for i in range(self.settings.worker_threads):
            t = threading.Thread(target=self._run, name=f"inbox-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        sweeper = threading.Thread(target=self._sweep_loop, name="outbox-sweeper", daemon=True)
        sweeper.start()
        self._threads.append(sweeper)
        if self.settings.worker_threads:
            loading = threading.Thread(target=self._loading_loop, name="loading-animation", daemon=True)
            loading.start()
            self._threads.append(loading)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.notify()
        for t in self._threads:
            t.join(timeout)
        self._threads = []

    @contextmanager
    def answering(self):
        """Wrap the webhook's answer: while one is under way, event handling waits.

        Answering LINE quickly is what keeps events from being redelivered or lost, and the
        answer only stores the event; handling it can wait a few milliseconds. Threads of
        one process share the GIL, so without this a burst of handling slows every answer.
        The count is the process's, not this worker's: a hosted install's SAOs each have a
        worker in the same process, and every one of them must wait for any SAO's webhook.
        """
        with _WEBHOOK:
            _WEBHOOK.answering += 1
        try:
            yield
        finally:
            with _WEBHOOK:
                _WEBHOOK.answering -= 1
                if _WEBHOOK.answering == 0:
                    _WEBHOOK.notify_all()

    def _yield_to_webhook(self) -> None:
        with _WEBHOOK:
            if _WEBHOOK.answering:
                _WEBHOOK.wait(MAX_YIELD_SECONDS)

    def notify(self) -> None:
        """Called by the webhook after it stored new events."""
        with self._wake:
            self._pending_signal += 1
            self._wake.notify_all()
        for listener in self.listeners:
            listener()

    def _wait_for_work(self, timeout: float) -> None:
        with self._wake:
            if self._pending_signal == 0:
                self._wake.wait(timeout)
            self._pending_signal = max(0, self._pending_signal - 1)

    def _warm_up(self) -> None:
        try:
            self.planner.warm_up()
        except Exception:  # events are still handled; the reader loads on first use
            log.exception("warming up the reader failed")
        finally:
            self._ready.set()

    def _run(self) -> None:
        while not self._ready.wait(0.1):
            if self._stop.is_set():
                return
        while not self._stop.is_set():
            try:
                if not self.process_next():
                    self._wait_for_work(self.idle_poll_seconds)
            except Exception as exc:  # keep the thread alive whatever happens; the event is retried
                self.recover_from(exc)

    def recover_from(self, exc: Exception) -> None:
        """After an error handling an event (it is retried): logged, a connection stuck
        read-only opened again, and a pause. This worker's threads and a hosted install's
        shared ones (bot/hosting/workers.py) go on after it."""
        log.exception("inbox worker error%s", self._whose())
        self.pool.discard_after(exc)
        time.sleep(0.5)

    def _whose(self) -> str:
        """Which SAO's worker, in a hosted install (its log lines are every SAO's)."""
        return f" (tenant {self.settings.tenant})" if self.settings.tenant else ""

    def _sweep_loop(self) -> None:
        while not self._stop.wait(SWEEP_INTERVAL_SECONDS):
            self.sweep_safely()

    def sweep_safely(self) -> None:
        """One sweep; an error is logged and a bad connection opened again, never raised: the
        sweeps go on."""
        try:
            self.sweep()
        except Exception as exc:
            log.exception("outbox sweep error%s", self._whose())
            self.pool.discard_after(exc)

    # --- one event ---------------------------------------------------------------------

    def process_next(self) -> bool:
        """Handle one event if there is one; return whether there was."""
        self._yield_to_webhook()
        db = self.pool.get()
        claimed = inbox.claim_next(db, lease_seconds=self.settings.inbox_lease_seconds)
        if claimed is None:
            return False
        self.process(claimed)
        return True

    def process(self, item: inbox.InboxEvent) -> None:
        db = self.pool.get()
        try:
            event = parse(item.payload)
        except MalformedEvent as exc:
            log.warning("inbox %s skipped: %s", item.id, exc)
            inbox.finish(db, item.id, "skipped", str(exc))
            return
        try:
            state = _state_from_row(conversations.load(db, event.source.conversation_key))
            # A quote-reply to one of the bot's pushes: what that push was for (read, like the
            # state, before planning; the planner itself never touches the database).
            quoted = sent_messages.purpose_of(db, event.message.get("quotedMessageId"))
            plan = self.planner.plan(event, state, quoted=quoted)
            queued, replies = self._apply(db, item, event, plan)
        except Exception as exc:
            self._on_error(db, item, exc)
            return
        self._deliver_and_finish(db, item.id, queued, replies)

    def show_loading_to_people_waiting(self, now: float | None = None) -> int:
        """LINE's loading animation for each person whose message has waited past the threshold.

        Shown while they wait (a backlog, a slow step), not when their turn comes: by then
        the answer follows within milliseconds and the animation would only cost a request.
        Asked again once the bot has answered the person's oldest waiting message (that
        reply ended the animation) or once the last one has run out; more messages from
        someone who is already watching it ask for nothing. Returns how many were shown.
        """
        now = time.time() if now is None else now
        people = inbox.take_people_waiting(
            self.pool.get(),
            received_before=now - self.settings.loading_threshold_seconds,
            now=now,
            repeat_after=LOADING_SECONDS,
            limit=MAX_LOADING_PER_PASS,
        )
        return sum(self.sender.show_loading(user_id, LOADING_SECONDS) for user_id in people)

    def _loading_loop(self) -> None:
        while not self._stop.wait(SWEEP_INTERVAL_SECONDS):
            self.show_loading_safely()

    def show_loading_safely(self) -> None:
        try:
            self.show_loading_to_people_waiting()
        except Exception:  # the animation is a courtesy: never stop trying because of one error
            log.exception("loading animation error%s", self._whose())

    def _apply(self, db, item: inbox.InboxEvent, event: Event, plan: Plan) -> tuple[list[int], list[outbox.OutboxRow]]:
        """Save everything the plan says in one transaction.

        Returns the outbox ids that effects queued, and the reply rows, queued already
        claimed for sending. Work that needs no database (checking the replies against
        LINE's limits) is done before the transaction when it can be: the write lock it
        holds stops every other writer, the webhook's included.
        """
        key = event.source.key
        messages = plan.messages if plan.effects else self._within_limits(item, plan.messages)
        queued: list[int] = []
        replies: list[outbox.OutboxRow] = []
        with transaction(db):
            if plan.chat_status:
                chats.set_status(db, key, event.source.kind, plan.chat_status)
            if plan.erase_message_id:
                inbox.erase_message_content(db, plan.erase_message_id)
            if plan.clear_state:
                conversations.delete_chat(db, key)
            elif plan.state is not None:
                s = plan.state
                conversations.save(db, event.source.conversation_key, s.flow, s.step, s.session, dict(s.data))
            confidential = False
            for effect in plan.effects:
                result = effects.run(effect.name, self._effect_request(db, item, event, effect))
                messages = messages + result.replies
                queued.extend(result.queued_outbox_ids)
                confidential = confidential or result.confidential
                if result.state is not None and not plan.clear_state:
                    # The effect read the database and knows better where the conversation goes.
                    s = result.state
                    conversations.save(db, event.source.conversation_key, s.flow, s.step, s.session, dict(s.data))
                if effect.name == "erase_chat_data":
                    inbox.redact(db, item.id)  # the erasure request itself keeps no content
            if plan.effects:
                messages = self._within_limits(item, messages)
            if messages and event.reply_token:
                # Replies in chunks of 5, the most one request may carry.
                for n, start in enumerate(range(0, len(messages), limits.MAX_MESSAGES)):
                    row = outbox.enqueue_claimed(
                        db,
                        lease_seconds=self.sender.claim_lease_seconds,
                        dedupe_key=f"reply:{item.event_key}:{n}",
                        inbox_id=item.id,
                        chat_key=key,
                        kind="reply" if n == 0 else "push",
                        to_ids=[event.source.chat_id] if event.source.chat_id else [],
                        reply_token=event.reply_token if n == 0 else None,
                        must_arrive=plan.must_arrive,
                        messages=messages[start : start + limits.MAX_MESSAGES],
                        purpose=outbox.CONFIDENTIAL if confidential else "reply",
                    )
                    if row:
                        replies.append(row)
            if plan.outcome == "skipped" or not (queued or replies):
                inbox.finish(db, item.id, plan.outcome, plan.note or None)
            else:
                inbox.mark_handled(db, item.id, self.settings.inbox_lease_seconds)
        return queued, replies

    @staticmethod
    def _within_limits(item: inbox.InboxEvent, messages: list[dict]) -> list[dict]:
        found = limits.problems(messages) if messages else None
        if found:
            # A content mistake must not leave the citizen in silence.
            log.error("reply to inbox %s over LINE limits: %s", item.id, found)
            return apology_messages()
        return messages

    def _effect_request(self, db, item: inbox.InboxEvent, event: Event, effect) -> effects.EffectRequest:
        content = self.planner.content()  # one version for everything the effect reads
        return effects.EffectRequest(
            db=db,
            args=effect.args,
            chat_key=event.source.key,
            chat_kind=event.source.kind,
            user_id=event.source.user_id,
            inbox_id=item.id,
            event_key=item.event_key,
            profile=self.planner.profile_in(content),
            now=datetime.now(BANGKOK),
            divisions=self.planner.divisions_in(content),
            parts=content.parts if content is not None else {},
            public_base_url=self.planner.public_base_url,
            menu_buttons=self.planner.menu_buttons,
        )

    def _on_error(self, db, item: inbox.InboxEvent, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if self.pool.discard_after(exc):
            db = self.pool.get()
        if item.attempts < MAX_HANDLING_ATTEMPTS:
            log.warning("inbox %s attempt %s failed, will retry: %s", item.id, item.attempts, error)
            inbox.release(db, item.id, error)
            self.notify()
            return
        log.error("inbox %s failed for good: %s\n%s", item.id, error, traceback.format_exc())
        queued = []
        event = item.payload
        token = event.get("replyToken") if isinstance(event, dict) else None
        with transaction(db):
            if token and item.mode == "active":
                outbox_id = outbox.enqueue(
                    db,
                    dedupe_key=f"apology:{item.event_key}",
                    inbox_id=item.id,
                    chat_key=item.source_key,
                    kind="reply",
                    to_ids=[],
                    reply_token=token,
                    messages=apology_messages(),
                    purpose="apology",
                )
                if outbox_id:
                    queued.append(outbox_id)
            inbox.finish(db, item.id, "failed", error[:500])
        for outbox_id in queued:
            self.sender.deliver(db, outbox_id)

    def _deliver_and_finish(self, db, inbox_id: int, queued: list[int], replies: list[outbox.OutboxRow]) -> None:
        if not queued and not replies:
            return
        for outbox_id in queued:
            self.sender.deliver(db, outbox_id)
        for row in replies:
            self.sender.send_claimed(db, row, limits_checked=True)
        # Every reply has had its first attempt (retries continue in the sweeper), so the
        # chat's next event may go ahead.
        inbox.finish(db, inbox_id, "done")

    # --- recovery and retries ----------------------------------------------------------

    def sweep(self) -> None:
        db = self.pool.get()
        recovered = inbox.recover_stale(db)
        if recovered:
            log.warning("%s inbox events taken over from a stopped worker", recovered)
            self.notify()
        outbox.recover_stale(db)
        # Events whose state was saved but whose process died before the first delivery.
        for inbox_id in inbox.stale_handled_ids(db):
            for outbox_id in outbox.ids_for_inbox(db, inbox_id):
                self.sender.deliver(db, outbox_id)
            # A reply still claimed by the stopped process waits for its lease to run out
            # (outbox.recover_stale above, in a later sweep): the chat's next event waits too.
            if not outbox.claimed_for_inbox(db, inbox_id):
                inbox.finish(db, inbox_id, "done")
        for outbox_id in outbox.due_ids(db):
            self.sender.deliver(db, outbox_id)
        for job in effects.background_jobs():
            try:
                job(db, self.sender)
            except Exception:  # one feature's job must not stop the others or the sweeper
                log.exception("background job %s failed", getattr(job, "__name__", job))
        checkpoint(db)
