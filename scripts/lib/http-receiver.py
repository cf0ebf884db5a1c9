"""A small HTTP receiver for the notification tests: records every request, answers as told.

Usage: http-receiver.py LOG [PATH=ANSWERS ...]
Prints the port it listens on (127.0.0.1, chosen by the system), then serves until killed.
Each request is appended to LOG as one JSON line: {"path", "headers", "body"}.
ANSWERS is a comma-separated list of HTTP statuses given to successive requests to PATH (the
last one repeats), or `hang`: read the request, record it, never answer. Any other path
answers 200.
"""
import http.server
import json
import sys
import threading

log_path = sys.argv[1]
answers = {}
for rule in sys.argv[2:]:
    path, _, plan = rule.partition("=")
    answers[path] = plan.split(",")
served = {}
lock = threading.Lock()
forever = threading.Event()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock:
            with open(log_path, "a") as log:
                log.write(json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}) + "\n")
            plan = answers.get(self.path, ["200"])
            count = served.get(self.path, 0)
            served[self.path] = count + 1
            answer = plan[min(count, len(plan) - 1)]
        if answer == "hang":
            forever.wait()
            return
        self.send_response(int(answer))
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
