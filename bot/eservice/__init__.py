"""Online service requests (e-Service): the services a citizen can request (catalog.py, from
content/services/), the request flow in LINE (flow.py), requests and their lifecycle
(requests.py), appointments at the office (appointments.py), and staff's side.
"""
