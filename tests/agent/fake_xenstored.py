#!/usr/bin/env python3
# fake_xenstored.py SOCKET LOG: a stand-in for xenstored for hbagent's tests.
# Listens on the UNIX socket SOCKET (give it to libxenstore as
# $XENSTORED_PATH), answers XS_WRITE with "OK" and appends "path=value" to
# LOG (one line per write); every other request gets XS_ERROR "ENOSYS".
import os
import socket
import struct
import sys
import threading

XS_WRITE, XS_ERROR = 11, 16
HDR = struct.Struct("=IIII")  # type, req_id, tx_id, len (native order)


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def serve(conn, log):
    try:
        while True:
            typ, req, tx, n = HDR.unpack(recv_exact(conn, HDR.size))
            body = recv_exact(conn, n)
            if typ == XS_WRITE:
                path, _, value = body.partition(b"\0")
                with open(log, "ab") as f:
                    f.write(path + b"=" + value + b"\n")
                reply = (XS_WRITE, b"OK\0")
            else:
                reply = (XS_ERROR, b"ENOSYS\0")
            conn.sendall(HDR.pack(reply[0], req, tx, len(reply[1])) + reply[1])
    except (EOFError, OSError):
        conn.close()


def main():
    path, log = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, log), daemon=True).start()


if __name__ == "__main__":
    main()
