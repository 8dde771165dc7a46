"""A stand-in for Sentry: an HTTP server that accepts whatever it is sent and
keeps it, and a reader for the envelopes sentry-sdk sends."""

import gzip
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes  # decompressed


class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append(
            Received(self.path, dict(self.headers.items()), body)
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):  # the default writes to stderr
        pass


@contextmanager
def http_sink(address="127.0.0.1"):
    """A sink on a free port of `address`; yields the server, whose
    `received` lists every request in the order it came."""
    server = ThreadingHTTPServer((address, 0), _Recorder)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def envelope_items(body):
    """[(item header, payload)] of a Sentry envelope: a header line, then
    per item a header line and a payload of `length` bytes or one line."""
    _, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


def events(received):
    """The error events among everything a sink received, as dicts."""
    return [
        json.loads(payload)
        for request in received
        for header, payload in envelope_items(request.body)
        if header.get("type") == "event"
    ]
