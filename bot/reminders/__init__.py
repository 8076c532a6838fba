"""Reminders to staff before the measures plan's reporting deadlines.

plan.py reads the plan (content/plan-*.yaml) and deadlines.py works out each deadline;
passes.py is one pass of the clock (scheduler/clock.py runs it every few minutes): what is
due, to whom, grouped into digests (digest.py, texts.py); buttons.py handles the digest's
buttons in LINE ("reported", "not yet", details); printout.py and cost.py are the paper
copy and the cost of a year's messages.
"""
