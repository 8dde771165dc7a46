"""HTTP clients for a host on the test network: connect to its address, and
present the site's domain (SNI, Host, certificate check) as a browser would
once DNS points there. The same Client and Response as the loopback checks."""

import http.client
import socket
import ssl

from generator.loopback import Client


class _AddressHTTPS(http.client.HTTPSConnection):
    def __init__(self, address, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def connect(self):
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class _AddressHTTP(http.client.HTTPConnection):
    def __init__(self, address, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


def https_client(address, domain, port, ca_file, timeout=10):
    context = ssl.create_default_context(cafile=str(ca_file))
    return Client(
        lambda: _AddressHTTPS(address, domain, port, context=context, timeout=timeout),
        domain,
    )


def http_client(address, host, port, timeout=10):
    return Client(lambda: _AddressHTTP(address, host, port, timeout=timeout), host)


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
