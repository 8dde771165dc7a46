"""Runs inside a load balancer, with its python3 (no third-party modules):
requests straight to app hosts, each on a new connection as the load
balancer's would be. Reads [address, port, method, path, body, headers]
lists as JSON on stdin; prints [status, headers, body] for each."""

import http.client
import json
import sys


def ask(address, port, method, path, body, headers):
    connection = http.client.HTTPConnection(address, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return [response.status, headers, response.read().decode(errors="replace")]
    finally:
        connection.close()


if __name__ == "__main__":
    print(json.dumps([ask(*request) for request in json.load(sys.stdin)]))
