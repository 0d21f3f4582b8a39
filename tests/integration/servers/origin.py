#!/usr/bin/env python3
"""A real HTTP/1.1 origin on loopback for the egress tests: serves a directory (a git
repository served the "dumb" way, fixture files) and /echo, which answers with what it saw
(chunked request bodies included); /ws with Upgrade: websocket answers 101 and then echoes bytes.
With --tls CERT KEY it speaks HTTPS; --bind ADDR listens on another of the host's IPv4
addresses. Prints its port on stdout once it listens."""
import argparse
import http.server
import json
import ssl
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length else b""

    def _websocket(self):
        # Not the websocket protocol: after the 101 the origin echoes whatever bytes come,
        # which is all a tunnel test needs to see that both ways became bytes.
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        while True:
            data = self.connection.recv(65536)
            if not data:
                return
            self.connection.sendall(data)

    def _echo(self):
        body = self._body()
        reply = json.dumps({
            "method": self.command,
            "path": self.path,
            "host": self.headers.get("Host", ""),
            "body": body.decode("utf-8", "replace"),
            "proxy_authorization": self.headers.get("Proxy-Authorization", ""),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_GET(self):
        if self.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self._websocket()
        if self.path.startswith("/echo"):
            return self._echo()
        return super().do_GET()

    def do_POST(self):
        return self._echo()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--directory", default=".")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--bind", default="127.0.0.1", help="the IPv4 address to listen on")
    args = parser.parse_args()
    handler = lambda *a, **k: Handler(*a, directory=args.directory, **k)
    server = http.server.ThreadingHTTPServer((args.bind, 0), handler)
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
