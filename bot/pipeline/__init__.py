"""The event pipeline: LINE's webhook stores each event (webhook.py), the inbox worker takes
them in order per chat (worker.py), asks what each means (handlers.py) and runs the writes
the conversation asks for (effects.py); the one sender delivers the replies (bot/line/sender.py)."""
