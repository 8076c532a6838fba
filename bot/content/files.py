"""The files of an SAO's content folder (CONTENT_DIR, content/ by default), named in one place.

Together they are one content snapshot (bot/handbook/store.py): loaded and checked together,
reloaded together when any of them changes, and kept together as the last good copy.
"""
from __future__ import annotations

HANDBOOK_DIR = "handbook"  # one <procedure id>.yaml per procedure of the citizen handbook
PROFILE_FILE = "profile.yaml"  # the SAO's name, address, phone, LINE id
DIVISIONS_FILE = "divisions.yaml"  # its divisions (กอง) and their contacts
NOT_HANDLED_FILE = "not-handled.yaml"  # topics other agencies handle, and where to go
FAQ_FILE = "faq.yaml"  # ready answers written in the console
DEFAULT_PLAN_FILE = "measures-plan.yaml"  # the measures plan the reminders follow
PLANS_DIR = "plans"  # a fiscal year's own plan, plans/<B.E. year>.yaml, when it differs
DAYS_OFF_FILE = "days-off.yaml"  # the SAO's own days off, besides public holidays
TICKET_DEADLINES_FILE = "ticket-deadlines.yaml"  # working days to acknowledge and resolve a ticket
SERVICES_DIR = "services"  # one <procedure id>.yaml per service citizens can request online
ITA_MAP_FILE = "ita-map.yaml"  # each fiscal year's ITA item numbers → the pages published
AGENCIES_FILE = "agencies.yaml"  # other agencies staff forward tickets to, with their contacts
