"""Helpers the console's pages share: Thai dates, periods, exports, charts, passwords."""
from datetime import date, datetime

import pytest
from hypothesis import given, strategies as st

from bot.console import passwords
from bot.console.charts import Bar, bar_chart, nice_ceiling
from bot.console.exports import Column, neutralise, to_csv
from bot.console.periods import Period
from bot.common.thaidate import BANGKOK, fiscal_year, fiscal_year_dates, parse_thai_date, thai_date, thai_datetime


def test_thai_dates_use_the_buddhist_era_and_thai_months():
    assert thai_date(date(2026, 11, 27), full_month=False) == "27 พ.ย. 2569"
    assert thai_date(date(2027, 1, 5), full_month=True) == "5 มกราคม 2570"
    # 23:30 UTC on 31 Dec is already 1 January in Bangkok.
    assert thai_datetime(datetime(2026, 12, 31, 23, 30).replace(tzinfo=__import__("datetime").timezone.utc)) == "1 ม.ค. 2570 เวลา 06.30 น."
    assert thai_date(None) == "" and thai_datetime(None) == ""


@pytest.mark.parametrize(
    "text, expected",
    [("27/11/2569", date(2026, 11, 27)), ("๒๗/๑๑/๒๕๖๙", date(2026, 11, 27)), ("1-2-69", date(2026, 2, 1)),
     ("2026-11-27", date(2026, 11, 27)), ("27.11.2026", date(2026, 11, 27)), (" 5/1/2570 ", date(2027, 1, 5))],
)
def test_dates_typed_by_people_are_read(text, expected):
    assert parse_thai_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2569", "", "พรุ่งนี้", "27/13/2569", "1/1/1800"])
def test_impossible_dates_are_refused_in_thai(text):
    with pytest.raises(ValueError, match="วันที่ไม่ถูกต้อง"):
        parse_thai_date(text)


def test_fiscal_year_runs_october_to_september():
    assert fiscal_year(date(2026, 9, 30)) == 2569 and fiscal_year(date(2026, 10, 1)) == 2570
    assert fiscal_year_dates(2570) == (date(2026, 10, 1), date(2027, 10, 1))


def test_periods():
    today = date(2026, 11, 27)
    assert Period.from_args({"period": "today"}, today=today).label == "27 พ.ย. 2569"
    fy = Period.from_args({"period": "fy"}, today=today)
    assert (fy.first_day, fy.last_day, fy.label) == (date(2026, 10, 1), date(2027, 9, 30), "ปีงบประมาณ 2570")
    month = Period.from_args({"period": "month"}, today=today)
    assert month.start == datetime(2026, 11, 1, tzinfo=BANGKOK).timestamp()
    assert month.end == datetime(2026, 11, 28, tzinfo=BANGKOK).timestamp()
    swapped = Period.from_args({"period": "custom", "from": "30/11/2569", "to": "1/11/2569"}, today=today)
    assert swapped.first_day == date(2026, 11, 1) and swapped.errors
    assert Period.from_args({"period": "all"}).start is None
    assert Period.from_args({"period": "nonsense"}, default="7d", today=today).first_day == date(2026, 11, 21)
    assert Period.from_args({"period": "custom", "from": "1/10/2569"}, today=today).slug == "2569-10-01_all"


@pytest.mark.parametrize(
    "value, expected",
    [("=1+1", "'=1+1"), ("+66812345678", "'+66812345678"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("＝1+1", "'＝1+1"),
     ("ถนนชำรุด หน้าวัด", "ถนนชำรุด หน้าวัด"), ("a=1", "a=1"), (-5, -5), (3.5, 3.5), (None, ""), (True, "ใช่")],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@given(st.text())
def test_no_text_ever_leaves_as_a_formula(text):
    out = neutralise(text)
    assert not out.lstrip(" \u00a0").startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"))


def test_csv_has_a_bom_and_thai():
    data = to_csv([Column("ชื่อ", lambda r: r)], ["สมศรี", "=2*3"])
    assert data == "\ufeffชื่อ\r\nสมศรี\r\n'=2*3\r\n".encode("utf-8")


def test_chart_scales_and_describes_itself():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 240, 999)] == [1, 1, 4, 10, 20, 250, 1000]
    svg = str(bar_chart([Bar("1", 2, "1 พ.ย. 2569"), Bar("2", 8, "2 พ.ย. 2569", highlight=True)], title="ทดสอบ <ชาร์ต>", unit="ข้อความ"))
    assert svg.count("<rect") == 2 and "chart-bar--highlight" in svg
    assert "ทดสอบ &lt;ชาร์ต&gt;" in svg and "สูงสุด 8 ข้อความ เมื่อ 2 พ.ย. 2569" in svg
    assert "style=" not in svg  # the console's CSP allows no inline style


def test_password_rules_and_temporary_passwords():
    for weak, reason in (("short", "อย่างน้อย"), ("aaaaaaaaaaaa", "เดาง่าย"), (" leading-space-pw", "ช่องว่าง"), ("somchai-2569!", "ชื่อผู้ใช้")):
        with pytest.raises(passwords.PasswordRuleError, match=reason):
            passwords.check_new_password(weak, "somchai")
    passwords.check_new_password("ข้าวเหนียว-มะม่วง", "somchai")
    temp = passwords.temporary_password()
    assert len(temp) == 19 and temp != passwords.temporary_password()
    passwords.check_new_password(temp, "somchai")
    hashed = passwords.hash_password(temp)
    assert passwords.verify_password(hashed, temp) and not passwords.verify_password(hashed, temp.upper())
    assert not passwords.verify_password("not-a-hash", temp) and not passwords.verify_password(None, temp)
    assert not passwords.needs_rehash(hashed) and passwords.needs_rehash("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
