"""Small HTTP clients for a stack's checks: HTTPS to an address (127.0.0.1, or a
test host's) that presents the site's domain (SNI, Host, certificate check), plain
HTTP the same way, and HTTP over a unix socket. No name is ever looked up."""

import ctypes
import functools
import http.client
import json
import os
import random
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
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


CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _in_network_namespace(path, function):
    """function(), called by a thread of its own that has joined the network
    namespace at path (setns changes only the calling thread's); a socket it
    makes stays in that namespace."""

    def joined():
        with open(path) as namespace:
            if _libc.setns(namespace.fileno(), CLONE_NEWNET) != 0:
                error = ctypes.get_errno()
                raise OSError(error, os.strerror(error), path)
        return function()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(joined).result()


def connect(address, port, timeout, source=None, netns=None):
    """A TCP connection to address: from source (an address of this
    machine's; throttles count per client address) when given, and from
    inside the network namespace at the path netns when given."""
    bind = (source, 0) if source else None

    def connection():
        return socket.create_connection((address, port), timeout, bind)

    return _in_network_namespace(netns, connection) if netns else connection()


class _AddressedHTTP(http.client.HTTPConnection):
    """Connects to `address` while presenting `host`; `via` is connect()'s
    source and netns."""

    def __init__(self, host, port, address, via, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address, self.via = address, via

    def connect(self):
        self.sock = connect(self.address, self.port, self.timeout, **self.via)


class _AddressedHTTPS(http.client.HTTPSConnection):
    """The same over TLS, presenting `host` as SNI and checking it on the
    certificate."""

    def __init__(self, host, port, address, via, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address, self.via = address, via

    def connect(self):
        raw = connect(self.address, self.port, self.timeout, **self.via)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, socket_path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


# Ports for our servers come from below the kernel's ephemeral range: a port
# from inside it can be taken by any outgoing connection on this machine
# between our check and the server's bind.
LISTEN_PORTS = range(20000, 32768)


def free_port():
    """A TCP port that nothing on this machine holds right now (checked on
    every address, as Nginx binds it)."""
    for port in random.sample(LISTEN_PORTS, 50):
        with socket.socket() as probe:
            try:
                probe.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {LISTEN_PORTS} after 50 tries")


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


def https_client(
    domain, port, ca_file, address="127.0.0.1", source=None, netns=None, timeout=10
):
    """The CA file is read at the first request, so a stack can hand out its
    client before it has made its certificate."""

    @functools.cache
    def context():
        return ssl.create_default_context(cafile=str(ca_file))

    via = {"source": source, "netns": netns}
    return Client(
        lambda: _AddressedHTTPS(
            domain, port, address, via, context=context(), timeout=timeout
        ),
        domain,
    )


def http_client(host, port, address="127.0.0.1", source=None, timeout=10):
    via = {"source": source}
    return Client(
        lambda: _AddressedHTTP(host, port, address, via, timeout=timeout), host
    )


def unix_client(socket_path, host, timeout=10):
    return Client(lambda: _UnixHTTP(str(socket_path), timeout), host)
