"""Staff on LINE: registration (registration.py), who a staff member is by name (people.py;
asked at registration and by "ชื่อของฉัน", names.py),
which chat may act on which division's work (access.py), and the work itself — tickets
(ticket_actions.py) and "งานของฉัน" (my_work.py).
"""
