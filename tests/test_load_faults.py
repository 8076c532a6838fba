"""The load and fault runs of bench/load.py, shortened to seconds: the web app as production runs
it (gunicorn), a fake LINE API, citizens asking, rating and complaining, and one fault in the
middle of each run. Whatever happens, nothing acknowledged is lost and nothing is doubled."""
import argparse

import pytest

from bench import load


def short_run(fault):
    args = argparse.Namespace(
        rate=15.0,
        seconds=4.0,
        mix=load.parse_mix("question=60,survey=25,complaint=15"),
        users=500,
        staff=20,
        redeliver_seconds=90.0,
        settle_seconds=120.0,
    )
    return load.run_one(args, fault)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fault", [None, *load.FAULTS])
def test_nothing_is_lost_or_doubled(fault):
    result = short_run(fault)
    summary = {k: result[k] for k in ("sent", "acknowledged", "stored", "processed", "replied", "missing", "doubled",
                                      "failed", "ratings", "surveys_completed", "tickets", "complaints_completed", "stuck",
                                      "outbox", "clock_groups", "clock_digests", "clock_missing", "clock_doubled")
               if k in result}
    assert result["ok"], summary
    assert result["sent"] > 20  # the run really carried load
    if fault == "kill-clock":
        assert result["clock_groups"] == result["clock_digests"] == 20
    if fault in ("kill-web", "db-locked"):
        assert result["redeliveries"] > 0  # LINE's redelivery was exercised, and was enough
