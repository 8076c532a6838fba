"""Citizen-facing conversation: pure steps (state, input) → (new state, replies).

Nothing here talks to LINE or to the database: the worker loads the state, calls
`Engine.handle`, and saves what it returns together with the queued replies.
"""
