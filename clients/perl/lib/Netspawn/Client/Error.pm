package Netspawn::Client::Error;

use strict;
use warnings;

our $VERSION = '0.1.0';

use Carp ();
use overload '""' => sub { $_[0]{message} }, bool => sub { 1 }, fallback => 1;

# Every error code of a call, with what it means (the codes of the TypeScript
# client and of the conformance kit's adapter protocol).
our %CODES = (
    CONNECT_FAILED => 'The client could not connect to the address (no such socket, connection refused, '
      . 'unknown host...).',
    PROTOCOL_ERROR => "The server's bytes broke the protocol; the error carries the protocol core's code "
      . 'and the offset.',
    TIMEOUT => "The call's timeout expired; the connection was closed, so the server terminates the program.",
    ABORTED => 'The call was cancelled: a callback or the stdin source died; the connection was closed, '
      . 'so the server terminates the program.',
    CLOSED_WITHOUT_STATUS => 'The connection ended before any exitcode or termsig pair: the server rejected the '
      . "request (over a limit, malformed) or failed, or the connection dropped; the server's log has the reason. "
      . '(sockexec also closes this way, without a byte, when it cannot start the program.)',
    SPAWN_FAILED => 'A netspawn server could not start the program: it replied exit code 127 (not found) or 126 '
      . '(not executable) with a "netspawn: cannot run ..." line on stderr.',
    OUTPUT_LIMIT => 'The program wrote more than max_output bytes (stdout and stderr together); the connection '
      . 'was closed, so the server terminates the program.',
    STDIN_CLOSED => "A write to the program's stdin came after the server stopped accepting it (the program "
      . 'ended, or the call failed).',
    INVALID_ARGUMENT => 'A bad address, argv or option: nothing was sent.',
);

my %SYSTEM = (
    ENOENT        => 'no such socket',
    ECONNREFUSED  => 'connection refused',
    EACCES        => 'permission denied',
    EPERM         => 'permission denied',
    ENOTSOCK      => 'not a socket',
    ENOTDIR       => 'a path component is not a directory',
    ENAMETOOLONG  => 'socket path too long',
    ETIMEDOUT     => 'timed out',
    EHOSTUNREACH  => 'host unreachable',
    ENETUNREACH   => 'network unreachable',
    ENOTFOUND     => 'unknown host',
    EADDRNOTAVAIL => 'address not available',
);

sub new {
    my ($class, %fields) = @_;
    Carp::croak("unknown error code $fields{code}") unless $CODES{ $fields{code} // '' };
    return bless {%fields}, $class;
}

# Die with a new error.
sub throw {
    my $class = shift;
    die $class->new(@_);
}

sub code    { $_[0]{code} }
sub message { $_[0]{message} }

# Further fields, where they apply (undef elsewhere).
sub protocol_code  { $_[0]{protocol_code} }
sub offset         { $_[0]{offset} }
sub excerpt        { $_[0]{excerpt} }
sub address        { $_[0]{address} }
sub system_code    { $_[0]{system_code} }
sub exit_code      { $_[0]{exit_code} }
sub server_message { $_[0]{server_message} }
sub timeout        { $_[0]{timeout} }
sub limit          { $_[0]{limit} }
sub bytes_received { $_[0]{bytes_received} }
sub cause          { $_[0]{cause} }

# The constructors of each kind, with the TypeScript client's messages.

sub connect_failed {
    my ($class, $address, $system_code, $detail) = @_;
    my $phrase = defined $system_code && $SYSTEM{$system_code};
    my $why    = $phrase ? "$phrase ($system_code)" : $system_code // $detail // 'unknown error';
    my $hint   = _tcp_suggestion($address, $system_code);
    return $class->new(
        code        => 'CONNECT_FAILED',
        message     => "cannot connect to $address: $why" . (defined $hint ? "; for TCP, write $hint" : ''),
        address     => $address,
        system_code => $system_code,
    );
}

sub protocol_error {
    my ($class, $protocol_code, $offset, $detail, $bytes, $bytes_offset) = @_;
    my $mark    = $offset - $bytes_offset;
    my $excerpt = _printable(substr($bytes, 0, $mark)) . "\xc2\xbb" . _printable(substr($bytes, $mark));
    return $class->new(
        code          => 'PROTOCOL_ERROR',
        message       => "the server's reply broke the protocol: $detail (near \"$excerpt\")",
        protocol_code => $protocol_code,
        offset        => $offset,
        excerpt       => $excerpt,
    );
}

sub timed_out {
    my ($class, $timeout) = @_;
    return $class->new(code => 'TIMEOUT', message => "timed out after $timeout s", timeout => $timeout);
}

sub aborted {
    my ($class, $cause) = @_;
    my $reason = defined $cause ? "$cause" : '';
    $reason =~ s/\s+\z//;
    return $class->new(code => 'ABORTED', message => 'aborted' . (length $reason ? ": $reason" : ''), cause => $cause);
}

sub closed_without_status {
    my ($class, $bytes_received) = @_;
    my $message =
      $bytes_received == 0
      ? 'the server closed the connection without a reply '
      . '(a sockexec server does this when it cannot start the program)'
      : "the server closed the connection after $bytes_received bytes, without an exit status";
    return $class->new(code => 'CLOSED_WITHOUT_STATUS', message => $message, bytes_received => $bytes_received);
}

sub spawn_failed {
    my ($class, $exit_code, $server_message) = @_;
    return $class->new(
        code           => 'SPAWN_FAILED',
        message        => $server_message,
        exit_code      => $exit_code,
        server_message => $server_message,
    );
}

sub output_limit {
    my ($class, $limit) = @_;
    return $class->new(
        code    => 'OUTPUT_LIMIT',
        message => "the program wrote more than max_output ($limit bytes); raise max_output, or stream with callbacks",
        limit   => $limit,
    );
}

sub invalid_argument {
    my ($class, $message) = @_;
    return $class->new(code => 'INVALID_ARGUMENT', message => $message);
}

sub _printable {
    my ($bytes) = @_;
    return join '', map { my $o = ord; $o >= 0x20 && $o < 0x7f && $o != 0x5c ? $_ : sprintf('\\x%02x', $o) }
      split //, $bytes;
}

sub _tcp_suggestion {
    my ($address, $system_code) = @_;
    return undef unless ($system_code // '') eq 'ENOENT' && $address =~ /\Aunix:(?:tcp:)?([^\/\s]+):([0-9]{1,5})\z/;
    my ($host, $port) = ($1, $2);
    $host =~ s/\A\[(.*)\]\z/$1/;
    return $host =~ /:/ ? "tcp://[$host]:$port" : "tcp://$host:$port";
}

1;

__END__

=head1 NAME

Netspawn::Client::Error - the errors of Netspawn::Client, each with a stable code

=head1 SYNOPSIS

    use Scalar::Util qw(blessed);
    my $result = eval { $client->exec(['true']) };
    if (blessed $@ && $@->isa('Netspawn::Client::Error')) {
        warn $@->code, ': ', $@->message, "\n";    # e.g. TIMEOUT: timed out after 5 s
    }

=head1 DESCRIPTION

Every failure of a call dies with a C<Netspawn::Client::Error>. It
stringifies to its message; C<code> is one of the codes in C<%CODES>, the
same as the TypeScript and Python clients':

=over

=item CONNECT_FAILED

C<address>, C<system_code> (C<ENOENT>, C<ECONNREFUSED>, ...).

=item PROTOCOL_ERROR

C<protocol_code> (the protocol core's code: C<BAD_EXITCODE>, C<UNKNOWN_PAIR_TYPE>, ...),
C<offset> in the reply, C<excerpt> of the bytes around it (a UTF-8 "\x{bb}" marks the offset).

=item TIMEOUT

C<timeout>, in seconds.

=item ABORTED

C<cause>: what a callback or the stdin source died with.

=item CLOSED_WITHOUT_STATUS

C<bytes_received>.

=item SPAWN_FAILED

C<exit_code> (127 not found, 126 not executable) and C<server_message>.

=item OUTPUT_LIMIT

C<limit>, in bytes.

=item STDIN_CLOSED

Not raised by C<exec>, which stops sending stdin when the program ends.

=item INVALID_ARGUMENT

A bad address, argv (empty, a NUL byte, wide characters) or option; nothing was sent.

=back

=cut
