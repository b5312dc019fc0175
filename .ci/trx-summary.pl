#!/usr/bin/env perl
# Reads the .trx files of one test run and prints what .ci/run reports: the counts, the names of failed tests, and how many
# tests of a given list (the PostgreSQL tests, by fully qualified method name) ran.
#   trx-summary.pl RESULTS_DIR LIST_FILE
# Output, first line: "passed failed skipped total listed_ran"; then one "FAILED <test name> (<assembly>)" line per failure.
# Plain regular expressions over the TRX format, so that no XML module is needed (perl-base is on every Debian image).
use strict;
use warnings;

my ($dir, $list) = @ARGV;
die "usage: $0 RESULTS_DIR LIST_FILE\n" unless defined $dir && defined $list;

my %listed;
if (open my $fh, '<', $list) {
  while (<$fh>) { s/\s+$//; $listed{$_} = 1 if length; }
  close $fh;
}

sub unescape { my $s = shift; $s =~ s/&quot;/"/g; $s =~ s/&apos;/'/g; $s =~ s/&lt;/</g; $s =~ s/&gt;/>/g; $s =~ s/&amp;/&/g; return $s; }
sub attributes { my %a; my $tag = shift; $a{$1} = unescape($2) while $tag =~ /(\w+)="([^"]*)"/g; return %a; }

my ($passed, $failed, $skipped, $ran_listed) = (0, 0, 0, 0);
my @failures;
for my $file (sort glob("$dir/*.trx")) {
  local $/;
  open my $fh, '<', $file or die "cannot read $file: $!\n";
  my $xml = <$fh>;
  close $fh;

  # Test id -> "Namespace.Class.Method", from each <UnitTest ...> definition and the <TestMethod .../> inside it.
  my %method;
  while ($xml =~ /<UnitTest\s([^>]*)>(.*?)<\/UnitTest>/gs) {
    my %test = attributes($1);
    my $body = $2;
    next unless $body =~ /<TestMethod\s([^>]*?)\/?>/;
    my %m = attributes($1);
    $method{$test{id}} = "$m{className}.$m{name}" if defined $test{id};
  }
  my ($assembly) = $xml =~ /codeBase="[^"]*\/([^"\/]+)\.dll"/;
  $assembly //= $file;

  while ($xml =~ /<UnitTestResult\s([^>]*?)\/?>/g) {
    my %r = attributes($1);
    my $outcome = $r{outcome} // 'Unknown';
    my $ran = 1;
    if ($outcome eq 'Passed') { $passed++; }
    elsif ($outcome eq 'NotExecuted') { $skipped++; $ran = 0; }
    else { $failed++; push @failures, "FAILED $r{testName} ($assembly)"; }
    $ran_listed++ if $ran && defined $r{testId} && defined $method{$r{testId}} && $listed{$method{$r{testId}}};
  }
}

printf "%d %d %d %d %d\n", $passed, $failed, $skipped, $passed + $failed + $skipped, $ran_listed;
print "$_\n" for @failures;
