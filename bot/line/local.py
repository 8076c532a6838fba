"""Where LINE is when no channel is configured: the fake LINE API that `make run` serves under
/fake-line (bot/pages/simulator.py `create_local_app`), so that the simulator, the clock and the
command line exercise the whole path a real message takes. Never used with a channel."""
from __future__ import annotations

import os

from bot.config import LINE_API_DEFAULT, Settings

LOCAL_LINE_PREFIX = "/fake-line"
LOCAL_LINE_TOKEN = "local-simulator-token"


def local_line_settings(settings: Settings, port: int | str) -> Settings:
    """With no LINE channel, LINE's API is the fake one the web process serves on `port`.

    Any part of a channel (a secret too) means real LINE: the fake never takes its replies."""
    if settings.channel_secret or settings.channel_access_token or settings.line_api_base_url != LINE_API_DEFAULT:
        return settings
    local = f"http://127.0.0.1:{port}{LOCAL_LINE_PREFIX}"
    return settings.with_(channel_access_token=LOCAL_LINE_TOKEN, line_api_base_url=local, line_data_api_base_url=local)


def line_settings(settings: Settings) -> Settings:
    """For a process beside the web one (the clock, the command line): the web process's
    address is BIND when set (a process manager such as honcho may hand each process a
    different PORT with the same BIND), else PORT."""
    return local_line_settings(settings, os.environ.get("BIND", "").rpartition(":")[2] or settings.port)
