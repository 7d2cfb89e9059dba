package TestBounceParser;
use strict; use warnings; use JSON::PP; use Exporter 'import';
our @EXPORT = qw(readfile check_report);
sub readfile { my $fn = shift; open my $fh, '<', $fn or die $!; local $/; <$fh> }
sub check_report { my ($f, %e) = @_; my %o = (file => $f); for my $k (qw(is_bounce addresses std_reason todo_is_bounce todo_std_reason status smtp_code reports)) { $o{$k} = $e{$k} if exists $e{$k} }
  open my $out, '>>', $ENV{LABELS_OUT} or die; print $out JSON::PP->new->canonical->encode(\%o), "\n"; close $out;
  return Mail::DeliveryStatus::BounceParser->new; }
1;
