"""The thumbnails API: answers HTTP on port 8000 while the worker makes the thumbnails."""
import http.server


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'ok\n' if self.path == '/health' else b'thumbnails api: 3 jobs queued\n'
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(('', 8000), Handler).serve_forever()
