"""`python -m scheduler plan --fy 2570`: the year's deadlines in Thai, and what the reminders cost."""
from __future__ import annotations

import logging
from collections import defaultdict

from bot.config import Settings
from bot.common.thaidate import BE_OFFSET, fiscal_year, fiscal_year_bounds, now, thai_weekday_date
from bot.reminders import texts
from bot.reminders.cost import FREE_MONTHLY_MESSAGES, MonthCost, monthly_cost, peak, typical_registrations
from bot.reminders.deadlines import month_short, plan_deadlines, steps
from bot.reminders.passes import Setup

log = logging.getLogger(__name__)
TYPICAL_GROUP = 5


def deadline_lines(setup: Setup, fy: int) -> list[str]:
    plan = setup.plans.for_year(fy)
    start, end = fiscal_year_bounds(fy)
    out = [texts.plan_heading(plan.title, fy, start, end)]
    if plan.fiscal_year:
        out.append(f"(แผนเฉพาะปีนี้: {plan.path})")
    deadlines = plan_deadlines(plan, fy, setup.calendar)
    for measure in plan.measures:
        out += ["", f"มาตรการที่ {measure.no} {measure.title}"]
        out.append(f"  ผู้รับผิดชอบ: {measure.responsible} · ระยะเวลาดำเนินการ: {measure.period_text}")
        out.append(f"  การติดตามผล: {measure.follow_up_text}")
        groups: dict[tuple, list[str]] = defaultdict(list)
        for d in deadlines:
            if d.measure_id == measure.id:
                groups[(d.due, d.key, d.label, d.nominal)].append(setup.division_name(d.division_id))
        for (due, _key, label, nominal), names in sorted(groups.items()):
            out.append(f"  • {label}: ครบกำหนด{thai_weekday_date(due)}")
            if nominal != due:
                reason = setup.calendar.day_off_name(nominal) or "วันหยุด"
                out.append(f"    {texts.moved(nominal, due, reason)}")
            if measure.follow_up.rule == "after_activity":
                out.append(
                    f"    เมื่อกด \"จัดกิจกรรมแล้ว\" ต้องส่งรายงานผลภายใน {measure.follow_up.within_days} วันหลังวันจัดกิจกรรม"
                )
            for name in names:
                out.append(f"    - {name}")
    policy = plan.policy
    before = ", ".join(str(n) for n in policy.before_due if n) or "-"
    after = " และ ".join(str(n) for n in policy.after_due) or "-"
    out += [
        "",
        f"การแจ้งเตือน: ล่วงหน้า {before} วันทำการ{' และในวันครบกำหนด' if 0 in policy.before_due else ''}"
        f" เวลา {policy.send_from} น. (ส่งเฉพาะวันทำการ {policy.send_from}–{policy.send_until} น.)",
        f"ติดตามหลังเลยกำหนด {after} วันทำการ; ตั้งแต่วันทำการที่ {policy.escalate_after} แจ้งหัวหน้าส่วนราชการและผู้ดูแลระบบด้วย",
        "วันครบกำหนดที่ตรงกับวันหยุดเลื่อนเป็นวันทำการก่อนหน้า (วันหยุดราชการ และวันหยุดของ อบต. ใน days-off.yaml)",
    ]
    reminder_days = sorted({s.day for d in deadlines for s in steps(d.due, policy, setup.calendar)})
    out.append(f"รวม {len(deadlines)} กำหนดส่ง (มาตรการ × ส่วนราชการ) แจ้งเตือนใน {len(reminder_days)} วันทำการ")
    return out


def _month(cost: MonthCost) -> str:
    return f"{month_short(cost.month)} {cost.year + BE_OFFSET}"


def cost_lines(setup: Setup, fy: int, db) -> list[str]:
    from db import staff

    plan = setup.plans.for_year(fy)
    registered = staff.all_active(db)
    sizes = {}
    for r in registered:
        if r.kind == "user":
            sizes[r.chat_key] = 1
        elif r.chat_key not in sizes:
            count = setup.sender.member_count(r.kind, r.line_id) if setup.sender else None
            sizes[r.chat_key] = count or 10
    current = monthly_cost(plan, fy, setup.calendar, [(r, sizes[r.chat_key]) for r in registered])
    division_ids = [d.id for d in setup.divisions]
    one = monthly_cost(plan, fy, setup.calendar, typical_registrations(division_ids, 1))
    group = monthly_cost(plan, fy, setup.calendar, typical_registrations(division_ids, TYPICAL_GROUP))
    months = sorted({(c.year, c.month) for c in current + one + group})
    by = lambda costs: {(c.year, c.month): c for c in costs}  # noqa: E731
    cur, o, g = by(current), by(one), by(group)
    groups = sum(1 for r in registered if r.kind != "user")
    out = [
        "",
        "ค่าข้อความ LINE (push) ต่อเดือนของการแจ้งเตือนปีนี้ — monthly push messages",
        "  สูงสุด = ไม่มีใครกด \"ส่งรายงานแล้ว\" (ส่งการติดตามครบทุกครั้ง); ตรงเวลา = ทุกกองส่งรายงานในวันครบกำหนด",
        f"  ผู้ลงทะเบียนตอนนี้: {len(registered)} แชต (กลุ่ม {groups}); ข้อความถึงกลุ่มนับตามจำนวนสมาชิก",
        f"  {'เดือน':<12}{'ผู้ลงทะเบียนตอนนี้':>22}{'อบต.ทั่วไป กองละ 1 คน':>26}{f'กองละกลุ่ม {TYPICAL_GROUP} คน':>22}",
    ]
    for key in months:
        cells = []
        for table in (cur, o, g):
            c = table.get(key)
            cells.append(f"{c.worst}/{c.on_time}" if c else "0/0")
        label = f"{month_short(key[1])} {key[0] + BE_OFFSET}"
        out.append(f"  {label:<12}{cells[0]:>22}{cells[1]:>26}{cells[2]:>22}")
    for name, costs in (("ผู้ลงทะเบียนตอนนี้", current), ("กองละ 1 คน", one), (f"กองละกลุ่ม {TYPICAL_GROUP} คน", group)):
        top = peak(costs)
        if top:
            verdict = "อยู่ในโควตาฟรี" if top.worst <= FREE_MONTHLY_MESSAGES else "เกินโควตาฟรี"
            out.append(f"  เดือนที่มากที่สุด ({name}): {_month(top)} {top.worst} ข้อความ — {verdict} {FREE_MONTHLY_MESSAGES} ข้อความ/เดือน")
    if setup.sender is not None:
        try:
            quota = setup.sender.quota()
            limit = quota["limit"] if quota.get("type") == "limited" else "ไม่จำกัด"
            out.append(f"  โควตาของช่องทาง LINE นี้: {limit} ข้อความ/เดือน ใช้ไปแล้วเดือนนี้ {quota['used']} — channel quota")
        except Exception as exc:  # the printout is still useful without LINE
            out.append(f"  อ่านโควตาจาก LINE ไม่ได้ ({type(exc).__name__}) — could not read the channel's quota")
    return out


def print_plan(settings: Settings, fy: int | None, show_cost: bool = True) -> int:
    from bot.line.sender import LineSender
    from bot.content.profile import ContentError
    from db import open_for
    from bot.line.local import line_settings
    from bot.eservice.appointment_reminders import forecast_lines as appointment_forecast_lines

    fy = fy or fiscal_year(now())
    settings = line_settings(settings)
    try:
        setup = Setup.from_content(settings.content_dir, LineSender(settings) if show_cost else None)
    except ContentError as exc:
        print(f"แผนมีข้อผิดพลาด แก้ไขแล้วลองใหม่ค่ะ — the plan has mistakes:\n{exc}")
        return 2
    for line in deadline_lines(setup, fy):
        print(line)
    db = open_for(settings)
    try:
        if show_cost:
            for line in cost_lines(setup, fy, db):
                print(line)
        # The e-Service's appointment reminders spend the same monthly push quota.
        for line in appointment_forecast_lines(db, setup.calendar, now().date()):
            print(line)
    finally:
        db.close()
    return 0
