"""A small web app in the shape of nginx or php-fpm: a root supervisor that starts a worker
with fewer privileges and restarts it when it dies."""
import http.server
import os
import signal
import sys
import time

STATE_DIR = '/tmp/app'
WORKER_UID = 65534  # nobody


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'ok\n' if self.path == '/health' else f'hello from worker {os.getpid()} (uid {os.getuid()})\n'.encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def worker():
    # Dropping from root to another user needs CAP_SETGID and CAP_SETUID.
    os.setgroups([])
    os.setgid(WORKER_UID)
    os.setuid(WORKER_UID)
    http.server.ThreadingHTTPServer(('', 8080), Handler).serve_forever()


def main():
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(os.path.join(STATE_DIR, 'supervisor.pid'), 'w') as pid_file:
        pid_file.write(str(os.getpid()))
    child = 0

    def stop(*_):
        if child:
            os.kill(child, signal.SIGTERM)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        child = os.fork()
        if child == 0:
            try:
                worker()
            except Exception as error:
                print(f'worker: {error}', file=sys.stderr, flush=True)
            os._exit(1)
        print(f'supervisor {os.getpid()}: worker {child} started', flush=True)
        os.waitpid(child, 0)
        print('supervisor: worker exited, restarting in 1 s', flush=True)
        time.sleep(1)


if __name__ == '__main__':
    main()
