"""The shop's web front: HTTP on port 8000. With --debug it also listens on 5678, where a
debugger would attach, and reloads nothing: this is a stand-in for a real dev server."""
import http.server
import os
import socket
import sys
import threading

STAGE = os.environ.get('APP_STAGE', 'unknown')
GREETING = os.environ.get('GREETING', 'Hello')
WORKERS = os.environ.get('WORKERS', '1')


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/health':
            body = b'ok\n'
        else:
            body = f'{GREETING}: orders open ({STAGE}, {WORKERS} workers)\n'.encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def debug_listener():
    server = socket.create_server(('', 5678))
    while True:
        connection, _ = server.accept()
        connection.sendall(b'debugger: attached to the shop\n')
        connection.close()


if '--debug' in sys.argv:
    threading.Thread(target=debug_listener, daemon=True).start()
    print('debug listener on port 5678', flush=True)
print(f'serving on port 8000 ({STAGE})', flush=True)
http.server.ThreadingHTTPServer(('', 8000), Handler).serve_forever()
