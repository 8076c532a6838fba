"""The comparison point for bench/webhook_bench.py: a Flask endpoint that only checks the signature.

Served by gunicorn with the same gunicorn.conf.py as the bot, so the ratio between the
two measures what the bot adds (parsing, the durable inbox, the worker) and nothing else.
"""
import os

from flask import Flask, request

from bot.line.signature import is_valid


def create_bare_app() -> Flask:
    app = Flask(__name__)
    secret = os.environ["LINE_CHANNEL_SECRET"]

    @app.post("/callback")
    def callback():
        if not is_valid(secret, request.get_data(), request.headers.get("X-Line-Signature")):
            return {"error": "invalid signature"}, 400
        return {}, 200

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
