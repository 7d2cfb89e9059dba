#!/bin/sh
# Fetches the two labelled bounce collections into DIR/src (outside the repository: their mails and labels
# belong to their projects), dumps BounceParser's test expectations to DIR/src/bp-labels.jsonl, and Sisimai's
# verdicts on both collections' mails to DIR/src/sisimai-labels.jsonl.
# Then: python3 build.py DIR; score with score-all.sh. Needs apt (Debian bookworm mirror) and perl.
set -e
dir=${1:-/work/corpora}; here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir/src/aptsrc/lists/partial" && cd "$dir/src"
apt-get download python3-flufl.bounce && dpkg-deb -x python3-flufl.bounce_*_all.deb flufl
# deb-src through a private sources list and lists directory: the system's apt configuration is left alone.
echo 'deb-src http://deb.debian.org/debian bookworm main' > aptsrc/sources.list
opts="-o Dir::Etc::sourcelist=$PWD/aptsrc/sources.list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=$PWD/aptsrc/lists"
apt-get $opts update
apt-get $opts source --download-only libmail-deliverystatus-bounceparser-perl || true   # the .orig tarball is what is needed
mkdir -p bp && tar -xJf libmail-deliverystatus-bounceparser-perl_*.orig.tar.xz -C bp
cd bp/Mail-DeliveryStatus-BounceParser-*
rm -f "$dir/src/bp-labels.jsonl"
# Each test file runs with a check_report that writes its expectations instead of checking them.
for t in t/*.t; do
  LABELS_OUT="$dir/src/bp-labels.jsonl" perl -I"$here/stub" -MMail::DeliveryStatus::BounceParser -MTestBounceParser -e 'do "./$ARGV[0]"' "$t" >/dev/null 2>&1 || true
done
wc -l "$dir/src/bp-labels.jsonl"

# Sisimai 4.25.15 from Debian's binary package (its source package, which holds Sisimai's own mails, is not
# served by the mirror this was written on), unpacked beside the mails, never installed: it labels the mails
# of both collections above (recipients, status, reason; build.py maps them).
cd "$dir/src"
apt-get download libsisimai-perl libclass-accessor-lite-perl
mkdir -p sisimai && for d in libsisimai-perl_*_all.deb libclass-accessor-lite-perl_*_all.deb; do dpkg-deb -x "$d" sisimai; done
perl -Isisimai/usr/share/perl5 "$here/sisimai-labels.pl" flufl/usr/lib/python3/dist-packages/flufl/bounce/tests/data/* \
  bp/Mail-DeliveryStatus-BounceParser-*/t/corpus/* > sisimai-labels.jsonl
wc -l sisimai-labels.jsonl
