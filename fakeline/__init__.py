"""A fake LINE Messaging API server for tests and local runs without a LINE channel.

It stands in for https://api.line.me and https://api-data.line.me on 127.0.0.1,
records every request and rejects what real LINE would reject. See
``fakeline.server.FakeLineServer`` to run it from a test and ``python -m fakeline``
to run it in a terminal.
"""

from fakeline.app import create_fake_line_app
from fakeline.server import FakeLineServer, FakeLineState, RecordedRequest

__all__ = ["FakeLineServer", "FakeLineState", "RecordedRequest", "create_fake_line_app"]
