#!/usr/bin/python3
"""Verifies every DKIM-Signature of the message on stdin with dkimpy (Debian python3-dkim), an implementation
independent of mailtrail's signer, fetching keys with dnspython from the DNS server given as IP:PORT.
Prints one JSON line per signature: {"index", "d", "s", "a", "ok", "error"}. Exit 0 always (the caller judges)."""
import json
import sys

import dkim
import dns.resolver

host, port = sys.argv[1].rsplit(':', 1)
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [host]
resolver.port = int(port)
resolver.lifetime = 3


def dnsfunc(name, timeout=5):
    # dkimpy's own get_txt does the same with the system resolver: the strings of the first TXT record, joined.
    answer = resolver.resolve(name.decode('ascii').rstrip('.'), 'TXT')
    return b''.join(answer[0].strings)


message = sys.stdin.buffer.read()
d = dkim.DKIM(message)
count = sum(1 for h in d.headers if h[0].lower() == b'dkim-signature')
for i in range(count):
    v = dkim.DKIM(message)
    try:
        ok = v.verify(idx=i, dnsfunc=dnsfunc)
        error = None
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails with it
        ok, error = False, f'{type(e).__name__}: {e}'
    sig = v.signature_fields or {}
    print(json.dumps({
        'index': i,
        'd': sig.get(b'd', b'').decode(),
        's': sig.get(b's', b'').decode(),
        'a': sig.get(b'a', b'').decode(),
        'h': sig.get(b'h', b'').decode(),
        'ok': bool(ok),
        'error': error,
    }))
