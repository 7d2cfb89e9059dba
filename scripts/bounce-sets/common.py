"""What build.py and build-gh.py share: writing a scoring set (DIR/<name>/emails + expected.jsonl) and its rows."""
import json, os, shutil

# Sisimai reasons that name a kind of mail other than a bounce.
NOT_BOUNCE = {'vacation': 'auto-reply', 'feedback': 'feedback-loop', 'delivered': 'delivered'}


def write(here, name, rows, files):
    """files: local name -> the mail, as a path to copy or as bytes."""
    d = os.path.join(here, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, 'emails'))
    for base, mail in files.items():
        target = os.path.join(d, 'emails', base)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if isinstance(mail, bytes):
            with open(target, 'wb') as f:
                f.write(mail)
        else:
            shutil.copy(mail, target)
    with open(os.path.join(d, 'expected.jsonl'), 'w') as f:
        for r in rows:
            f.write(json.dumps(r) + '\n')
    print(name, len(files), 'files', len(rows), 'rows')


def row(file, i, n, cat, hard=None, addresses=None, temporary=None, reason=None, status=None):
    r = dict(file=file, recipient_index=i, recipients_in_file=n, status=status, reason=reason, hard_or_soft=hard,
             category=cat, p5_v5_1_agrees=None)
    if addresses is not None: r['addresses'] = addresses
    if temporary is not None: r['temporary'] = temporary
    return r
