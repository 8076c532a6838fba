"""Versioned schema migrations, applied in order and recorded in PRAGMA user_version.

Never edit a migration that has shipped: add a new one. Each runs in its own transaction,
so an interrupted upgrade leaves the database at the previous version.
"""
from __future__ import annotations

import logging
import sqlite3
from typing import Callable

import sqlite_utils

from db import transaction

log = logging.getLogger(__name__)


V1_SPINE = """
-- Durable inbox of webhook events: written before the webhook answers 200.
-- AUTOINCREMENT: ids never come back after rows are erased, so cursors stay valid.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_event_id TEXT NOT NULL,
    event_key TEXT NOT NULL,       -- webhookEventId + digest of the content; see bot/line/events.py
    event_type TEXT NOT NULL,
    mode TEXT,
    source_key TEXT NOT NULL,      -- "user:U…", "group:C…", "room:R…": the chat it belongs to
    user_id TEXT,
    message_id TEXT,               -- for unsend: the stored content of that message is erased
    is_redelivery INTEGER NOT NULL DEFAULT 0,
    event_time INTEGER,            -- LINE's timestamp, milliseconds
    payload TEXT NOT NULL,         -- the event JSON as LINE sent it
    received_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending → processing → handled → done | skipped | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until REAL,
    finished_at REAL,
    error TEXT
);
-- The unique index is what makes a redelivered event a no-op (INSERT OR IGNORE).
CREATE UNIQUE INDEX idx_inbox_event_key ON inbox (event_key);
CREATE INDEX idx_inbox_webhook_event_id ON inbox (webhook_event_id);
CREATE INDEX idx_inbox_status_id ON inbox (status, id);
CREATE INDEX idx_inbox_source_key_status ON inbox (source_key, status);
CREATE INDEX idx_inbox_message_id ON inbox (message_id);
CREATE INDEX idx_inbox_received_at ON inbox (received_at);

-- Every outgoing LINE request, written in the same transaction as the state change
-- that produced it, then delivered by the one sender.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL,
    inbox_id INTEGER,
    chat_key TEXT NOT NULL,
    kind TEXT NOT NULL,            -- reply | push | multicast
    to_ids TEXT,                   -- JSON list of recipient IDs
    reply_token TEXT,
    must_arrive INTEGER NOT NULL DEFAULT 0,  -- push if the reply token is refused
    messages TEXT NOT NULL,        -- JSON list of LINE message objects
    purpose TEXT,
    retry_key TEXT,                -- X-Line-Retry-Key, fixed per row so retries never deliver twice
    status TEXT NOT NULL DEFAULT 'pending',  -- pending → sending → sent | failed | expired | uncertain
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    locked_until REAL,
    line_request_id TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    sent_at REAL
);
CREATE UNIQUE INDEX idx_outbox_dedupe_key ON outbox (dedupe_key);
CREATE INDEX idx_outbox_status_next ON outbox (status, next_attempt_at);
CREATE INDEX idx_outbox_chat_key_id ON outbox (chat_key, id);
CREATE INDEX idx_outbox_inbox_id ON outbox (inbox_id);

-- Conversation state per chat (user, group or room), shared by every worker process.
CREATE TABLE conversations (
    chat_key TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    step TEXT NOT NULL,
    session TEXT NOT NULL,         -- changes whenever a flow starts: old buttons carry the old one
    data TEXT NOT NULL,            -- JSON of the flow's collected values
    updated_at REAL NOT NULL
);

-- Chats the bot is in: who follows it, which groups it joined.
CREATE TABLE chats (
    chat_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- user | group | room
    status TEXT NOT NULL,          -- following | unfollowed | joined | left
    since REAL,
    updated_at REAL
);
"""


V2_STAFF = """
-- One-time codes an admin issues so that staff (a person or a division's LINE group)
-- can register for their division's reminders, tickets and questions.
CREATE TABLE staff_codes (
    code TEXT PRIMARY KEY,         -- easy to type, no look-alike characters
    division_id TEXT NOT NULL,     -- an id from content/divisions.yaml, or '*' for the SAO's admins
    role TEXT NOT NULL,            -- staff | head | admin: what the registered chat receives
    created_by TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL,
    used_by_chat TEXT
);

-- Who receives what on LINE. A chat is a person (user:U…) or a group (group:C…).
CREATE TABLE staff_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_key TEXT NOT NULL,
    kind TEXT NOT NULL,            -- user | group | room
    line_id TEXT NOT NULL,         -- the id a push goes to
    division_id TEXT NOT NULL,
    role TEXT NOT NULL,            -- staff | head | admin
    registered_by TEXT,            -- the LINE user who sent the code (in a group, one member)
    registered_at REAL NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    unregistered_at REAL
);
-- A chat holds one active registration per division; registering again updates it.
CREATE UNIQUE INDEX idx_staff_recipients_active ON staff_recipients (chat_key, division_id) WHERE active = 1;
CREATE INDEX idx_staff_recipients_division ON staff_recipients (division_id, active);

-- Wrong codes per chat, so guessing codes is slowed down.
CREATE TABLE staff_code_failures (
    chat_key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX idx_staff_code_failures ON staff_code_failures (chat_key, at);
"""


V3_HANDBOOK_QUESTIONS = """
-- Questions citizens asked the handbook search, so admins can improve the content:
-- every unanswered question and every 👎 is kept; the text is personal data (PDPA):
-- erased on request and purged by db/questions.py retention rules.
CREATE TABLE handbook_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL,              -- random id carried by the answer's buttons (👍/👎, staff)
    chat_key TEXT NOT NULL,
    user_id TEXT,
    question TEXT,                  -- NULL once no longer needed (e.g. after a 👍)
    outcome TEXT NOT NULL,          -- answered | choose | unanswered | outside
    procedure_id TEXT,
    section TEXT,
    score REAL,
    feedback TEXT,                  -- up | down
    staff_requested_at REAL,        -- the person asked to pass the question to staff
    handbook_version TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE UNIQUE INDEX idx_handbook_questions_ref ON handbook_questions (ref);
CREATE INDEX idx_handbook_questions_chat_key ON handbook_questions (chat_key);
CREATE INDEX idx_handbook_questions_created_at ON handbook_questions (created_at);
CREATE INDEX idx_handbook_questions_review ON handbook_questions (outcome, feedback);
"""


V4_ADMIN_CONSOLE = """
-- People who sign in to the admin console (/admin). Not citizens: those are LINE users.
CREATE TABLE admin_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL COLLATE NOCASE UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,   -- argon2id, PHC string (bot/console/passwords.py)
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'auditor')),
    division_id TEXT,              -- an id from content/divisions.yaml; staff only, and required for staff
    active INTEGER NOT NULL DEFAULT 1,
    must_change_password INTEGER NOT NULL DEFAULT 0,  -- set by a password an admin gave out
    created_at REAL NOT NULL,
    created_by TEXT,
    updated_at REAL NOT NULL,
    password_changed_at REAL,
    last_login_at REAL,
    CHECK ((role = 'staff') = (division_id IS NOT NULL))
);

-- Signed-in browsers. The cookie holds a random token; only its SHA-256 is stored here,
-- so a copy of the database does not let anyone sign in. Deleting a row signs it out.
CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    last_seen_at REAL NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX idx_admin_sessions_user_id ON admin_sessions (user_id);
CREATE INDEX idx_admin_sessions_last_seen_at ON admin_sessions (last_seen_at);

-- Failed sign-ins, per "user:<name>" and "ip:<address>": the rate limit every
-- gunicorn worker shares and a restart does not reset.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX idx_login_failures_key_at ON login_failures (key, at);
CREATE INDEX idx_login_failures_at ON login_failures (at);

-- Who did what, when, to what: every change made in the console or with the command line.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor_id INTEGER,              -- admin_users.id; NULL for the command line or an unknown name
    actor TEXT NOT NULL,           -- the username at the time (kept when the account changes)
    action TEXT NOT NULL,          -- e.g. "user.create"; Thai labels in bot/console/audit.py
    target TEXT,                   -- e.g. "user:3"
    details TEXT,                  -- JSON
    ip TEXT
);
CREATE INDEX idx_audit_log_at ON audit_log (at);
CREATE INDEX idx_audit_log_actor_at ON audit_log (actor, at);
CREATE INDEX idx_audit_log_action_at ON audit_log (action, at);
CREATE INDEX idx_audit_log_target ON audit_log (target);

-- The dashboard counts today's and this month's messages sent.
CREATE INDEX idx_outbox_created_at ON outbox (created_at);
"""


V5_REMINDERS = """
-- The measures plan of each fiscal year as it was when deadlines were planned: what a
-- reminder, a button reply and the console show, even after the plan file changes.
CREATE TABLE plan_measures (
    fiscal_year INTEGER NOT NULL,  -- B.E., e.g. 2570
    measure_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    actions TEXT NOT NULL,         -- JSON list of วิธีการดำเนินการ
    responsible TEXT NOT NULL,
    period TEXT NOT NULL,
    follow_up TEXT NOT NULL,       -- การติดตามผล as the plan writes it
    report TEXT NOT NULL,
    within_days INTEGER,           -- after_activity: the report is due this many days after
    PRIMARY KEY (fiscal_year, measure_id)
);

-- Which version of the plan (and calendar) each year's deadlines were computed from.
CREATE TABLE plan_syncs (
    fiscal_year INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    synced_at REAL NOT NULL
);

-- One report (or activity) of one measure for one division, with its due date.
CREATE TABLE deadlines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fiscal_year INTEGER NOT NULL,
    measure_id TEXT NOT NULL,
    key TEXT NOT NULL,             -- q1…q4, r6, r12, m7, d-2027-04-20, activity, activity-report
    division_id TEXT NOT NULL,
    kind TEXT NOT NULL,            -- report | activity | activity-report
    audience TEXT NOT NULL,        -- staff | head
    label TEXT NOT NULL,
    report TEXT NOT NULL,
    nominal_date TEXT NOT NULL,    -- ISO dates, Asia/Bangkok
    due_date TEXT NOT NULL,        -- a working day
    first_step_on TEXT NOT NULL,   -- first day a reminder may go out
    last_step_on TEXT NOT NULL,    -- last day one may still go out
    created_on TEXT NOT NULL,      -- steps dated before this are not sent
    retired INTEGER NOT NULL DEFAULT 0,  -- no longer in the plan (kept for its history)
    done_at REAL,                  -- "ส่งรายงานแล้ว" / "จัดกิจกรรมแล้ว": when, by whom, from which chat
    done_on TEXT,
    done_by TEXT,
    done_chat TEXT,
    late_working_days INTEGER,     -- 0 on time
    UNIQUE (fiscal_year, measure_id, key, division_id)
);
CREATE INDEX idx_deadlines_open ON deadlines (done_at, retired, first_step_on);

-- One reminder step of one deadline to one chat. All the rows due for a chat on one day go
-- out as one push (a digest): claimed and queued in the outbox in one transaction.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deadline_id INTEGER NOT NULL REFERENCES deadlines (id),
    step TEXT NOT NULL,            -- "-14" … "0", "+1", "+3"
    chat_key TEXT NOT NULL,        -- user:U… | group:C… | room:R…
    line_id TEXT NOT NULL,
    role TEXT NOT NULL,            -- staff | head | admin: why this chat receives it
    escalation INTEGER NOT NULL DEFAULT 0,
    send_on TEXT NOT NULL,         -- the step's day
    status TEXT NOT NULL DEFAULT 'pending',  -- pending → claimed → sent | failed; superseded | cancelled
    outbox_id INTEGER,
    created_at REAL NOT NULL,
    claimed_at REAL,
    sent_at REAL,
    UNIQUE (deadline_id, step, chat_key)
);
CREATE INDEX idx_reminders_status_chat ON reminders (status, chat_key);
CREATE INDEX idx_reminders_outbox ON reminders (outbox_id);
CREATE INDEX idx_reminders_deadline ON reminders (deadline_id, status);
"""


V6_FEEDBACK = """
-- Satisfaction with the SAO's services (measure 5), reported without names.
CREATE TABLE service_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id TEXT NOT NULL,      -- a handbook procedure id
    division_id TEXT NOT NULL,     -- the division responsible for it when rated
    rated_on TEXT NOT NULL,        -- YYYY-MM-DD, Asia/Bangkok
    fiscal_year INTEGER NOT NULL,  -- B.E., e.g. 2570
    -- Only to keep one rating per person, service and day (a second one replaces the
    -- first); NULL after erasure and once the day is over (bot/feedback/retention.py).
    chat_key TEXT,
    process INTEGER NOT NULL CHECK (process BETWEEN 1 AND 5),        -- ขั้นตอนและระยะเวลา
    staff INTEGER NOT NULL CHECK (staff BETWEEN 1 AND 5),            -- เจ้าหน้าที่
    facilities INTEGER NOT NULL CHECK (facilities BETWEEN 1 AND 5),  -- สิ่งอำนวยความสะดวก
    information INTEGER NOT NULL CHECK (information BETWEEN 1 AND 5),-- การให้ข้อมูล
    overall INTEGER NOT NULL CHECK (overall BETWEEN 1 AND 5),        -- โดยรวม
    comment TEXT,                  -- what the citizen wrote; NULL after erasure
    source TEXT NOT NULL DEFAULT 'menu',  -- menu | qr | handbook
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE UNIQUE INDEX idx_service_ratings_once_a_day ON service_ratings (chat_key, service_id, rated_on)
    WHERE chat_key IS NOT NULL;
CREATE INDEX idx_service_ratings_service ON service_ratings (service_id, rated_on);
CREATE INDEX idx_service_ratings_rated_on ON service_ratings (rated_on);

-- The last ticket number given in each fiscal year: numbers never repeat, even when a
-- ticket is deleted, because this row only ever counts up (one UPDATE … RETURNING).
CREATE TABLE ticket_sequences (
    fiscal_year INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);

-- Suggestions and complaints (measure 7), followed like Traffy Fondue tickets.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,   -- KC-2570-00042
    fiscal_year INTEGER NOT NULL,
    category TEXT NOT NULL,        -- suggestion | complaint_service | complaint_official | village | other
    topic TEXT,                    -- village problems: road | light | water | waste | other
    service_id TEXT,               -- the handbook procedure it is about, if any
    division_id TEXT NOT NULL,     -- who handles it
    chat_key TEXT,                 -- the citizen's chat ("user:U…"); NULL once personal data is removed
    line_user_id TEXT,             -- where status updates are pushed; NULL likewise
    description TEXT,              -- what the citizen wrote; NULL likewise
    latitude REAL,
    longitude REAL,
    location_title TEXT,
    location_address TEXT,
    status TEXT NOT NULL DEFAULT 'received',
        -- received → accepted → in_progress → resolved; forwarded; rejected; reopened
    forwarded_to TEXT,             -- the agency it was forwarded to
    forwarded_contact TEXT,        -- and how to reach it, as told to the citizen
    reject_reason TEXT,
    resolution TEXT,               -- what was done, as told to the citizen
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    resolved_at REAL,
    closed_at REAL,                -- entered resolved, forwarded or rejected; NULL while open
    reopen_count INTEGER NOT NULL DEFAULT 0,
    handling_rating INTEGER CHECK (handling_rating BETWEEN 1 AND 5),  -- the citizen's rating of how it was handled
    handling_rated_at REAL,
    personal_data_removed_at REAL,
    personal_data_removed_why TEXT,  -- erasure | retention
    submission_key TEXT UNIQUE     -- chat + conversation session: a repeated confirmation is the same ticket
);
CREATE INDEX idx_tickets_chat_key ON tickets (chat_key, created_at);
CREATE INDEX idx_tickets_status_division ON tickets (status, division_id);
CREATE INDEX idx_tickets_closed_at ON tickets (closed_at);

-- Every status change of a ticket: who, when, from what to what, and the note.
CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    actor TEXT NOT NULL,           -- a staff member's name, or ประชาชน (the citizen), or ระบบ
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT
);
CREATE INDEX idx_ticket_events_ticket ON ticket_events (ticket_id, at);

-- Photos attached to tickets, fetched from LINE's content endpoint after the ticket is
-- saved (a background job) and kept here in SQLite, so a backup of var/ holds them and
-- erasure removes them in the same transaction as the rest.
CREATE TABLE ticket_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,      -- LINE's message id, to fetch the content
    status TEXT NOT NULL DEFAULT 'pending',  -- pending → fetching → stored | unavailable | failed
    content_type TEXT,
    content BLOB,
    size INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    locked_until REAL,
    error TEXT,
    created_at REAL NOT NULL,
    fetched_at REAL
);
CREATE INDEX idx_ticket_photos_ticket ON ticket_photos (ticket_id);
CREATE INDEX idx_ticket_photos_due ON ticket_photos (status, next_attempt_at);

-- Questions passed to staff (measure 6) when the bot cannot answer or the citizen asks for a person.
CREATE TABLE staff_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_key TEXT,                 -- NULL once personal data is removed
    line_user_id TEXT,             -- where the answer is pushed
    question TEXT,                 -- what the citizen asked; NULL likewise
    procedure_id TEXT,             -- the handbook procedure it is about, if known
    division_id TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'menu',  -- menu | handbook
    status TEXT NOT NULL DEFAULT 'open',  -- open | answered
    created_at REAL NOT NULL,
    due_at REAL NOT NULL,          -- one working day later (weekends and Thai public holidays skipped)
    flagged_at REAL,               -- found unanswered past due_at (the clock's job)
    answer TEXT,
    answered_by TEXT,
    answered_at REAL,
    personal_data_removed_at REAL,
    submission_key TEXT UNIQUE
);
CREATE INDEX idx_staff_questions_status ON staff_questions (status, due_at);
CREATE INDEX idx_staff_questions_chat_key ON staff_questions (chat_key, created_at);

-- Reports of corruption or misconduct by officials (ITA indicator 10). Only the internal
-- audit role reads this table (db/corruption_reports.py checks the role); no other module
-- queries it. An anonymous report holds no LINE id and only the day it came in.
CREATE TABLE corruption_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,     -- the report code the reporter follows up with
    secret_hash TEXT NOT NULL,     -- scrypt of the secret shown once to the reporter
    anonymous INTEGER NOT NULL,
    chat_key TEXT,                 -- only when the reporter agreed to be contacted on LINE
    line_user_id TEXT,
    details TEXT NOT NULL,
    received_on TEXT NOT NULL,     -- YYYY-MM-DD only: a time of day would help guess who wrote it
    status TEXT NOT NULL DEFAULT 'received',  -- received | reviewing | referred | closed | not_pursued
    message_to_reporter TEXT,      -- what the audit unit tells the reporter on follow-up
    updated_at REAL,
    -- The audit unit hears of new reports in a morning digest, not at once: a push at
    -- the minute of the report would tell when (and so who) better than received_on.
    announced_on TEXT
);
CREATE TABLE corruption_report_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES corruption_reports (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT
);

-- Recent submissions per person (and, for anonymous reports, for the whole SAO), for
-- rate limits. Rows older than a day are deleted as new ones come in.
CREATE TABLE feedback_rate_events (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX idx_feedback_rate_events ON feedback_rate_events (key, at);

-- Confidential replies are deleted minutes after delivery (db.outbox.delete_confidential).
CREATE INDEX idx_outbox_confidential ON outbox (created_at) WHERE purpose = 'confidential';
"""


V7_QUESTION_REVIEW = """
-- The console's review of questions the bot could not answer or answered wrongly (👎):
-- who dealt with one, when, and how (a new alias, a new ready answer, or nothing to change).
ALTER TABLE handbook_questions ADD COLUMN resolved_at REAL;
ALTER TABLE handbook_questions ADD COLUMN resolved_by TEXT;      -- the console user's name
ALTER TABLE handbook_questions ADD COLUMN resolution TEXT;       -- alias:<procedure> | faq:<entry> | dismissed
CREATE INDEX idx_handbook_questions_resolved ON handbook_questions (resolved_at);
"""


V8_FEEDBACK_CONSOLE = """
-- Thai text search over tickets for the console (db/ticket_search.py). FTS5's trigram tokenizer
-- works on Thai code points (unicode61 splits Thai at its vowel and tone marks), and a
-- LIKE '%คำ%' on it uses the index. It holds a folded copy of what the citizen wrote and
-- where (the view below): เเ (two sara e) as แ, ํา as ำ, no tone marks (่ ้ ๊ ๋ ็ ์: left out
-- or mistyped all the time), Thai digits as Arabic, lower case. db.ticket_search.fold_for_search()
-- folds a query the same way (a test compares the two). Triggers keep the index in step
-- with every writer of tickets; erasing a ticket's text also merges the index
-- (db.tickets.remove_personal_data), so no old segment keeps the words.
CREATE VIEW ticket_search_source (id, body) AS SELECT id, lower(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(coalesce(description, '') || ' ' || coalesce(location_title, '') || ' ' || coalesce(location_address, ''), char(3648, 3648), char(3649)), char(3661, 3634), char(3635)), char(3656), ''), char(3657), ''), char(3658), ''), char(3659), ''), char(3655), ''), char(3660), ''), char(3664), '0'), char(3665), '1'), char(3666), '2'), char(3667), '3'), char(3668), '4'), char(3669), '5'), char(3670), '6'), char(3671), '7'), char(3672), '8'), char(3673), '9')) FROM tickets;
CREATE VIRTUAL TABLE ticket_search USING fts5(body, tokenize = 'trigram');
CREATE TRIGGER ticket_search_after_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, body) SELECT id, body FROM ticket_search_source WHERE id = new.id;
END;
CREATE TRIGGER ticket_search_after_update AFTER UPDATE OF description, location_title, location_address ON tickets BEGIN
    DELETE FROM ticket_search WHERE rowid = old.id;
    INSERT INTO ticket_search (rowid, body) SELECT id, body FROM ticket_search_source WHERE id = new.id;
END;
CREATE TRIGGER ticket_search_after_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_search WHERE rowid = old.id;
END;
INSERT INTO ticket_search (rowid, body) SELECT id, body FROM ticket_search_source;

-- Staff's internal notes on a ticket: never sent to the citizen; removed with the
-- ticket's personal data (they may repeat what the citizen wrote).
CREATE TABLE ticket_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    author_id INTEGER,             -- admin_users.id (NULL: the command line)
    author TEXT NOT NULL,          -- the name shown, kept if the account goes
    note TEXT NOT NULL
);
CREATE INDEX idx_ticket_notes_ticket ON ticket_notes (ticket_id, at);

-- The console's lists: newest first within a division and a period.
CREATE INDEX idx_tickets_division_created ON tickets (division_id, created_at);
CREATE INDEX idx_tickets_created ON tickets (created_at);
CREATE INDEX idx_staff_questions_division ON staff_questions (division_id, status, created_at);
CREATE INDEX idx_staff_questions_created ON staff_questions (created_at);
CREATE INDEX idx_service_ratings_division ON service_ratings (division_id, rated_on);
"""


V9_REPORT_COUNTS = """
-- Handbook questions are deleted after 90 days (db/questions.py KEEP_DAYS), but the yearly
-- service statistics count a whole fiscal year: before a question is deleted it is added to
-- these anonymous daily counts (no text, no chat, no LINE id).
CREATE TABLE handbook_question_counts (
    day TEXT NOT NULL,              -- YYYY-MM-DD, Asia/Bangkok, the day it was asked
    procedure_id TEXT NOT NULL,     -- '' when the answer named no procedure
    outcome TEXT NOT NULL,          -- answered | choose | unanswered | outside
    feedback TEXT NOT NULL,         -- up | down | ''
    staff_requested INTEGER NOT NULL,  -- 1: the person asked to pass it to staff
    questions INTEGER NOT NULL,
    PRIMARY KEY (day, procedure_id, outcome, feedback, staff_requested)
);

"""

V10_LOADING_ANIMATION = """
-- When LINE's loading animation was last asked for on behalf of this event: shown to a person
-- whose message waits, once across every process (bot/pipeline/worker.py).
ALTER TABLE inbox ADD COLUMN loading_at REAL;
"""

V11_LAST_ANSWER = """
-- When each chat was last answered (an event finished): the loading animation waits for
-- a person's next answer from then, not from when the message came (db/inbox.py).
CREATE INDEX idx_inbox_source_key_finished_at ON inbox (source_key, finished_at);
"""

V12_QUESTION_INTENT = """
-- What the bot understood a recorded message to be (bot/understanding/intents.py): question,
-- request_service or out_of_scope. Small talk and reports are never recorded here.
ALTER TABLE handbook_questions ADD COLUMN intent TEXT;
"""

V13_RATE_LIMIT_KEYS = """
-- The key of the current hour for counting anonymous reports per person without naming them
-- (db/feedback_limits.py person_key): a keyed hash of the LINE user, and the key is deleted
-- once its hour is over, so no count can be traced back to a person afterwards.
CREATE TABLE rate_limit_keys (
    hour INTEGER PRIMARY KEY,
    key BLOB NOT NULL
);
"""

V14_AUDITOR_REQUESTS = """
-- Giving auditor access from the console (create an auditor, make an account an auditor,
-- re-enable a disabled auditor, reset an auditor's password) is a request an admin makes
-- and another auditor confirms or rejects (bot/console/auditor_requests.py): an admin alone
-- never holds a working auditor account, and so never reads corruption reports.
CREATE TABLE auditor_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('create', 'role', 'enable', 'reset')),
    account_id INTEGER REFERENCES admin_users (id),  -- the console account; NULL for 'create'
    username TEXT NOT NULL COLLATE NOCASE,        -- the account's, or the new account's, username
    display_name TEXT NOT NULL DEFAULT '',        -- 'create' only
    requested_by_id INTEGER NOT NULL,             -- admin_users.id of the admin who asked
    requested_by TEXT NOT NULL,
    requested_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'rejected')),
    decided_by_id INTEGER,
    decided_by TEXT,
    decided_at REAL,
    reason TEXT                                   -- why it was rejected, if the auditor said
);
-- One open request per account: asking twice does not queue a second one.
CREATE UNIQUE INDEX idx_auditor_requests_pending ON auditor_requests (username) WHERE status = 'pending';
CREATE INDEX idx_auditor_requests_status_id ON auditor_requests (status, id);
"""


V15_STAFF_ON_LINE = """
-- Who staff are, by name: what the console, the audit log and a ticket's history show
-- instead of a LINE id. Typed by the staff member at registration, or their LINE display
-- name when they agree to it (name_source).
CREATE TABLE staff_people (
    line_user_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position TEXT,
    name_source TEXT NOT NULL DEFAULT 'typed',  -- typed | line_profile
    updated_at REAL NOT NULL
);
-- A registered group's name, chosen by whoever registered it ("กลุ่มกองช่าง").
ALTER TABLE staff_recipients ADD COLUMN display_name TEXT;

-- A ticket's assignee (the staff member who tapped รับเรื่อง) and its deadlines, in
-- working days from content/ticket-deadlines.yaml, as Bangkok dates (YYYY-MM-DD).
ALTER TABLE tickets ADD COLUMN assignee_user_id TEXT;
ALTER TABLE tickets ADD COLUMN assignee_name TEXT;
ALTER TABLE tickets ADD COLUMN assigned_at REAL;
ALTER TABLE tickets ADD COLUMN acknowledged_at REAL;
ALTER TABLE tickets ADD COLUMN ack_due_on TEXT;
ALTER TABLE tickets ADD COLUMN resolve_due_on TEXT;
CREATE INDEX idx_tickets_assignee ON tickets (assignee_user_id, status);

-- Each time a ticket is closed as fixed, and what the citizen said: confirmed (✓),
-- reopened (✗, with their reason), or timed_out (no answer within 7 days). Reports count
-- the three apart; pending until one of them happens.
CREATE TABLE ticket_closures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    closed_at REAL NOT NULL,
    closed_by TEXT NOT NULL,       -- the staff member's name
    note TEXT,                     -- what was done, as told to the citizen
    outcome TEXT NOT NULL DEFAULT 'pending',  -- pending | confirmed | reopened | timed_out
    decided_at REAL,
    reason TEXT,                   -- the citizen's words when they reopen it; NULL after erasure
    -- When the citizen was sent the closure (the note, the after-photos and ✓/✗). Closed
    -- with photos, they are told once the photos are stored, so the proof always shows.
    told_at REAL
);
CREATE INDEX idx_ticket_closures_untold ON ticket_closures (told_at) WHERE told_at IS NULL;
CREATE UNIQUE INDEX idx_ticket_closures_pending ON ticket_closures (ticket_id) WHERE outcome = 'pending';
CREATE INDEX idx_ticket_closures_outcome ON ticket_closures (outcome, closed_at);

-- Photos are the citizen's (with the report, or sent when staff asked for more) or the
-- staff member's proof of the fix (after).
ALTER TABLE ticket_photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'citizen';  -- citizen | info | after
ALTER TABLE ticket_photos ADD COLUMN closure_id INTEGER;  -- after-photos: the closure they prove
-- After-photos are shown to the citizen in LINE, which fetches an image by URL: a random
-- token makes that URL unguessable (/photos/<token>); other photos have none.
ALTER TABLE ticket_photos ADD COLUMN public_token TEXT;
CREATE UNIQUE INDEX idx_ticket_photos_token ON ticket_photos (public_token) WHERE public_token IS NOT NULL;

-- Staff asking the citizen for more information (ขอข้อมูลเพิ่ม): the question, and what
-- came back (the citizen's text; photos join ticket_photos with kind 'info').
CREATE TABLE ticket_info_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    asked_by_user TEXT,            -- the staff member's LINE user id, to pass the answer on
    asked_by_name TEXT NOT NULL,
    asked_in_chat TEXT,            -- the staff chat the question came from (a person's or a group)
    question TEXT NOT NULL,
    asked_at REAL NOT NULL,
    answer TEXT,                   -- NULL until answered, and after erasure
    answered_at REAL
);
CREATE INDEX idx_ticket_info_requests_ticket ON ticket_info_requests (ticket_id, asked_at);

-- Overdue tickets already told to someone: one row per ticket, deadline and stage
-- (1 the assignee, 2 the division head and the admins), so a restart never tells twice.
CREATE TABLE ticket_escalations (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    deadline TEXT NOT NULL,        -- ack | resolve
    stage INTEGER NOT NULL,
    sent_on TEXT NOT NULL,         -- YYYY-MM-DD, Asia/Bangkok
    PRIMARY KEY (ticket_id, deadline, stage)
);

-- LINE's ids of the messages a push delivered, so that a staff member's quote-reply to a
-- forwarded question is recognised as the answer to it.
CREATE TABLE sent_messages (
    message_id TEXT PRIMARY KEY,
    outbox_id INTEGER NOT NULL,
    purpose TEXT,
    at REAL NOT NULL
);
CREATE INDEX idx_sent_messages_at ON sent_messages (at);
"""


V16_E_SERVICE = """
-- Online service requests (e-Service): a citizen asks the SAO to do one of the services of
-- content/services/ (water delivery, a bin, borrowing equipment …), or a clerk records a
-- walk-in at the counter, so the statistics show online and counter requests apart.
CREATE TABLE service_request_sequences (
    fiscal_year INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);
CREATE TABLE service_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,   -- KC-R2570-00001
    fiscal_year INTEGER NOT NULL,
    service_id TEXT NOT NULL,      -- content/services/<id>.yaml (the handbook procedure of the same id)
    division_id TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT 'online',  -- online (LINE) | counter (recorded by a clerk)
    chat_key TEXT,                 -- the citizen's chat; NULL at the counter and once personal data is removed
    line_user_id TEXT,             -- where status changes are pushed; NULL likewise
    answers TEXT,                  -- JSON {field id: value} as the citizen gave them; NULL likewise
    status TEXT NOT NULL DEFAULT 'received',
        -- received → accepted → scheduled | in_progress → done; rejected (with the reason)
    reject_reason TEXT,
    note TEXT,                     -- the last note staff gave the citizen
    due_on TEXT,                   -- YYYY-MM-DD: the service's working days to act
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    done_at REAL,
    closed_at REAL,                -- done or rejected
    assignee_user_id TEXT,
    assignee_name TEXT,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),  -- the citizen's satisfaction on completion
    rated_at REAL,
    personal_data_removed_at REAL,
    personal_data_removed_why TEXT,
    submission_key TEXT UNIQUE     -- chat + conversation session: a repeated confirmation is the same request
);
CREATE INDEX idx_service_requests_status ON service_requests (status, division_id);
CREATE INDEX idx_service_requests_chat ON service_requests (chat_key, created_at);
CREATE INDEX idx_service_requests_service ON service_requests (service_id, created_at);

CREATE TABLE service_request_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES service_requests (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    actor TEXT NOT NULL,           -- a staff member's name, ประชาชน, or ระบบ
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT
);
CREATE INDEX idx_service_request_events ON service_request_events (request_id, at);

-- The document photos of a request, fetched from LINE after it is filed (like ticket photos).
CREATE TABLE service_request_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES service_requests (id) ON DELETE CASCADE,
    document_id TEXT NOT NULL,     -- the service file's document id (id-card, house-registration …)
    message_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending → fetching → stored | unavailable | failed
    content_type TEXT,
    content BLOB,
    size INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    locked_until REAL,
    error TEXT,
    created_at REAL NOT NULL,
    fetched_at REAL
);
CREATE INDEX idx_service_request_documents ON service_request_documents (request_id);
CREATE INDEX idx_service_request_documents_due ON service_request_documents (status, next_attempt_at);

-- Appointments at the office for a request (pre-registration for an allowance …), in the
-- service's slots: one booked appointment per request; a slot holds `capacity` bookings.
CREATE TABLE appointments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES service_requests (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL,
    day TEXT NOT NULL,             -- YYYY-MM-DD, a working day
    slot TEXT NOT NULL,            -- HH:MM, a slot of the service file
    status TEXT NOT NULL DEFAULT 'booked',  -- booked | cancelled | moved | attended | missed
    created_at REAL NOT NULL,
    ended_at REAL,                 -- cancelled, moved, attended or missed
    reminded_at REAL               -- the reminder the working day before
);
CREATE UNIQUE INDEX idx_appointments_one_per_request ON appointments (request_id) WHERE status = 'booked';
CREATE INDEX idx_appointments_slot ON appointments (service_id, day, slot, status);
CREATE INDEX idx_appointments_day ON appointments (day, status);
"""


V17_TRANSPARENCY = """
-- The public /transparency pages: each report round, frozen when it closes (bot/transparency).
-- A correction is a new version with its note; earlier versions stay. Only figures, never
-- personal data: the page's HTML and the PDF and XLSX files exactly as published.
CREATE TABLE transparency_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report TEXT NOT NULL,          -- service-statistics | complaints | satisfaction | ...
    fiscal_year INTEGER NOT NULL,  -- B.E.
    round TEXT NOT NULL,           -- q1..q4 | r6 | r12
    version INTEGER NOT NULL,      -- 1, then 2, 3 ... for corrections
    title TEXT NOT NULL,
    period_label TEXT NOT NULL,
    as_of REAL NOT NULL,           -- the figures are as of this moment
    html TEXT NOT NULL,            -- the report's body as the page shows it
    pdf BLOB NOT NULL,
    xlsx BLOB NOT NULL,
    published_at REAL NOT NULL,
    published_by TEXT NOT NULL,    -- clock | command-line | a console user's name
    note TEXT,                     -- what a correction corrected (shown on the page)
    UNIQUE (report, fiscal_year, round, version)
);
"""


V18_PARTICIPATION = """
-- Participation (bot/reports/participation.py): what the SAO held outside LINE (ประชาคมหมู่บ้าน,
-- hearings, meetings) and what it decided and improved after any topic, recorded in the console
-- (replaces content/participation.yaml, imported once: participation_imports remembers each entry).
CREATE TABLE participation_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    held_on TEXT NOT NULL,         -- YYYY-MM-DD
    topic TEXT NOT NULL,           -- the activity's name, or a LINE topic: satisfaction | tickets | staff-questions | handbook
    channel TEXT NOT NULL DEFAULT '',
    participants TEXT NOT NULL DEFAULT '[]',  -- JSON [[village or "", number], ...]
    decided TEXT NOT NULL DEFAULT '',
    improvement TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_by TEXT,
    updated_at REAL
);
CREATE INDEX idx_participation_activities_held_on ON participation_activities (held_on);
CREATE TABLE participation_imports (
    import_key TEXT PRIMARY KEY,   -- digest of one entry of the file: imported once, even if deleted since
    activity_id INTEGER,
    imported_at REAL NOT NULL
);

-- Consultations on LINE (ร่วมแสดงความเห็น): a question with choices and/or free comments.
CREATE TABLE consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '[]',      -- JSON list of the choices' texts (may be empty)
    allow_comment INTEGER NOT NULL DEFAULT 0,
    villages TEXT NOT NULL DEFAULT '[]',     -- JSON list: the answerer picks one when not empty
    opens_at REAL NOT NULL,
    closes_on TEXT NOT NULL,       -- YYYY-MM-DD, the last day answers are taken
    status TEXT NOT NULL DEFAULT 'open',     -- open | closed
    closed_at REAL,
    salt BLOB,                     -- key of the answerers' one-way keys; deleted at closing
    announced INTEGER NOT NULL DEFAULT 0,    -- pushes queued to opted-in followers
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX idx_consultations_status ON consultations (status, closes_on);
-- One answer per person: person_key is HMAC-SHA256(salt, chat key), never the chat key; once
-- the consultation closes the salt is gone and no answer can be traced back to anyone.
CREATE TABLE consultation_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    person_key TEXT NOT NULL,
    choice INTEGER,                -- index into choices; NULL: a comment only
    comment TEXT,
    village TEXT,
    answered_at REAL NOT NULL,
    UNIQUE (consultation_id, person_key)
);
-- Followers who asked to hear when a consultation opens (รับข่าวการรับฟังความเห็น).
CREATE TABLE consultation_optins (
    chat_key TEXT PRIMARY KEY,
    opted_in_at REAL NOT NULL
);
"""


V19_CLOCK_HEARTBEATS = """
-- The clock's heartbeat (db/heartbeats.py): each job's last start, success and failure,
-- read by the web process for /metrics, /healthz and the stale-clock alert.
CREATE TABLE clock_heartbeats (
    job TEXT PRIMARY KEY,
    last_run_at REAL,
    last_ok_at REAL,
    last_error TEXT,
    last_error_at REAL,
    runs INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0
);
"""


def _run_script(script: str) -> Callable[[sqlite_utils.Database], None]:
    def apply(db: sqlite_utils.Database) -> None:
        # One statement at a time: executescript() would commit the migration's transaction.
        statement = ""
        for line in script.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                db.execute(statement)
                statement = ""
        if statement.strip() and not all(l.strip().startswith("--") or not l.strip() for l in statement.splitlines()):
            raise ValueError(f"unfinished SQL statement in migration: {statement[:80]!r}")

    return apply


MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "inbox, outbox, conversations, chats", _run_script(V1_SPINE)),
    (2, "staff registration codes and recipients", _run_script(V2_STAFF)),
    (3, "handbook questions (unanswered, 👍/👎, staff requests)", _run_script(V3_HANDBOOK_QUESTIONS)),
    (4, "admin console: users, sessions, login failures, audit log", _run_script(V4_ADMIN_CONSOLE)),
    (5, "measures plan deadlines and reminders", _run_script(V5_REMINDERS)),
    (6, "citizen feedback: ratings, tickets, questions for staff, corruption reports", _run_script(V6_FEEDBACK)),
    (7, "question review in the console (resolved by alias, ready answer or dismissed)", _run_script(V7_QUESTION_REVIEW)),
    (8, "feedback in the console: Thai search over tickets, internal notes, list indexes", _run_script(V8_FEEDBACK_CONSOLE)),
    (9, "report counts: handbook questions kept as daily counts", _run_script(V9_REPORT_COUNTS)),
    (10, "loading animation shown for waiting events", _run_script(V10_LOADING_ANIMATION)),
    (11, "when each chat was last answered, for the loading animation", _run_script(V11_LAST_ANSWER)),
    (12, "what the bot understood each recorded question to be", _run_script(V12_QUESTION_INTENT)),
    (13, "hourly keys to rate-limit anonymous reports per person", _run_script(V13_RATE_LIMIT_KEYS)),
    (14, "requests about auditor accounts, confirmed by another auditor", _run_script(V14_AUDITOR_REQUESTS)),
    (15, "staff on LINE: names, assignees, deadlines, closures the citizen confirms", _run_script(V15_STAFF_ON_LINE)),
    (16, "online service requests (e-Service), their documents and appointments", _run_script(V16_E_SERVICE)),
    (17, "public transparency reports: published rounds frozen as snapshots", _run_script(V17_TRANSPARENCY)),
    (18, "participation: activities, consultations on LINE, their answers and opt-ins", _run_script(V18_PARTICIPATION)),
    (19, "the clock's heartbeat: each job's last run, success and error", _run_script(V19_CLOCK_HEARTBEATS)),
]


def current_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration newer than the database; return the versions applied."""
    applied = []
    for version, description, apply in MIGRATIONS:
        with transaction(db):
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if current_version(db) >= version:
                continue
            log.info("migrating database to version %s: %s", version, description)
            apply(db)
            db.execute(f"PRAGMA user_version = {int(version)}")
        applied.append(version)
    return applied
