#!/usr/bin/perl
# Usage (fetch.sh runs it): perl -I DIR/src/sisimai/usr/share/perl5 sisimai-labels.pl FILE... > labels.jsonl
# Runs Sisimai 4.25.15 (Debian's libsisimai-perl, unpacked by fetch.sh) on each mail and writes one JSON line
# per file: {"file": path, "records": [Sisimai's verdict per recipient]}. Its verdicts become labels of a
# scoring set (build.py): Sisimai is the project whose tests label the dev corpus, run here on mails it
# was not tuned on by us. "delivered" and "vacation" ask Sisimai to report those mails too, not drop them.
use strict;
use warnings;
use Sisimai;
use JSON;
my $json = JSON->new->canonical;
for my $file (@ARGV) {
    open my $fh, '<:raw', $file or die "$file: $!";
    my $text = do { local $/; <$fh> };
    close $fh;
    my $data = eval { Sisimai->make(\$text, delivered => 1, vacation => 1) } || [];
    my @records;
    for my $e (@$data) {
        my $h = $e->damn;
        push @records, { map { $_ => $h->{$_} } qw(recipient alias deliverystatus replycode reason softbounce action smtpagent feedbacktype) };
    }
    print $json->encode({ file => $file, records => \@records }), "\n";
}
