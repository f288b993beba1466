#!/usr/bin/env python3
"""A stand-in for vpc-ipamd that speaks openvpc-ipam/1 (cni/cni-proto.h), for
testing the vpc-cni plugin alone: hands out the given addresses in order,
remembers allocations by (network, containerID, ifName), and can be told to
refuse.  Not a model of ipamd's pool; the real daemon has its own tests.

usage: fake_ipamd.py SOCKET --ips A,B,... [--route-table N] [--refuse CODE]
"""
import argparse
import json
import os
import socket
import struct

VERSION = "openvpc-ipam/1"


def recv_msg(conn):
    hdr = b""
    while len(hdr) < 4:
        chunk = conn.recv(4 - len(hdr))
        if not chunk:
            return None
        hdr += chunk
    (n,) = struct.unpack(">I", hdr)
    body = b""
    while len(body) < n:
        chunk = conn.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body)


def send_msg(conn, obj):
    body = json.dumps(obj).encode()
    conn.sendall(struct.pack(">I", len(body)) + body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--ips", required=True)
    ap.add_argument("--route-table", type=int, default=254)
    ap.add_argument("--refuse", type=int, default=0)
    args = ap.parse_args()
    free = args.ips.split(",")
    alloc = {}
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket)
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        with conn:
            req = recv_msg(conn)
            if req is None:
                continue
            key = (req.get("network"), req.get("containerID"), req.get("ifName"))
            ok = {"version": VERSION, "ok": True, "deviceNumber": 1,
                  "routeTable": args.route_table, "externalSnat": False,
                  "nodeIp": "10.0.96.5", "vpcCidrs": ["10.0.0.0/16"], "mtu": 9001}
            op = req.get("op")
            if req.get("version") != VERSION:
                send_msg(conn, {"version": VERSION, "ok": False, "code": 103, "msg": "version"})
            elif op == "ADD" and args.refuse:
                send_msg(conn, {"version": VERSION, "ok": False, "code": args.refuse,
                                "msg": "no free address on this node (max pods reached)"})
            elif op == "ADD":
                if key not in alloc:
                    alloc[key] = free.pop(0)
                send_msg(conn, dict(ok, ipv4=alloc[key]))
            elif op in ("DEL", "CHECK"):
                ip = alloc.pop(key, None) if op == "DEL" else alloc.get(key)
                if ip is None and op == "CHECK":
                    send_msg(conn, {"version": VERSION, "ok": False, "code": 3, "msg": "unknown pod"})
                else:
                    send_msg(conn, dict(ok, ipv4=ip or "0.0.0.0"))
            else:
                send_msg(conn, dict(ok, ipv4="0.0.0.0"))


if __name__ == "__main__":
    main()
