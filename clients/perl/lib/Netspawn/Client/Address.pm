package Netspawn::Client::Address;

# Server addresses as text, exactly as the protocol core parses them (protocol/address.ts).

use strict;
use warnings;

our $VERSION = '0.1.0';

use Netspawn::Client::Error;

# Parse an address: {transport => 'unix', path => PATH} or {transport => 'tcp', host => HOST, port => PORT}.
# Dies with an INVALID_ARGUMENT error.
sub parse {
    my ($text) = @_;
    _invalid($text, 'an address must not be empty') if !defined $text || ref $text || $text eq '';
    if ($text =~ /\Aunix:(.*)\z/s) {
        _invalid($text, 'the socket path is empty') if $1 eq '';
        return { transport => 'unix', path => $1 };
    }
    return _host_port($text, substr($text, length 'tcp://')) if substr($text, 0, 6) eq 'tcp://';
    return _host_port($text, $text)                          if substr($text, 0, 1) eq '[';
    return { transport => 'unix', path => $text };
}

# The canonical text: unix:PATH, tcp://HOST:PORT or tcp://[V6]:PORT.
sub format {
    my ($address) = @_;
    return "unix:$address->{path}" if $address->{transport} eq 'unix';
    my $host = $address->{host} =~ /:/ ? "[$address->{host}]" : $address->{host};
    return "tcp://$host:$address->{port}";
}

sub _host_port {
    my ($text, $rest) = @_;
    my ($host, $port);
    if (substr($rest, 0, 1) eq '[') {
        my $close = index $rest, ']';
        _invalid($text, 'expected [IPV6]:PORT') if $close < 0 || substr($rest, $close + 1, 1) ne ':';
        $host = substr $rest, 1, $close - 1;
        $port = substr $rest, $close + 2;
        _invalid($text, 'brackets are for IPv6 addresses only') if index($host, ':') < 0;
    }
    else {
        my $colon = rindex $rest, ':';
        _invalid($text, 'expected HOST:PORT') if $colon < 0;
        $host = substr $rest, 0, $colon;
        $port = substr $rest, $colon + 1;
        _invalid($text, 'write an IPv6 address in brackets: tcp://[::1]:PORT') if index($host, ':') >= 0;
    }
    _invalid($text, 'the host is empty or malformed') if $host eq '' || $host =~ m{[\s/]};
    _invalid($text, qq{the port must be a number from 1 to 65535, got "$port"})
      unless $port =~ /\A[0-9]{1,5}\z/a && $port >= 1 && $port <= 65535;
    return { transport => 'tcp', host => $host, port => 0 + $port };
}

sub _invalid {
    my ($text, $why) = @_;
    Netspawn::Client::Error->throw(
        code    => 'INVALID_ARGUMENT',
        message => sprintf('bad address "%s": %s', $text // '', $why),
    );
}

1;

__END__

=head1 NAME

Netspawn::Client::Address - server addresses as text

=head1 SYNOPSIS

    my $a = Netspawn::Client::Address::parse('tcp://[::1]:7000');    # {transport => 'tcp', host => '::1', port => 7000}
    print Netspawn::Client::Address::format($a);                      # tcp://[::1]:7000

=head1 DESCRIPTION

C<unix:/path> (relative paths allowed), a bare path (a UNIX socket),
C<tcp://host:port>, C<tcp://[::1]:port> and C<[::1]:port>, as the protocol
core parses them. A malformed address dies with an C<INVALID_ARGUMENT>
L<Netspawn::Client::Error>.

=cut
