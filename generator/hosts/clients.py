"""The certificate a host on the test network serves; its HTTP clients are
generator/loopback.py's, given the host's address."""

import socket
import ssl


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
