#!/usr/bin/env perl
# Conformance adapter (netspawn-conformance-adapter/1, see ../README.md) for the Perl client,
# from its sources (clients/perl/lib):
#   deno task conformance client --adapter perl
# NETSPAWN_PERL_LIB may name another copy of the module's lib directory.

use strict;
use warnings;

use Encode         ();
use File::Basename qw(dirname);
use File::Spec;
use JSON::PP;
use MIME::Base64 qw(decode_base64 encode_base64);
use Scalar::Util qw(blessed);

use lib $ENV{NETSPAWN_PERL_LIB}
  || File::Spec->catdir(dirname(File::Spec->rel2abs(__FILE__)), '..', '..', 'clients', 'perl', 'lib');
use Netspawn::Client;

my $PROTOCOL = 'netspawn-conformance-adapter/1';

sub run {
    my ($request) = @_;
    return { ok => JSON::PP::false, error => 'UNSUPPORTED', message => "unknown protocol $request->{protocol}" }
      unless ($request->{protocol} // '') eq $PROTOCOL;
    my @argv    = map { decode_base64($_) } @{ $request->{argv} };
    my $stdin   = defined $request->{stdin}     ? decode_base64($request->{stdin}) : undef;
    my $timeout = defined $request->{timeoutMs} ? $request->{timeoutMs} / 1000     : undef;
    my $result  = eval {
        Netspawn::Client->new($request->{address})
          ->exec(\@argv, stdin => $stdin, timeout => $timeout, max_output => undef);
    };
    if (my $error = $@) {
        die $error unless blessed $error && $error->isa('Netspawn::Client::Error');
        my $message = Encode::decode('UTF-8', "$error");    # messages are bytes; excerpts may hold UTF-8
        return { ok => JSON::PP::false, error => 'UNSUPPORTED', message => $message }
          if $error->code eq 'INVALID_ARGUMENT';
        return {
            ok      => JSON::PP::false,
            error   => $error->code,
            message => $message,
            (detail => $error->protocol_code) x !!defined $error->protocol_code,
        };
    }
    return {
        ok       => JSON::PP::true,
        stdout   => encode_base64($result->{stdout}, ''),
        stderr   => encode_base64($result->{stderr}, ''),
        exitCode => $result->{exit_code},
        signal   => $result->{signal},
    };
}

binmode STDIN;
my $input = do { local $/; <STDIN> };
my $json  = JSON::PP->new->utf8->canonical;
print $json->encode(run($json->decode($input))), "\n";
