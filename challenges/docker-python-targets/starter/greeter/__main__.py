"""Runs the greeter: GET /?name=Ada&lang=fr answers with a greeting, GET /health with ok."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from greeter import greet

DEBUG = os.environ.get("GREETER_DEBUG") == "1"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/health":
            self._send(200, "text/plain", b"ok\n")
            return
        query = parse_qs(url.query)
        text = greet(query.get("name", [""])[0], query.get("lang", ["en"])[0])
        self._send(200, "application/json", json.dumps({"greeting": text}).encode() + b"\n")

    def _send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        if DEBUG:
            super().log_message(format, *args)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"greeter listening on {port}{' (debug)' if DEBUG else ''}", flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
