#!/usr/bin/env python3
"""A webhook receiver for the hub's alarm tests: listens on 127.0.0.1 on a port the kernel chooses (written to
--port-file once listening), answers the first --fail-first POSTs with HTTP 500 and holds the first
--hang-first ones for 3 s (longer than the client's timeout) before answering. Every POST it accepts (200) is
decoded with Python's json module and appended, re-encoded with sorted keys, as one line of --log; a body
that is not JSON gets 400 and an "INVALID" line."""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--hang-first", type=int, default=0)
args = parser.parse_args()

lock = threading.Lock()
seen = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            seen += 1
            n = seen
        if n <= args.hang_first:
            time.sleep(3)
        if n <= args.hang_first + args.fail_first:
            self.answer(500)
            return
        try:
            line = json.dumps(json.loads(body), sort_keys=True)
            status = 200
        except ValueError:
            line, status = "INVALID", 400
        with lock, open(args.log, "a") as log:
            log.write(line + "\n")
        self.answer(status)

    def answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *unused):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
tmp = args.port_file + ".tmp"
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.replace(tmp, args.port_file)
server.serve_forever()
