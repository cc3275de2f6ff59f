"""A TCP relay in front of PostgreSQL or Redis that a services test can cut, to see what a
gunicorn worker (tests/servers.py) does when a service is gone, while the machine's services,
which the suite itself uses, keep running."""

import socket
import threading
from contextlib import suppress
from urllib.parse import urlsplit


class Relay:
    """A TCP relay on a free loopback port to a service (PostgreSQL, Redis). ``cut()`` closes
    every connection through it and closes each new one at once, as a service that went away;
    ``restore()`` lets connections through again. Threads, stopped by ``close()``."""

    def __init__(self, url: str, default_port: int):
        parts = urlsplit(url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or default_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        user, at, _host = parts.netloc.rpartition("@")
        self.url = parts._replace(netloc=f"{user}{at}127.0.0.1:{self.port}").geturl()
        self._open = threading.Event()
        self._open.set()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stopped.is_set():
            try:
                client, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            if not self._open.is_set():  # cut while this one was being opened
                self._close(client, upstream)
                continue
            for source, destination in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, destination), daemon=True).start()

    def _pump(self, source: socket.socket, destination: socket.socket):
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, destination)

    def _close(self, *sockets: socket.socket):
        with self._lock:
            for sock in sockets:
                self._sockets.discard(sock)
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def cut(self):
        self._open.clear()
        with self._lock:
            sockets = list(self._sockets)
        self._close(*sockets)

    def restore(self):
        self._open.set()

    def close(self):
        self._stopped.set()
        self.cut()
        self.listener.close()
        self._thread.join(timeout=5)
