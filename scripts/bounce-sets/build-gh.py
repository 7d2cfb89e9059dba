#!/usr/bin/env python3
"""Usage: build-gh.py DIR. Builds scoring sets from bounce collections in public GitHub repositories, copied
(by hand, file by file: see README.md) into DIR/gh/<collection>/emails with a MANIFEST.tsv (repo, path, commit)
and, where the collection's tests say what a mail is, labels.jsonl in the collection's own terms.

gh-crisp: crisp-oss/email-bounce-parser's test fixtures: notice bodies without a header (the text part of real
  bounces, most of them Postfix's), each given here the same neutral header (a daemon sender, the subject
  "Delivery Status Notification", used by several MTAs for failures and delays alike) so that the body alone
  decides. Labels: the collection's expected recipient (the failed-address set) and enhanced status; hard/soft
  from its category (`data.type`): no_such_recipient on a 5xx hard; full, over quota, spam content,
  reputation, blocking, rate limiting, authentication failure, server timeout soft; server_unknown (both DNS
  failures and unreachable hosts) and files without a category not scored.
gh-sisimai: every other copied collection's mails (PHP-Bounce-Handler, emailengine, osandum, ronbeltran, flanker,
  CwsMailBounceHandler, Discourse) labelled by Sisimai 4.25.15 (as sisimai-held/-seen, see
  build.py); a mail its collection's tests call no bounce (ronbeltran's is_bounced false, a Discourse spec
  taking it as a post or reply) is scored as not a bounce (any kind but bounce or delay).
gh-s38: the same, for the collections copied in session 38 (help desks' and more libraries' fixtures).
gh-s39: the same, for session 39's (small bounce detectors' and newsletter tools' fixtures, mostly written by hand).
"""
import hashlib, json, os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import NOT_BOUNCE, row  # noqa: E402
HERE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '/work/corpora')
GH = os.path.join(HERE, 'gh')
SCRIPTS = os.path.dirname(os.path.abspath(__file__))

def write(name, rows, files):
    common.write(HERE, name, rows, files)

# ---- crisp
HEADER = (b'From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>\nTo: sender@example.org\n'
          b'Subject: Delivery Status Notification\nDate: Thu, 1 Jan 2026 00:00:00 +0000\nMIME-Version: 1.0\n'
          b'Content-Type: text/plain; charset=utf-8\nAuto-Submitted: auto-replied\n\n')
SOFT = {'mailbox_full', 'mailbox_over_quota', 'spam_content', 'reputation', 'ip_blocked_spam', 'authentication_failure',
        'server_timeout', 'recipient_disabled_or_recipient_rate_limited', 'action_not_taken_mailbox_rate_limited'}
src = os.path.join(GH, 'crisp')
rows, files = [], {}
if os.path.isdir(src):
    for l in open(os.path.join(src, 'labels.jsonl')):
        r = json.loads(l)
        f = r['file']
        body = open(os.path.join(src, 'emails', f), 'rb').read()
        files[f] = HEADER + body
        typ = (r.get('data') or {}).get('type')
        code = r.get('code') if isinstance(r.get('code'), dict) else {}
        basic = str(code.get('basic') or r.get('code') or '')
        hard = None
        if typ == 'no_such_recipient': hard = 'hard' if basic.startswith('5') else 'soft'
        elif typ in SOFT: hard = 'soft'
        rcpt = r.get('recipient')
        rows.append(row(f, 1, None, 'bounce', hard, [rcpt] if rcpt else None, reason=typ, status=code.get('enhanced')))
    write('gh-crisp', rows, files)

# ---- the other collections' mails, Sisimai's verdicts (mapping as build.py's sisimai-* sets). Collections copied
# in a later round form a set of their own, so that each round's figures stay comparable.
LATER = {'helpdesks': 'gh-s38', 'more-libs': 'gh-s38', 'more-libs2': 'gh-s38', 'more-libs3': 'gh-s38',
         's39-php': 'gh-s39', 's39-pyrb': 'gh-s39', 's39-other': 'gh-s39'}
perl = ['perl', '-I' + os.path.join(HERE, 'src/sisimai/usr/share/perl5'), os.path.join(SCRIPTS, 'sisimai-labels.pl')]


def sisimai_set(name, collections):
    paths, seen = {}, set()
    for coll in collections:
        for f in sorted(os.listdir(os.path.join(GH, coll, 'emails'))):
            path = os.path.join(GH, coll, 'emails', f)
            digest = hashlib.sha1(open(path, 'rb').read()).hexdigest()
            if digest in seen: continue   # the same mail copied from two places is scored once
            seen.add(digest)
            paths[f'{coll}/{f}'] = path
    own = {}   # the collections' own word where their tests say a mail is not a bounce
    for coll in collections:
        lab = os.path.join(GH, coll, 'labels.jsonl')
        if not os.path.exists(lab): continue
        for l in open(lab):
            r = json.loads(l)
            # ronbeltran's is_bounced false; Discourse's spec taking a mail as a post or reply (an ordinary mail).
            if r.get('is_bounced') is False or r.get('is_bounce') is False or r.get('creates'): own[f"{coll}/{r['file']}"] = 'not-bounce'
    out = subprocess.run(perl + list(paths.values()), capture_output=True, text=True, check=True).stdout
    sis = {json.loads(l)['file']: json.loads(l)['records'] for l in out.splitlines()}
    rows, files, unlabelled = [], {}, 0
    for key, path in paths.items():
        recs = sis.get(path, [])
        if key in own:
            files[key] = path
            rows.append(row(key, 1, None, 'not-bounce') | {'binary': True}); continue
        if not recs:
            unlabelled += 1; continue   # Sisimai finds nothing and the collection says nothing: no label to score
        files[key] = path
        reasons = {e['reason'] for e in recs}
        kind = NOT_BOUNCE.get(next(iter(reasons))) if len(reasons) == 1 else None
        if kind:
            rows.append(row(key, 1, None, kind)); continue
        for i, e in enumerate(recs, 1):
            st = e['deliverystatus'] or None
            hard = 'hard' if e['softbounce'] == 0 else 'soft'
            if e['action'] == 'delayed': hard = 'soft'
            rows.append(row(key, i, len(recs), 'bounce', hard, reason=e['reason'], status=st))
    write(name, rows, files)
    print(f'{name}: mails with neither a Sisimai verdict nor a label of their collection (not scored):', unlabelled)


present = [c for c in sorted(os.listdir(GH)) if c != 'crisp' and os.path.isdir(os.path.join(GH, c, 'emails'))]
first = [c for c in present if c not in LATER]
if first: sisimai_set('gh-sisimai', first)
for name in sorted(set(LATER.values())):
    if any(LATER.get(c) == name for c in present):
        sisimai_set(name, [c for c in present if LATER.get(c) == name])
