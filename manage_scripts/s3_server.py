"""An S3-compatible server for the tests: moto in server mode on a free port (moto is a dev requirement)."""

from collections.abc import Iterator
from contextlib import contextmanager

from .embedded_mongo import free_port


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """Its URL, for S3_ENDPOINT_URL; stopped when the block ends."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
