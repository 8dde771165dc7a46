"""HTTP/2 requests that Nginx resets before they have a status (a CR/LF in
a header value, an uppercase header name): the stream is refused, and the
site's access log still gets one line of JSON for each (status 0, not the
000 that JSON cannot read). Frames are written by hand: no HTTP/2 client
would send these."""

import json
import secrets
import socket
import ssl
import time

from generator.checking import StepFailed, check, poll
from generator.checks.logs import site_log_lines

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS, HEADERS, RST_STREAM, GOAWAY = 0x4, 0x1, 0x3, 0x7
END_STREAM_AND_HEADERS = 0x1 | 0x4
# HPACK's static table: indexed fields, and names to index a literal by.
GET, HTTPS_SCHEME, AUTHORITY, PATH = b"\x82", b"\x87", 1, 4
# Bad fields, each on a stream of its own: (name, value).
BAD_FIELDS = ((b"x-split", b"a\r\nb"), (b"X-Upper", b"1"))
READ_DEADLINE = 10


def frame(kind, flags, stream, payload=b""):
    return (
        len(payload).to_bytes(3, "big")
        + bytes((kind, flags))
        + stream.to_bytes(4, "big")
        + payload
    )


def text(value):
    """An HPACK string, not Huffman-coded; ours are shorter than 127 bytes,
    so the length fits its 7-bit prefix."""
    return bytes((len(value),)) + value


def literal(name, value):
    """A field not to be indexed, its name by static index or spelled out."""
    if isinstance(name, int):
        return bytes((name,)) + text(value)
    return b"\x00" + text(name) + text(value)


def header_block(domain, path, bad_name, bad_value):
    return (
        GET
        + HTTPS_SCHEME
        + literal(PATH, path.encode())
        + literal(AUTHORITY, domain.encode())
        + literal(bad_name, bad_value)
    )


def refused_streams(tls, streams):
    """The streams Nginx refused (RST_STREAM) or gave up on (GOAWAY),
    reading frames until all are accounted for or the connection ends."""
    tls.settimeout(READ_DEADLINE)
    buffered, refused = b"", set()
    deadline = time.monotonic() + READ_DEADLINE
    while refused != streams and time.monotonic() < deadline:
        try:
            chunk = tls.recv(65536)
        except (TimeoutError, ssl.SSLError, ConnectionError):
            break
        if not chunk:
            break
        buffered += chunk
        while len(buffered) >= 9:
            length = int.from_bytes(buffered[:3], "big")
            if len(buffered) < 9 + length:
                break
            kind = buffered[3]
            stream = int.from_bytes(buffered[5:9], "big") & 0x7FFFFFFF
            if kind == RST_STREAM:
                refused.add(stream)
            elif kind == GOAWAY:
                last = int.from_bytes(buffered[9:13], "big") & 0x7FFFFFFF
                refused |= {number for number in streams if number > last}
            buffered = buffered[9 + length :]
    return refused


def logged(stack, marker):
    """The site's access-log lines for the request carrying marker."""
    return [line for line in site_log_lines(stack) if marker in line]


def reset_requests(stack):
    """Two requests Nginx resets over HTTP/2, one line of JSON each."""
    project = stack.project
    context = ssl.create_default_context(cafile=str(stack.certificate))
    context.set_alpn_protocols(["h2"])
    markers, streams = {}, set()
    with (
        socket.create_connection((stack.address, project.https_port), 10) as raw,
        context.wrap_socket(raw, server_hostname=project.domain) as tls,
    ):
        check(
            tls.selected_alpn_protocol() == "h2",
            f"ALPN chose {tls.selected_alpn_protocol()}, not h2",
        )
        request = PREFACE + frame(SETTINGS, 0, 0)
        for number, (name, value) in enumerate(BAD_FIELDS):
            stream = 2 * number + 1
            marker = f"h2-reset-{secrets.token_hex(4)}"
            markers[marker] = name.decode()
            streams.add(stream)
            block = header_block(project.domain, f"/api/health/?{marker}", name, value)
            request += frame(HEADERS, END_STREAM_AND_HEADERS, stream, block)
        tls.sendall(request)
        refused = refused_streams(tls, streams)
    check(refused == streams, f"Nginx refused streams {refused} of {streams}")
    statuses = {}
    for marker, name in markers.items():
        lines = poll(
            lambda marker=marker: logged(stack, marker),
            f"the access-log line of the request with {name}",
        )
        check(len(lines) == 1, f"{len(lines)} lines for the request with {name}")
        line = lines[0]
        try:
            record = json.loads(line)
        except ValueError:
            raise StepFailed(f"the line for {name} is not JSON: {line[:300]}") from None
        check(record["status"] == 0, f"the line for {name}: status {record['status']}")
        statuses[name] = record["status"]
    return (
        f"{len(refused)} streams reset ({', '.join(statuses)}); each logged as "
        "JSON with status 0"
    )
