#!/usr/bin/env python3
"""A tiny SMTP server for RelationHub's delivery tests and measurements (needs `pip install aiosmtpd`).

    python3 scripts/smtp_server.py --port 0 --maildir DIR [--fail-first N --fail-code 451] [--reject-code 550]

Listens on 127.0.0.1, prints `READY <port>` on stdout once it accepts connections, and writes each
accepted message to DIR/<n>.json as {"mail_from", "rcpt_tos", "data"} (n = 1, 2, ...; written to a
temporary name and renamed, so a reader never sees a partial file).

  --fail-first N     answer the first N DATA commands with a 4xx reply (--fail-code, default 451)
  --reject-code C    answer every RCPT and DATA with the 5xx reply C ("C 5.1.1 mailbox unavailable")
  --exit-on-eof      exit when stdin closes (the test harness holds stdin open while it runs)

STARTTLS is not offered, so clients that use it opportunistically fall back to plain text.
"""

import argparse
import asyncio
import json
import os
import sys
import threading

try:
    from aiosmtpd.smtp import SMTP
except ImportError:  # pragma: no cover - reported to the test that started us
    sys.stderr.write("aiosmtpd is not installed: run `pip install aiosmtpd`\n")
    sys.exit(3)


class Recorder:
    """aiosmtpd handler: records, delays failure, or rejects, as the options say."""

    def __init__(self, maildir, fail_first, fail_code, reject_code):
        self.maildir = maildir
        self.fail_remaining = fail_first
        self.fail_code = fail_code
        self.reject_code = reject_code
        self.count = 0

    def _rejection(self):
        return f"{self.reject_code} 5.1.1 mailbox unavailable"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_code:
            return self._rejection()
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reject_code:
            return self._rejection()
        if self.fail_remaining > 0:
            self.fail_remaining -= 1
            return f"{self.fail_code} 4.3.0 temporary failure, try again later"
        self.count += 1
        n = self.count
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": content.decode("utf-8", "replace"),
        }
        tmp = os.path.join(self.maildir, f".{n}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, os.path.join(self.maildir, f"{n}.json"))
        return f"250 2.0.0 OK queued as {n}"


async def serve(args):
    os.makedirs(args.maildir, exist_ok=True)
    handler = Recorder(args.maildir, args.fail_first, args.fail_code, args.reject_code)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="relationhub-test-smtp", decode_data=False, enable_SMTPUTF8=True),
        host="127.0.0.1",
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--maildir", required=True)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-code", type=int, default=451)
    p.add_argument("--reject-code", type=int, default=0)
    p.add_argument("--exit-on-eof", action="store_true")
    args = p.parse_args()
    if not 400 <= args.fail_code <= 499:
        p.error("--fail-code must be a 4xx code")
    if args.reject_code and not 500 <= args.reject_code <= 599:
        p.error("--reject-code must be a 5xx code")
    if args.exit_on_eof:
        def watch():
            sys.stdin.buffer.read()
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
