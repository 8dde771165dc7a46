"""The benchmark's ceiling: a WSGI application that does nothing, run by
the same Gunicorn config behind the same Nginx."""

BODY = b'{"ok": true}'


def application(environ, start_response):
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))],
    )
    return [BODY]
