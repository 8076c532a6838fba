"""Run the fake LINE Messaging API server in the foreground.

The fake answers like https://api.line.me and https://api-data.line.me, records
every request and rejects what real LINE would reject, so the bot can run locally
without a LINE channel. Point the bot's LINE API base URL at the printed address.
Control endpoints (no token needed): GET /__fake__/requests, /__fake__/deliveries,
/__fake__/messages/<chat_id>; POST /__fake__/faults, /__fake__/reset.

    python -m fakeline --port 8001 [--host 127.0.0.1] [--token TOKEN] [--quota 300]

It listens on loopback addresses only.
"""

from __future__ import annotations

import argparse
import sys
import threading

from fakeline.server import DEFAULT_QUOTA, FakeLineServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakeline", description="Fake LINE Messaging API server.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--token", help="the only channel access token to accept (default: any)")
    parser.add_argument("--quota", type=int, default=DEFAULT_QUOTA, help="monthly push/multicast quota")
    args = parser.parse_args(argv)
    try:
        server = FakeLineServer(args.token, quota=args.quota, host=args.host, port=args.port)
    except ValueError as exc:
        parser.error(str(exc))
    server.start()
    print(f"เซิร์ฟเวอร์ LINE จำลองพร้อมใช้งาน / fake LINE API listening on {server.url}", flush=True)
    try:
        threading.Event().wait()  # serve until Ctrl-C
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
