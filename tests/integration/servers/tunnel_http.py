#!/usr/bin/env python3
"""Plain HTTP through a tunnel, from inside the box: each scenario opens one connection (CONNECT
through the HTTP proxy, SOCKS5, or directly for the transparent capture), sends its requests
and prints one line: the Host values the origin's /echo saw, in order, and what else happened.
Usage: tunnel_http.py connect|socks5|transparent HOST PORT"""
import json
import re
import socket
import struct
import sys
import time

MODE, HOST, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
AUTH = f"{HOST}:{PORT}"


def open_tunnel():
    if MODE == "transparent":
        return socket.create_connection((HOST, PORT), timeout=5)
    if MODE == "connect":
        s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
        s.sendall(f"CONNECT {AUTH} HTTP/1.1\r\nHost: {AUTH}\r\n\r\n".encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += s.recv(1)
        assert b" 200 " in reply.split(b"\r\n")[0], reply
        return s
    s = socket.create_connection(("127.0.0.1", 1080), timeout=5)
    s.sendall(b"\x05\x01\x00")
    assert s.recv(2) == b"\x05\x00"
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(HOST)]) + HOST.encode() + struct.pack(">H", PORT))
    reply = s.recv(10)
    assert reply[1] == 0, reply
    return s


def read_all(s, seconds=2.0):
    out = b""
    end = time.time() + seconds
    s.settimeout(0.3)
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:  # a reset: cordon closed with bytes of ours unread
            return out, True
        if not d:
            return out, True
        out += d
    return out, False


def hosts(data):
    return [m.group(1).decode() for m in re.finditer(rb'"host": "([^"]*)"', data)]


def req(host, path="/echo", extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def report(name, data, closed, more=""):
    print(f"{name}: hosts={','.join(hosts(data))} closed={int(closed)}{more}", flush=True)


def run(name, *sends):
    s = open_tunnel()
    data = b""
    for chunk in sends:
        s.sendall(chunk)
        got, closed = read_all(s, 1.5)
        data += got
        if closed:
            break
    else:
        closed = read_all(s, 0.5)[1]
    report(name, data, closed)
    s.close()


FOREIGN = "attacker.example"
run("keepalive", req(AUTH), req(AUTH))
run("foreign_first", req(FOREIGN))
run("foreign_absolute", f"GET http://{FOREIGN}/echo HTTP/1.1\r\nHost: {FOREIGN}\r\n\r\n".encode())
run("foreign_second", req(AUTH), req(FOREIGN))
run("foreign_pipelined", req(AUTH) + req(FOREIGN))
run("no_host", b"GET /echo HTTP/1.0\r\n\r\n")
body = req(FOREIGN).decode()
chunked = (f"POST /echo HTTP/1.1\r\nHost: {AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n"
           f"{len(body):x}\r\n{body}\r\n0\r\n\r\n").encode()
run("chunked_fake_head", chunked, req(AUTH))
run("h2c_upgrade", req(AUTH, extra="Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n"))
run("h2c_prior_knowledge", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

# A websocket-style upgrade: after the origin's 101, both ways are the application's bytes.
s = open_tunnel()
s.sendall(req(AUTH, "/ws", "Connection: Upgrade\r\nUpgrade: websocket\r\n"))
data, closed = read_all(s, 1.5)
switched = data.startswith(b"HTTP/1.1 101")
s.sendall(b"frame-bytes " + req(FOREIGN))
echoed, closed = read_all(s, 1.5)
print(f"websocket: switched={int(switched)} echoed={int(b'frame-bytes' in echoed)}", flush=True)
s.close()
