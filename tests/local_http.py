"""A small threaded HTTP server on 127.0.0.1 for tests of outbound requests (audio, webhooks).

Routes map a path to `(status, headers, body)` or to a list of them (answered in
turn, the last one repeated); every request received is recorded.
"""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    routes: dict[str, Answer | list[Answer]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def answer(self, path: str) -> Answer:
        route = self.routes.get(path, (404, {}, b"no such path"))
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route


def serve() -> tuple[LocalServer, ThreadingHTTPServer]:
    state = LocalServer()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.received.append(
                Received(self.command, self.path, dict(self.headers.items()), body)
            )
            status, headers, content = state.answer(self.path.split("?")[0])
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _handle

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
