"""Small HTTP clients for a stack's checks: HTTPS to an address (127.0.0.1, or a
test host's) that presents the site's domain (SNI, Host, certificate check), plain
HTTP the same way, and HTTP over a unix socket. No name is ever looked up."""

import functools
import http.client
import json
import socket
import ssl
from dataclasses import dataclass


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    def header_values(self, name):
        return self.headers.get_all(name) or []


class _AddressedHTTPS(http.client.HTTPSConnection):
    """Connects to `address` while presenting `host` (SNI, certificate check),
    from the address `source` if one is given."""

    def __init__(self, host, port, address, source=None, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address
        self.source = (source, 0) if source else None

    def connect(self):
        raw = socket.create_connection(
            (self.address, self.port), self.timeout, self.source
        )
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class _AddressedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, socket_path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    """One new connection per request, so each request stands alone."""

    def __init__(self, make_connection, host):
        self.make_connection = make_connection
        self.host = host

    def request(self, method, path, body=None, headers=None, token=None):
        headers = {"Host": self.host, **(headers or {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        connection = self.make_connection()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def raw(self, data):
        """Send bytes as they are (a malformed request, say); read the answer."""
        connection = self.make_connection()
        try:
            connection.connect()
            connection.sock.sendall(data)
            response = http.client.HTTPResponse(connection.sock, method="GET")
            response.begin()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body=body, **kwargs)


def https_client(domain, port, ca_file, address="127.0.0.1", source=None, timeout=10):
    """The CA file is read at the first request, so a stack can hand out its
    client before it has made its certificate."""

    @functools.cache
    def context():
        return ssl.create_default_context(cafile=str(ca_file))

    return Client(
        lambda: _AddressedHTTPS(
            domain, port, address, source, context=context(), timeout=timeout
        ),
        domain,
    )


def http_client(host, port, address="127.0.0.1", timeout=10):
    return Client(lambda: _AddressedHTTP(host, port, address, timeout=timeout), host)


def unix_client(socket_path, host, timeout=10):
    return Client(lambda: _UnixHTTP(str(socket_path), timeout), host)
