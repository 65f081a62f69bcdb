"""A local HTTP server that records what is POSTed to it: the tests' stand-in for Sentry and for an
OpenTelemetry collector. Bodies are decompressed (gzip, or brotli when the client chose it)."""

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer


def _decoded(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":  # a client that has brotli installed may choose it
        import brotli

        return brotli.decompress(body)
    return body


@contextmanager
def recording_http_server() -> Iterator[tuple[int, list[tuple[str, bytes]]]]:
    """(its port, the (path, body) of every POST so far); answers each with an empty 200."""
    received: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, _decoded(body, self.headers.get("Content-Encoding"))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port, received
    finally:
        server.shutdown()
