"""HTTP clients for a host on the test network: connect to its address, and
present the site's domain (SNI, Host, certificate check) as a browser would
once DNS points there. The same Client and Response as the loopback checks."""

import http.client
import socket
import ssl

from generator.loopback import Client


def _connect(address, port, timeout, source):
    """A TCP connection to address, from source (an address of this
    machine's) when one is given: throttles count per client address."""
    bind = (source, 0) if source else None
    return socket.create_connection((address, port), timeout, source_address=bind)


class _AddressHTTPS(http.client.HTTPSConnection):
    def __init__(self, address, source, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.address, self.source = address, source

    def connect(self):
        raw = _connect(self.address, self.port, self.timeout, self.source)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class _AddressHTTP(http.client.HTTPConnection):
    def __init__(self, address, source, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.address, self.source = address, source

    def connect(self):
        self.sock = _connect(self.address, self.port, self.timeout, self.source)


def https_client(address, domain, port, ca_file, source=None, timeout=10):
    context = ssl.create_default_context(cafile=str(ca_file))
    return Client(
        lambda: _AddressHTTPS(
            address, source, domain, port, context=context, timeout=timeout
        ),
        domain,
    )


def http_client(address, host, port, source=None, timeout=10):
    return Client(
        lambda: _AddressHTTP(address, source, host, port, timeout=timeout), host
    )


def served_certificate(address, domain, port, timeout=10):
    """The certificate the server presents for domain, as DER, unverified."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((address, port), timeout) as raw,
        context.wrap_socket(raw, server_hostname=domain) as tls,
    ):
        return tls.getpeercert(binary_form=True)
