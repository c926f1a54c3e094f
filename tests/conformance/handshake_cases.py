# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""The opening handshake (RFC 6455 4), which differs by role: requests
echo_server must refuse or accept, and answers client_testee must refuse
or accept."""

import base64
import os
import socket
import time

import peer
import wsframe as wf
from peer import fail

TEXT = wf.OP_TEXT

# ---- server role: this script is the client ---------------------------------------


def hs_accept(t, mutate):
    """A request that is valid however unusual: 101, then an echo."""
    key = peer.new_key()
    c = t.raw()
    c.send(mutate(t.port, key))
    status, headers, rest = peer.read_http_head(c.sock, time.monotonic() + 5.0)
    peer.check_101(status, headers, key)
    c.buf += rest
    c.send_frame(TEXT, b"after an unusual handshake")
    c.expect_message(TEXT, b"after an unusual handshake")
    t.close_normally(c)


def hs_refuse(t, request, statuses, version_header=False):
    """A request that is not a valid opening handshake: an HTTP error
    status (RFC 6455 4.2.1, 4.2.2), then the server closes TCP."""
    c = t.raw()
    c.send(request(t.port, peer.new_key()))
    status, headers, rest = peer.read_http_head(c.sock, time.monotonic() + 5.0)
    parts = status.split(" ", 2)
    code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    if code not in statuses:
        fail("expected HTTP status %s, got %r" % ("/".join(map(str, statuses)), status))
    if version_header and not peer.has_token(peer.header(headers, "sec-websocket-version"), "13"):
        fail("refusal of an unknown version without Sec-WebSocket-Version: 13 (RFC 6455 4.4): %r"
             % peer.header(headers, "sec-websocket-version"))
    # The body, if any, then the end of the connection.
    deadline = time.monotonic() + 5.0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail("the server did not close the connection within 5 s after refusing the handshake")
        c.sock.settimeout(remaining)
        try:
            data = c.sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not data:
            break


def req(**kw):
    return lambda port, key: peer.client_request("/", key, port, **kw)


def raw_req(text):
    return lambda port, key: text.replace("{port}", str(port)).replace("{key}", key).encode("latin-1")


def hs_chunked(t):
    c = t.open(chunks=1, pause=0.0003)
    c.send_frame(TEXT, b"after a request written byte by byte")
    c.expect_message(TEXT, b"after a request written byte by byte")
    t.close_normally(c)


def hs_frame_with_request(t):
    """The first frame in the same write as the request must not be lost."""
    c = t.open(extra=wf.encode(TEXT, b"early bird", masked=True))
    c.expect_message(TEXT, b"early bird")
    t.close_normally(c)


def slow_request_dropped(t):
    """A request that never ends (slowloris) is dropped after the server's
    handshake timeout (echo_server keeps wsx's default, 10 s)."""
    c = t.raw()
    c.send(peer.client_request("/", peer.new_key(), t.port)[:40])
    deadline = time.monotonic() + 20.0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail("an unfinished request was not dropped within 20 s")
        c.sock.settimeout(remaining)
        try:
            data = c.sock.recv(4096)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return
        if not data:
            return
        # An HTTP error answer (408) is fine too; the end must follow.


def silent_peer_dropped(t):
    """After failing a connection the server waits for the peer's close
    only so long (RFC 6455 7.1.7 ends in _Close the WebSocket Connection_):
    a peer that never answers and never closes is dropped."""
    c = t.raw_ws()
    c.send_frame(wf.OP_PING, b"p" * 126)
    c.expect_close(1002)
    deadline = time.monotonic() + 20.0
    while time.monotonic() < deadline:
        try:
            # Once the server's socket is gone, a write draws a reset.
            c.sock.sendall(b"\x00")
        except OSError:
            return
        time.sleep(0.25)
    fail("the server still holds the connection 20 s after failing it and getting no answer")


def register_server(reg):
    reg.add("handshake/slow_request_dropped", slow_request_dropped, timeout=25.0)
    reg.add("close/silent_peer_dropped_after_failure", silent_peer_dropped, timeout=25.0)
    reg.add("handshake/subprotocol_offered_not_chosen",
            hs_accept, req(extra_headers=[("Sec-WebSocket-Protocol", "chat, superchat")]))
    reg.add("handshake/permessage_deflate_offered",
            hs_accept, req(extra_headers=[("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")]))
    reg.add("handshake/request_byte_by_byte", hs_chunked)
    reg.add("handshake/frame_in_same_write_as_request", hs_frame_with_request)
    reg.add("handshake/upgrade_header_mixed_case",
            hs_accept, raw_req("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: WebSocket\r\n"
                               "Connection: upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"))
    reg.add("handshake/connection_token_list",
            hs_accept, raw_req("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                               "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                               "Sec-WebSocket-Version: 13\r\n\r\n"))
    reg.add("handshake/unknown_extension_offered_not_accepted",
            hs_accept, req(extra_headers=[("Sec-WebSocket-Extensions", "x-unknown-extension")]))
    reg.add("handshake/version_8", hs_refuse,
            req(omit=["Sec-WebSocket-Version"], extra_headers=[("Sec-WebSocket-Version", "8")]),
            (400, 426), True)
    reg.add("handshake/version_missing", hs_refuse, req(omit=["Sec-WebSocket-Version"]), (400, 426))
    reg.add("handshake/key_missing", hs_refuse, req(omit=["Sec-WebSocket-Key"]), (400,))
    reg.add("handshake/key_15_bytes", hs_refuse,
            raw_req("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: " + base64.b64encode(os.urandom(15)).decode() +
                    "\r\nSec-WebSocket-Version: 13\r\n\r\n"), (400,))
    reg.add("handshake/key_not_base64", hs_refuse,
            raw_req("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: !!!!not*base64!!!!!!!==\r\nSec-WebSocket-Version: 13\r\n\r\n"), (400,))
    reg.add("handshake/method_post", hs_refuse, req(method="POST"), (400, 405))
    reg.add("handshake/http_1_0", hs_refuse, req(version="HTTP/1.0"), (400, 426, 505))
    reg.add("handshake/upgrade_missing", hs_refuse, req(omit=["Upgrade"]), (400, 426))
    reg.add("handshake/upgrade_not_websocket", hs_refuse,
            req(omit=["Upgrade"], extra_headers=[("Upgrade", "h2c")]), (400, 426))
    reg.add("handshake/connection_missing", hs_refuse, req(omit=["Connection"]), (400, 426))
    reg.add("handshake/host_missing", hs_refuse, req(omit=["Host"]), (400,))
    reg.add("handshake/not_http", hs_refuse, raw_req("hello there\r\n\r\n"), (400,))
    reg.add("handshake/header_too_large", hs_refuse,
            req(extra_headers=[("X-Big", "b" * 20000)]), (400, 413, 431))


# ---- client role: this script is the server -----------------------------------------


def response(status="101 Switching Protocols", accept=True, drop=(), extra=(), version="HTTP/1.1",
             upgrade="websocket", connection="Upgrade"):
    def make(key):
        hs = [("Upgrade", upgrade), ("Connection", connection)]
        if accept is True:
            hs.append(("Sec-WebSocket-Accept", wf.accept_key(key)))
        elif accept:
            hs.append(("Sec-WebSocket-Accept", accept))
        hs = [(n, v) for n, v in hs if n not in drop] + list(extra)
        return ("%s %s\r\n" % (version, status) + "".join("%s: %s\r\n" % h for h in hs) + "\r\n").encode("latin-1")
    return make


def testee_refuses(t, answer, close_first=False):
    """The testee must fail the connection (RFC 6455 4.1: "the client MUST
    _Fail the WebSocket Connection_"): no on_open, an on_error, on_close
    with 1006, and not a single frame on the wire."""
    t.spawn()
    c, start, headers = t.accept_request()
    t.check_request(start, headers)
    if close_first:
        c.close()
    else:
        key = peer.header(headers, "sec-websocket-key")
        c.send(answer(key))
        c.expect_eof(5.0, "the testee to drop the connection after a bad handshake answer")
        c.close()
    t.wait_exit()
    t.check_lines(False, 1006, True)


def testee_accepts(t, answer, chunks=None):
    t.spawn()
    c, start, headers = t.accept_request()
    t.check_request(start, headers)
    c.send(answer(peer.header(headers, "sec-websocket-key")), chunks=chunks, pause=0.0003 if chunks else 0)
    c.send_frame(TEXT, b"after an unusual answer")
    c.expect_message(TEXT, b"after an unusual answer")
    t.close_normally(c)


def frame_with_101(t):
    c = t.open(extra=wf.encode(TEXT, b"early bird"))
    c.expect_message(TEXT, b"early bird")
    t.close_normally(c)


def plain(t):
    c = t.open()
    t.close_normally(c)


def server_keeps_tcp_open(t):
    """We close and get the answer but keep TCP open: the client may close
    TCP itself after a while (RFC 6455 7.1.1) and must, to free its
    resources. The closing handshake did complete: no error."""
    c = t.open()
    c.send_frame(wf.OP_CLOSE, wf.close_payload(1000, b"bye"))
    c.expect_close(1000)
    c.expect_eof(20.0, "the testee to close TCP when the server does not")
    c.close()
    t.wait_exit()
    t.check_lines(True, 1000, False)


def silent_server_dropped(t):
    """The testee fails the connection and we neither answer nor close
    TCP: it must give up on its own (RFC 6455 7.1.7) and end."""
    c = t.open()
    c.send_frame(wf.OP_PING, b"p" * 126)
    c.expect_close(1002)
    t.wait_exit(20.0)
    t.check_lines(True, 1002, True)


def register_client(reg):
    reg.add("close/silent_server_dropped_after_failure", silent_server_dropped, timeout=25.0)
    reg.add("close/server_keeps_tcp_open", server_keeps_tcp_open, timeout=25.0)
    reg.add("handshake/request_and_close", plain)
    reg.add("handshake/frame_in_same_write_as_101", frame_with_101)
    reg.add("handshake/101_byte_by_byte", testee_accepts, response(), 1)
    reg.add("handshake/101_mixed_case_and_token_list", testee_accepts,
            response(upgrade="WebSocket", connection="keep-alive, upgrade"))
    reg.add("handshake/wrong_accept", testee_refuses, response(accept=wf.accept_key("dGhlIHNhbXBsZSBub25jZQ==")))
    reg.add("handshake/missing_accept", testee_refuses, response(accept=False))
    reg.add("handshake/status_200", testee_refuses, response(status="200 OK"))
    reg.add("handshake/status_403", testee_refuses,
            response(status="403 Forbidden", extra=[("Content-Length", "0")]))
    reg.add("handshake/upgrade_missing", testee_refuses, response(drop=("Upgrade",)))
    reg.add("handshake/upgrade_not_websocket", testee_refuses, response(upgrade="h2c"))
    reg.add("handshake/connection_missing", testee_refuses, response(drop=("Connection",)))
    reg.add("handshake/unsolicited_extension", testee_refuses,
            response(extra=[("Sec-WebSocket-Extensions", "permessage-deflate")]))
    reg.add("handshake/unsolicited_subprotocol", testee_refuses,
            response(extra=[("Sec-WebSocket-Protocol", "chat")]))
    reg.add("handshake/http_1_0", testee_refuses, response(version="HTTP/1.0"))
    reg.add("handshake/not_http", testee_refuses, lambda key: b"hello there\r\n\r\n")
    reg.add("handshake/closed_before_answer", testee_refuses, None, True)
