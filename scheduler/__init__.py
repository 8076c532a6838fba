"""The clock process (`python -m scheduler run`: beside the web in `python -m bot serve`, or its own
unit) and the measures plan's reminders.

- scheduler/clock.py: the timetable (APScheduler): the reminders' pass every few minutes and
  the nightly retention job. Run exactly one clock process per installation, never inside the
  gunicorn workers. Every job is safe to run twice, or in two processes at once.
- bot/reminders/plan.py, calendar.py, deadlines.py: the plan as data, working days, due dates and
  reminder days (pure).
- bot/reminders/passes.py: one pass ("tick"); bot/reminders/digest.py and texts.py: the messages.
- bot/reminders/cost.py: what a year of reminders costs in LINE push messages.
"""
