"""A local ACME server for a test network: Debian's pebble, resolving names
through pebble-challtestsrv, both listening on this machine's address on the
bridge. Validation is real (PEBBLE_VA_ALWAYS_VALID stays unset): pebble asks
the host's Nginx for /.well-known/acme-challenge/ on the site's HTTP port.
"""

import json
import os
import signal
import ssl
import subprocess
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.checking import poll

START_DEADLINE = 20


@dataclass(frozen=True)
class AcmeServer:
    directory: str  # the ACME directory URL certbot is pointed at
    api_ca_file: Path  # trust for pebble's own API certificate
    root_ca_file: Path  # trust for the certificates pebble issues


def _api_certificate(folder, address):
    key, cert = folder / "pebble-api.key", folder / "pebble-api.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=pebble", "-addext", f"subjectAltName=IP:{address}",
            "-keyout", key, "-out", cert,
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


def _fetch(url, context):
    with urllib.request.urlopen(url, context=context, timeout=5) as response:
        return response.read()


def _start(command, log, env=None):
    with log.open("w") as output:  # the child keeps its own copy
        return subprocess.Popen(
            [str(part) for part in command],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _write_config(folder, address, http_port):
    """pebble's configuration: its API on address with a certificate of its
    own, validating over http_port."""
    key, cert = _api_certificate(folder, address)
    config = folder / "pebble-config.json"
    pebble = {
        "listenAddress": f"{address}:14000",
        "managementListenAddress": f"{address}:15000",
        "certificate": str(cert),
        "privateKey": str(key),
        "httpPort": int(http_port),
        "tlsPort": 5001,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": False,
    }
    config.write_text(json.dumps({"pebble": pebble}))
    return config, cert


@contextmanager
def acme_server(folder, address, host_address, http_port):
    """pebble on address:14000 issuing for names that resolve to
    host_address, validating over http_port; stopped on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    config, cert = _write_config(folder, address, http_port)
    processes = []
    try:
        # Every A query answers the host's address: the domain "points" at it.
        processes.append(
            _start(
                [
                    "pebble-challtestsrv",
                    "-defaultIPv4", host_address, "-defaultIPv6", "",
                    "-dns01", f"{address}:8053", "-management", f"{address}:8055",
                    "-http01", "", "-https01", "", "-tlsalpn01", "",
                ],
                folder / "challtestsrv.log",
            )
        )  # fmt: skip
        # No random waits before validation, no random nonce rejections.
        env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
        log = folder / "pebble.log"
        command = ["pebble", "-config", config, "-dnsserver", f"{address}:8053"]
        processes.append(_start(command, log, env))
        context = ssl.create_default_context(cafile=str(cert))
        directory = f"https://{address}:14000/dir"
        poll(lambda: _fetch(directory, context), "pebble", START_DEADLINE, log)
        root = folder / "pebble-root.pem"
        root.write_bytes(_fetch(f"https://{address}:15000/roots/0", context))
        yield AcmeServer(directory, cert, root)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
