#!/usr/bin/env python3
"""A stand-in for the GitHub REST API endpoints `mlsec publish` calls, for the act runs of the
example workflow (tests/packaging/act-example.sh): it answers like GitHub and appends one JSON line
per request to LOG (method, path, whether the token was sent, and what the body carried: the
check run's conclusion and annotation count, the SARIF upload's ref and decoded run count). The
request-level details (batching, retries, limits) are tested against a stricter server in
crates/mlsec-ci; this one proves the action really publishes from a workflow run.

Usage: fake-github-api.py PORT_FILE LOG (binds 127.0.0.1 on a free port, writes it to PORT_FILE).
"""
import base64
import gzip
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port_file, log_file = sys.argv[1], sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else {}
        entry = {
            "method": self.command,
            "path": self.path,
            "token": self.headers.get("Authorization", "") in ("Bearer test-token", "token test-token"),
        }
        path = self.path.split("?")[0]
        if self.command == "POST" and re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs", path):
            out = body.get("output", {})
            entry.update(name=body.get("name"), head_sha=body.get("head_sha"), conclusion=body.get("conclusion"),
                         annotations=len(out.get("annotations", [])),
                         annotation_paths=sorted({a["path"] for a in out.get("annotations", [])}))
            reply = (201, {"id": 4242})
        elif self.command == "PATCH" and re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs/\d+", path):
            entry.update(annotations=len(body.get("output", {}).get("annotations", [])))
            reply = (200, {"id": 4242})
        elif self.command == "GET" and re.fullmatch(r"/repos/[^/]+/[^/]+/issues/\d+/comments", path):
            reply = (200, [])
        elif self.command == "POST" and re.fullmatch(r"/repos/[^/]+/[^/]+/issues/\d+/comments", path):
            reply = (201, {"id": 77})
        elif self.command == "POST" and re.fullmatch(r"/repos/[^/]+/[^/]+/code-scanning/sarifs", path):
            sarif = json.loads(gzip.decompress(base64.b64decode(body["sarif"])))
            entry.update(ref=body.get("ref"), commit_sha=body.get("commit_sha"), runs=len(sarif["runs"]),
                         category=sarif["runs"][0].get("automationDetails", {}).get("id"))
            reply = (202, {"id": "sarif-%d" % len(body["sarif"]), "url": "https://example.invalid"})
        else:
            reply = (404, {"message": "Not Found"})
        entry["status"] = reply[0]
        with open(log_file, "a") as f:
            f.write(json.dumps(entry) + "\n")
        self._reply(*reply)

    do_GET = do_POST = do_PATCH = do_PUT = _handle

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
