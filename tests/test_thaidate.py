from datetime import date, datetime, timezone

from bot.common import thaidate


def test_buddhist_era_and_thai_month_names():
    assert thaidate.thai_date(date(2026, 11, 27)) == "27 พฤศจิกายน 2569"
    assert thaidate.thai_date_short(date(2027, 4, 1)) == "1 เม.ย. 70"
    assert thaidate.thai_weekday_date(date(2026, 12, 5)) == "วันเสาร์ที่ 5 ธันวาคม 2569"


def test_times_are_shown_in_bangkok():
    utc = datetime(2026, 12, 31, 20, 30, tzinfo=timezone.utc)  # 03:30 on 1 Jan 2027 in Bangkok
    assert thaidate.thai_datetime(utc) == "1 ม.ค. 2570 เวลา 03.30 น."
    assert thaidate.thai_datetime(utc.timestamp()) == "1 ม.ค. 2570 เวลา 03.30 น."


def test_fiscal_year_runs_october_to_september():
    assert thaidate.fiscal_year(date(2026, 9, 30)) == 2569
    assert thaidate.fiscal_year(date(2026, 10, 1)) == 2570
    assert thaidate.fiscal_year(date(2027, 9, 30)) == 2570
    assert thaidate.fiscal_year_bounds(2570) == (date(2026, 10, 1), date(2027, 9, 30))
