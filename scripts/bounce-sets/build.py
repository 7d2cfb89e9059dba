#!/usr/bin/env python3
"""Usage: build.py DIR (after fetch.sh DIR). Builds scoring sets for mailtrail's corpus test (BOUNCE_CORPUS=DIR) from other projects' labelled bounces.
flufl: python3-flufl.bounce 4.0 test data, labels from testing/helpers.py DATA and tests/test_detectors.py.
bp-held / bp-seen: Mail::DeliveryStatus::BounceParser 1.543 t/corpus, labels from its tests (dumped by a
stub check_report into src/bp-labels.jsonl, plus warnings.t / postfix.t read by hand), split by sha1(name).
sisimai-held / sisimai-seen: the same mails labelled by Sisimai 4.25.15 (src/sisimai-labels.jsonl): held =
flufl + bp-held, seen = bp-seen, so that no mail held out above becomes readable here."""
import hashlib, json, os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import NOT_BOUNCE, row  # noqa: E402
HERE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "/work/corpora")
SRC = os.path.join(HERE, 'src')

def write(name, rows, files):
    common.write(HERE, name, rows, files)

# ---- flufl
fl = os.path.join(SRC, 'flufl/usr/lib/python3/dist-packages/flufl/bounce')
helpers = open(os.path.join(fl, 'testing/helpers.py')).read()
data = helpers[helpers.index('DATA = ('):]
labels = {}
for m in re.finditer(r"\('(\w+)',\s*'([\w.]+)',\s*\[([^\]]*)\](,\s*True)?\)", data):
    addrs = re.findall(r"b'([^']+)'", m.group(3))
    f = m.group(2)
    prev = labels.get(f)
    if prev and prev[0] and not addrs: continue   # a second detector's entry that finds nothing
    labels[f] = (addrs, bool(m.group(4)))
labels.setdefault('llnl_01.txt', (['user1@example.gov'], False))
labels.setdefault('simple_03.txt', (['userx@example.za'], True))
labels['dumbass_01.txt'] = ([], False)  # "no address can be detected", a bounce
rows, files = [], {}
for f, (addrs, temp) in sorted(labels.items()):
    files[f] = os.path.join(fl, 'tests/data', f)
    if f == 'groupwise_03.txt':
        rows.append(row(f, 1, 0, 'not-bounce')); continue   # "Not a bounce but has confused groupwise"
    if not addrs and f != 'dumbass_01.txt':
        continue   # the test only says the detector finds nothing: no label to score
    if not addrs:
        rows.append(row(f, 1, None, 'bounce')); continue
    for i, a in enumerate(addrs, 1):
        rows.append(row(f, i, len(addrs), 'bounce', addresses=addrs, temporary=temp))
used = {r['file'] for r in rows}
write('flufl', rows, {k: v for k, v in files.items() if k in used})
own = {}   # (set, file) -> the collection's own label: (path, category, temporary, binary)
for r in rows:
    if r['recipient_index'] == 1:
        own[('sisimai-held', 'flufl/' + r['file'])] = (files[r['file']], r['category'], r.get('temporary'), False)

# ---- BounceParser
bp = os.path.join(SRC, 'bp/Mail-DeliveryStatus-BounceParser-1.543')
HARD = {'user_unknown': 'hard', 'domain_error': 'hard', 'over_quota': 'soft', 'spam': 'soft', 'user_disabled': 'soft',
        'message_too_large': 'soft'}
lab = {}
for l in open(os.path.join(SRC, 'bp-labels.jsonl')):
    r = json.loads(l)
    f = os.path.basename(r['file'])
    if f.startswith('message-too-large'): r.setdefault('std_reason', 'message_too_large')  # its test spells the key std_reaons
    lab[f] = r
# warnings.t and postfix.t call the parser directly
for n, reason in [(1, 'user_unknown'), (2, 'user_unknown'), (3, 'user_unknown'), (4, 'over_quota'), (5, None), (7, 'over_quota'), (9, None)]:
    lab[f'warning-{n}.msg'] = {'is_bounce': 1, 'std_reason': reason}
lab['warning-6.msg'] = {'is_bounce': 0}
lab['warning-8.msg'] = {'is_bounce': 0, 'transient': True}   # "not a bounce - transient nonfatal error"
lab['postfix.msg'] = {'is_bounce': 1, 'addresses': ['bounce@dest.example.com']}
lab['postfix-orig.msg'] = {'is_bounce': 1, 'addresses': ['original@dest.example.com']}
halves = {'bp-held': ([], {}), 'bp-seen': ([], {})}
for f, r in sorted(lab.items()):
    half = 'bp-held' if hashlib.sha1(f.encode()).digest()[0] % 2 == 0 else 'bp-seen'
    rows, files = halves[half]
    if not os.path.exists(os.path.join(bp, 't/corpus', f)):
        print('missing from the repacked tarball:', f); continue
    files[f] = os.path.join(bp, 't/corpus', f)
    addrs = r.get('addresses')
    reason = None if r.get('todo_std_reason') else r.get('std_reason')
    hard = HARD.get(reason) if reason else None
    if r.get('is_bounce'):
        cat, temp = 'bounce', None
    elif r.get('transient'):
        cat, temp = 'bounce', True
    else:
        cat, temp = 'not-bounce', None
    if cat != 'bounce': hard = None
    if addrs:
        for i, a in enumerate(addrs, 1):
            rows.append(row(f, i, len(addrs), cat, hard, addrs, temp, reason))
    else:
        r2 = row(f, 1, None, cat, hard, None, temp, reason)
        if cat == 'not-bounce': r2['binary'] = True   # is_bounce 0 says only "not a bounce": any kind but bounce/delay
        rows.append(r2)
for k, (rows, files) in halves.items():
    write(k, rows, files)
    for r in rows:
        if r['recipient_index'] == 1:
            own[('sisimai-held' if k == 'bp-held' else 'sisimai-seen', 'bp/' + r['file'])] = \
                (files[r['file']], r['category'], r.get('temporary'), bool(r.get('binary')))

# ---- Sisimai's verdicts on the same mails. Mapping (written down in README.md):
# kind: the collection's own label (people wrote it); Sisimai's reason only refines a "not a bounce" into
#   auto-reply (vacation), complaint (feedback) or delivery report (delivered). Where Sisimai calls a bounce
#   what the collection does not (or the reverse), the file keeps its own kind and gets no Sisimai rows.
# recipients, status: Sisimai's records in its order (status empty -> not scored).
# hard/soft: Sisimai's own verdict, the record's `softbounce` flag (4.25's SMTP::Error->soft_or_hard: 0 hard,
#   1 soft, -1 not a bounce), so the label is what Sisimai assigns, not our reading of its reason; a delayed
#   recipient is soft. The flag is checked against the dev corpus's rule from the reason (Sisimai 5's
#   is_hardbounce: userunknown, hostunknown, hasmoved, and notaccept with a 5.x status are hard) and any
#   record where the two part is counted and printed (none in 4.25.15's verdicts on these mails).
HARD_REASONS = {'userunknown', 'hostunknown', 'hasmoved'}
sis = {}
for l in open(os.path.join(SRC, 'sisimai-labels.jsonl')):
    r = json.loads(l)
    sis[os.path.realpath(os.path.join(SRC, r['file']))] = r['records']
disagree = {'sisimai-held': 0, 'sisimai-seen': 0}
flag_parts = {'sisimai-held': 0, 'sisimai-seen': 0}   # Sisimai's softbounce flag against the dev corpus's reason rule
sets = {'sisimai-held': ([], {}), 'sisimai-seen': ([], {})}
for (name, f), (path, cat, temp, binary) in sorted(own.items()):
    rows, files = sets[name]
    files[f] = path
    recs = sis.get(os.path.realpath(path), [])
    reasons = {e['reason'] for e in recs}
    sis_kind = NOT_BOUNCE.get(next(iter(reasons))) if len(reasons) == 1 else None
    if recs and cat == 'not-bounce' and sis_kind:
        r = row(f, 1, None, sis_kind)   # Sisimai names which kind of non-bounce it is
        rows.append(r); continue
    if not recs or (cat == 'bounce') != (sis_kind is None):
        if recs: disagree[name] += 1
        r = row(f, 1, None, cat, temporary=temp)
        if binary: r['binary'] = True
        rows.append(r); continue
    for i, e in enumerate(recs, 1):
        st = e['deliverystatus'] or None
        hard = 'hard' if e['softbounce'] == 0 else 'soft'
        by_reason = 'hard' if e['reason'] in HARD_REASONS or (e['reason'] == 'notaccept' and (st or '').startswith('5')) else 'soft'
        if by_reason != hard: flag_parts[name] += 1
        if e['action'] == 'delayed': hard = 'soft'
        rows.append(row(f, i, len(recs), cat, hard, temporary=temp, reason=e['reason']) | {'status': st})
for k, (rows, files) in sets.items():
    write(k, rows, files)
    print(k, 'files whose kind Sisimai and the collection disagree on (no Sisimai rows):', disagree[k])
    print(k, "records whose softbounce flag and the dev corpus's reason rule part:", flag_parts[k])
