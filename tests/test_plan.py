"""The measures plan as data: the seed's 7 measures, validation, fiscal-year dates, working days, cost."""
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.content.divisions import load_divisions
from bot.content.profile import ContentError
from bot.content.workdays import DayOff, WorkCalendar, load_days_off
from bot.reminders.cost import FREE_MONTHLY_MESSAGES, monthly_cost, typical_registrations
from bot.reminders.deadlines import current_step, plan_deadlines, steps
from bot.reminders.plan import PlanLibrary, load_plan, parse_month

CONTENT = PROJECT_ROOT / "content"
DIVISIONS = load_divisions(CONTENT / "divisions.yaml")
ALL = ("palad", "finance", "engineering", "education", "welfare", "health", "audit")


@pytest.fixture(scope="module")
def library():
    return PlanLibrary(CONTENT, DIVISIONS)


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar.from_content(CONTENT)


def test_the_default_plan_encodes_the_seeds_seven_measures(library):
    plan = library.default
    m = {x.no: x for x in plan.measures}
    assert sorted(m) == [1, 2, 3, 4, 5, 6, 7]
    # 1. budget: every division, Oct-Sep, quarterly reports
    assert m[1].title == "แนวทางการใช้งบประมาณ" and len(m[1].actions) == 2
    assert (m[1].division_ids, m[1].audience, m[1].period_from, m[1].period_to) == (ALL, "staff", 1, 12)
    assert m[1].follow_up.rule == "quarterly"
    # 2. heads of every division, Oct-Sep, April and October rounds
    assert len(m[2].actions) == 3 and m[2].responsible == "หัวหน้าส่วนราชการทุกส่วนงาน"
    assert (m[2].division_ids, m[2].audience, m[2].follow_up.rule, m[2].follow_up.months) == (ALL, "head", "months", (4, 10))
    # 3. สำนักปลัด/กองคลัง, Mar-Apr, report at the April staff meeting
    assert (m[3].division_ids, m[3].period_from, m[3].period_to) == (("palad", "finance"), 6, 7)
    assert m[3].follow_up.months == (4,) and "ประชุม" in m[3].follow_up_text
    # 4. internal audit, March, report after the activity
    assert (m[4].division_ids, m[4].period_from, m[4].period_to) == (("audit",), 6, 6)
    assert m[4].follow_up.rule == "after_activity" and m[4].follow_up.within_days > 0
    assert "Zero Tolerance" in m[4].actions[0]
    # 5-7. every division, Mar-Sep, 6- and 12-month rounds
    for n, actions in ((5, 3), (6, 2), (7, 1)):
        assert len(m[n].actions) == actions
        assert (m[n].division_ids, m[n].period_from, m[n].period_to) == (ALL, 6, 12)
        assert (m[n].follow_up.rule, m[n].follow_up.rounds) == ("rounds", (6, 12))
    assert plan.policy.before_due == (14, 7, 3, 1, 0) and plan.policy.after_due == (1, 3)


def test_thai_public_holidays_are_known_offline():
    holidays = WorkCalendar()
    # Songkran, Chakri Day, and a lunar holiday with its substitute day, all in FY 2570.
    for day in (date(2027, 4, 13), date(2027, 4, 14), date(2027, 4, 15), date(2027, 4, 6), date(2027, 7, 19), date(2027, 7, 20)):
        assert not holidays.is_working_day(day), day
    assert holidays.day_off_name(date(2027, 4, 13)) == "วันสงกรานต์"
    assert holidays.is_working_day(date(2027, 4, 12)) and not holidays.is_working_day(date(2027, 4, 17))


def deadlines_by_key(plan, fy, cal, division="engineering"):
    return {(d.measure_id, d.key): d for d in plan_deadlines(plan, fy, cal) if d.division_id == division}


def test_fy_2570_due_dates_with_holiday_shifts(library, cal):
    found = deadlines_by_key(library.default, 2570, cal)
    assert {k: d.due for k, d in found.items()} == {
        ("budget", "q1"): date(2027, 1, 15),
        ("budget", "q2"): date(2027, 4, 12),  # 15 Apr is Songkran: the Monday before
        ("budget", "q3"): date(2027, 7, 15),
        ("budget", "q4"): date(2027, 10, 15),
        ("fair-assignment", "m7"): date(2027, 4, 12),
        ("fair-assignment", "m13"): date(2027, 10, 15),  # the October after the year
        ("service-standards", "r6"): date(2027, 4, 12),
        ("service-standards", "r12"): date(2027, 10, 15),
        ("communication", "r6"): date(2027, 4, 12),
        ("communication", "r12"): date(2027, 10, 15),
        ("participation", "r6"): date(2027, 4, 12),
        ("participation", "r12"): date(2027, 10, 15),
    }
    assert found[("budget", "q2")].nominal == date(2027, 4, 15)
    audit = deadlines_by_key(library.default, 2570, cal, "audit")
    assert audit[("anti-corruption-campaign", "activity")].due == date(2027, 3, 31)
    palad = deadlines_by_key(library.default, 2570, cal, "palad")
    assert palad[("state-property", "m7")].due == date(2027, 4, 12)
    # 7 + 7 + 2 + 1 + 7*2*3 … per division and deadline
    assert len(plan_deadlines(library.default, 2570, cal)) == 4 * 7 + 2 * 7 + 2 + 1 + 3 * 2 * 7


def test_the_same_plan_rolls_to_another_year(library, cal):
    found = deadlines_by_key(library.default, 2571, cal)
    assert found[("budget", "q1")].due == date(2028, 1, 14)  # 15 Jan 2028 is a Saturday
    assert found[("service-standards", "r12")].nominal == date(2028, 10, 15)
    assert "2571" in found[("budget", "q2")].label


def test_reminder_days_count_working_days(library, cal):
    policy = library.default.policy
    got = [(s.name, s.day, s.escalate) for s in steps(date(2027, 4, 12), policy, cal)]
    assert got == [
        ("-14", date(2027, 3, 22), False),
        ("-7", date(2027, 3, 31), False),
        ("-3", date(2027, 4, 7), False),  # 6 April (Chakri Day) is skipped
        ("-1", date(2027, 4, 9), False),
        ("0", date(2027, 4, 12), False),
        ("+1", date(2027, 4, 16), False),  # after Songkran
        ("+3", date(2027, 4, 20), True),
    ]
    assert [s.day for s in steps(date(2027, 1, 15), policy, cal)][0] == date(2026, 12, 24)  # past New Year


def test_after_downtime_only_the_most_recent_relevant_step(library, cal):
    policy = library.default.policy
    due = date(2027, 4, 12)
    assert current_step(due, policy, cal, date(2027, 3, 19)) is None
    assert current_step(due, policy, cal, date(2027, 4, 8)).name == "-3"  # -14, -7 missed: only -3
    assert current_step(due, policy, cal, date(2027, 4, 21)).name == "+3"
    assert current_step(due, policy, cal, date(2027, 5, 20)) is None  # long past: no stale escalation
    # A deadline planned on 25 March (a new install) does not get the step of 22 March.
    assert current_step(due, policy, cal, date(2027, 3, 25), created_on=date(2027, 3, 25)) is None


def test_the_sao_days_off_move_due_dates(tmp_path, library):
    (tmp_path / "days-off.yaml").write_text(
        "days_off:\n  - date: 2027-01-15\n    name: วันหยุดประเพณีบุญคูณลาน\n", encoding="utf-8"
    )
    cal = WorkCalendar(load_days_off(tmp_path / "days-off.yaml"))
    assert cal.day_off_name(date(2027, 1, 15)) == "วันหยุดประเพณีบุญคูณลาน"
    q1 = deadlines_by_key(library.default, 2570, cal)[("budget", "q1")]
    assert (q1.nominal, q1.due) == (date(2027, 1, 15), date(2027, 1, 14))


def test_days_off_mistakes_name_the_line(tmp_path):
    path = tmp_path / "days-off.yaml"
    path.write_text("days_off:\n  - date: 2027-01-15\n  - date: พรุ่งนี้\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"days-off.yaml:3: days_off\[1\].date"):
        load_days_off(path)


def write_plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "measures-plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_mistakes_are_all_reported_with_file_line_and_field(tmp_path):
    path = write_plan(
        tmp_path,
        """title: แผนทดสอบ
reminders:
  before_due: [7, 7]
  send_from: "25:00"
measures:
  - number: 1
    id: budget
    title: แนวทางการใช้งบประมาณ
    actions: [สร้างการรับรู้]
    divisions: [palad, nowhere]
    period: ต.ค.-ก.ย.
    follow_up: {rule: quarterly, report: ผลการดำเนินงาน}
  - number: 2
    id: second
    title: มาตรการที่สอง
    actions: [ทำบางอย่าง]
    divisions: ทุกส่วนราชการ
    period: เดือนหน้า
    colour: แดง
    follow_up: {rule: weekly, report: ผล}
""",
    )
    with pytest.raises(ContentError) as err:
        load_plan(path, DIVISIONS)
    message = str(err.value)
    for expected in (
        f"{path}:3: reminders.before_due: a number appears twice",
        f"{path}:4: reminders.send_from",
        f"{path}:10: measures[0].divisions: unknown division 'nowhere'",
        f"{path}:18: measures[1].period: unknown month",
        f"{path}:19: measures[1].colour: unknown field",
        f"{path}:20: measures[1].follow_up.rule: must be one of",
    ):
        assert expected in message, message


def test_a_broken_year_file_stops_the_whole_library_loading(tmp_path):
    shutil.copy(CONTENT / "measures-plan.yaml", tmp_path / "measures-plan.yaml")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "2570.yaml").write_text("measures: []\n", encoding="utf-8")
    with pytest.raises(ContentError, match="2570.yaml"):
        PlanLibrary(tmp_path, DIVISIONS)


def test_a_year_file_overrides_the_default_for_that_year_only(tmp_path, cal):
    shutil.copy(CONTENT / "measures-plan.yaml", tmp_path / "measures-plan.yaml")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "2570.yaml").write_text(
        """fiscal_year: 2570
title: มาตรการปี 2570
reminders: {before_due: [3, 0], after_due: [1]}
measures:
  - number: 3
    id: state-property
    title: แนวทางปฏิบัติเกี่ยวกับการใช้ทรัพย์สินของราชการ
    actions: [จัดทำคู่มือการใช้ทรัพย์สินของราชการ]
    divisions: [palad, finance]
    period: มี.ค.-เม.ย.
    follow_up: {rule: date, date: 2027-04-21, report: คู่มือ เพื่อรายงานในการประชุมพนักงาน}
  - number: 8
    id: staff-meeting
    title: ประชุมพนักงาน
    actions: [ประชุม]
    divisions: [palad]
    period: พ.ค.
    follow_up: {rule: date, date: ๒๐ พ.ค., report: รายงานการประชุม}
""",
        encoding="utf-8",
    )
    library = PlanLibrary(tmp_path, DIVISIONS)
    plan = library.for_year(2570)
    assert plan.title == "มาตรการปี 2570" and plan.policy.before_due == (3, 0)
    dues = sorted((d.measure_id, d.division_id, d.due) for d in plan_deadlines(plan, 2570, cal))
    assert dues == [
        ("staff-meeting", "palad", date(2027, 5, 19)),  # 20 May 2027 is Visakha Bucha
        ("state-property", "finance", date(2027, 4, 21)),
        ("state-property", "palad", date(2027, 4, 21)),
    ]
    assert library.for_year(2571) is library.default


def test_month_words():
    assert [parse_month(w) for w in ("ต.ค.", "ตค", "ตุลาคม", "Oct", 10, "๑๐", "เดือนหน้า")] == [10, 10, 10, 10, 10, 10, None]


def test_the_default_policy_keeps_a_typical_sao_inside_the_free_plan(library, cal):
    ids = [d.id for d in DIVISIONS]
    person = monthly_cost(library.default, 2570, cal, typical_registrations(ids, 1))
    group = monthly_cost(library.default, 2570, cal, typical_registrations(ids, 5))
    assert max(c.worst for c in person) == 43  # January: 6 digests x 7 divisions + 1 to the admin
    assert max(c.worst for c in group) == 211 <= FREE_MONTHLY_MESSAGES
    assert all(c.on_time <= c.worst for c in group)


def test_plan_command_prints_the_year_in_thai(tmp_path):
    env = {"DATABASE_PATH": str(tmp_path / "cli.sqlite3"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "scheduler", "plan", "--fy", "2570", "--no-cost"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "ปีงบประมาณ พ.ศ. 2570 (1 ตุลาคม 2569 – 30 กันยายน 2570)" in text
    assert "รายงานผลไตรมาสที่ 2 (ม.ค.–มี.ค. 2570): ครบกำหนดวันจันทร์ที่ 12 เมษายน 2570" in text
    assert "ตรงกับวันสงกรานต์" in text and "มาตรการที่ 7" in text and "หน่วยตรวจสอบภายใน" in text


def test_scheduler_commands_answer_in_thai_and_english(tmp_path):
    env = {"DATABASE_PATH": str(tmp_path / "cli.sqlite3"), "PATH": "/usr/bin:/bin"}
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "scheduler", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    helped = run("--help")
    assert helped.returncode == 0 and "tick" in helped.stdout and "แจ้งเตือน" in helped.stdout
    jobs = run("jobs")
    assert jobs.returncode == 0 and "reminders: next run" in jobs.stdout and "purge-old-data" in jobs.stdout
    night = run("tick", "--now", "2027-03-24T21:00")
    assert night.returncode == 0 and "นอกเวลาส่ง" in night.stdout
    assert run("tick", "--now", "พรุ่งนี้").returncode == 2
