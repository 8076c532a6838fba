"""Group sizes: LINE's members/count endpoints in the fake and the sender; a push to a group
costs one message per member (what the reminders' quota check and cost estimate rely on)."""
import requests

from bot.line.sender import LineSender
from helpers import ACCESS_TOKEN

GROUP = "C" + "4" * 32
ROOM = "R" + "4" * 32


def test_member_counts_through_the_sender(settings, fake_line):
    fake_line.state.set_members(GROUP, 6)
    sender = LineSender(settings)
    assert sender.member_count("group", GROUP) == 6
    assert 2 <= sender.member_count("room", ROOM) <= 9  # a stable stand-in for rooms not set
    assert sender.member_count("group", "not-a-group-id") is None  # LINE: 404


def test_the_fake_checks_ids_and_tokens(fake_line):
    head = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
    ok = requests.get(f"{fake_line.url}/v2/bot/group/{GROUP}/members/count", headers=head, timeout=5)
    assert ok.status_code == 200 and isinstance(ok.json()["count"], int)
    assert requests.get(f"{fake_line.url}/v2/bot/group/{ROOM}/members/count", headers=head, timeout=5).status_code == 404
    assert requests.get(f"{fake_line.url}/v2/bot/group/{GROUP}/members/count", timeout=5).status_code == 401


def test_a_push_to_a_group_counts_once_per_member(settings, fake_line):
    fake_line.state.set_members(GROUP, 5)
    head = {"Authorization": f"Bearer {ACCESS_TOKEN}", "Content-Type": "application/json"}
    body = {"to": GROUP, "messages": [{"type": "text", "text": "แจ้งเตือนทดสอบค่ะ"}]}
    assert requests.post(f"{fake_line.url}/v2/bot/message/push", json=body, headers=head, timeout=5).status_code == 200
    body["to"] = "U" + "4" * 32
    assert requests.post(f"{fake_line.url}/v2/bot/message/push", json=body, headers=head, timeout=5).status_code == 200
    assert LineSender(settings).quota()["used"] == 6
    fake_line.state.quota = 8
    body["to"] = GROUP  # 5 more would pass the monthly limit
    over = requests.post(f"{fake_line.url}/v2/bot/message/push", json=body, headers=head, timeout=5)
    assert over.status_code == 429 and "monthly limit" in over.json()["message"]
