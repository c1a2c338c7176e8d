"""The orders API: answers HTTP on port 8000 and says whether it can reach its database."""
import http.server
import os
import socket

DB_HOST = os.environ.get('DB_HOST', 'db')


def database_reachable():
    try:
        socket.create_connection((DB_HOST, 5432), timeout=2).close()
        return True
    except OSError:
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/health':
            body = b'ok\n'
        else:
            body = f"orders api: database {'reachable' if database_reachable() else 'unreachable'}\n".encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(('', 8000), Handler).serve_forever()
