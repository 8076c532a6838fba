"""What a free-text message can be for: exactly one of these, decided by bot/understanding/reader.py.

What the bot does with each is declared in one table, bot/conversation/router.py.
"""
from __future__ import annotations

QUESTION = "question"  # information about an SAO service or the SAO itself
REPORT_PROBLEM = "report_problem"  # a problem for the SAO to fix, a complaint or a suggestion
REQUEST_SERVICE = "request_service"  # wants the SAO to do one of its services now
TRACK = "track"  # the status of something already reported or requested
HUMAN = "human"  # wants a person, not the bot
SMALLTALK = "smalltalk"  # thanks, greetings, laughter, blessings, tests, annoyance at the bot
CORRUPTION = "corruption"  # misconduct by officials, told in plain words
OUT_OF_SCOPE = "out_of_scope"  # another agency's business, or nobody's

INTENTS = (QUESTION, REPORT_PROBLEM, REQUEST_SERVICE, TRACK, HUMAN, SMALLTALK, CORRUPTION, OUT_OF_SCOPE)
# The intents the handbook answers: only these carry a procedure and a section.
WITH_PROCEDURE = frozenset({QUESTION, REQUEST_SERVICE})

# How people at the SAO read each intent (the console, reports).
LABELS = {
    QUESTION: "ถามเรื่องบริการ",
    REQUEST_SERVICE: "ขอรับบริการ",
    REPORT_PROBLEM: "แจ้งปัญหา ร้องเรียน เสนอแนะ",
    TRACK: "ติดตามเรื่องที่แจ้งไว้",
    HUMAN: "ขอคุยกับเจ้าหน้าที่",
    SMALLTALK: "ทักทาย ขอบคุณ พูดคุย",
    CORRUPTION: "แจ้งเบาะแสทุจริต (ช่องทางลับ)",
    OUT_OF_SCOPE: "ไม่ใช่งานของ อบต.",
}
