"""Citizen feedback (measures 5, 6 and 7 of the SAO's integrity plan, and ITA indicator 10).

- satisfaction.py — rate a service on a 5-level Thai scale (from the menu, a handbook
  answer, or a QR poster at the counter: posters.py draws those);
- tickets.py — suggestions and complaints with photos and a location, numbered per
  fiscal year (the steps; ticket_effects.py files them, answers the buttons of their
  updates and erases); ticket_status.py changes their status (commands and the console);
  track.py lists a citizen's tickets ("ติดตามเรื่อง");
- staff_questions.py — questions the bot cannot answer, queued for a division's staff,
  answered from LINE or the command line; bot/content/workdays.py says when one is overdue;
- corruption.py — confidential, optionally anonymous corruption reports, readable by the
  internal audit role only (db/corruption_reports.py enforces it);
- photos.py fetches ticket photos from LINE; retention.py purges personal data on time;
  announce.py tells staff and citizens through the outbox.

Each flow's steps are pure functions listed in bot/conversation/flows.py; every write
happens once, in the confirmation's effect, so an abandoned flow leaves nothing behind.
Wording is in this package: each flow's in its own module (satisfaction_texts.py,
ticket_texts.py, staff_question_texts.py, corruption_texts.py), what several say in texts.py.
"""
