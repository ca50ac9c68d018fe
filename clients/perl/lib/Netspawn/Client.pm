package Netspawn::Client;

use 5.020;
use strict;
use warnings;

our $VERSION = '0.1.0';

use Errno ();
use IO::Select;
use IO::Socket::IP;
use IO::Socket::UNIX;
use Scalar::Util qw(blessed looks_like_number openhandle reftype);
use Socket       qw(IPPROTO_TCP SOCK_STREAM SOL_SOCKET SO_LINGER TCP_NODELAY);
use Time::HiRes  ();

use Netspawn::Client::Address;
use Netspawn::Client::Error;
use Netspawn::Client::RequestWriter;
use Netspawn::Client::ResponseParser;

use constant {
    DEFAULT_MAX_OUTPUT => 64 * 1024 * 1024,    # exec's default max_output when no callback streams output
    MAX_TIMEOUT        => 2147483.647,         # seconds (as the TypeScript client's 2147483647 ms)
    STDIN_PIECE        => 64 * 1024,           # largest stdin netstring sent
    READ_SIZE          => 64 * 1024,           # bytes read from the socket at once
    SEND_SIZE          => 256 * 1024,          # bytes handed to the socket at once
    STDERR_HEAD        => 4096,                # stderr kept to recognise a spawn failure
    RECENT_KEEP        => 64,                  # bytes kept before the current chunk, for error excerpts
    EXCERPT_AROUND     => 24,                  # bytes on each side of an error's offset
};

my %CALL_OPTIONS    = map { $_ => 1 } qw(stdin stdout stderr timeout max_output);
my %DEFAULT_OPTIONS = map { $_ => 1 } qw(timeout max_output);

sub new {
    my ($class, $address, %defaults) = @_;
    my $parsed = Netspawn::Client::Address::parse($address);
    _check_names(\%defaults, \%DEFAULT_OPTIONS, 'Netspawn::Client->new');
    _check_timeout($defaults{timeout});
    _check_max_output($defaults{max_output});
    return bless { address => $parsed, defaults => {%defaults} }, $class;
}

sub address { Netspawn::Client::Address::format($_[0]{address}) }

sub exec {
    my ($self, $argv, %options) = @_;
    _check_names(\%options, \%CALL_OPTIONS, 'exec');
    my %o = (%{ $self->{defaults} }, %options);
    _check_timeout($o{timeout});
    for my $stream (qw(stdout stderr)) {
        next unless defined $o{$stream};
        _invalid("$stream must be a code reference (a callback receiving each chunk)")
          unless (reftype($o{$stream}) // '') eq 'CODE';
    }
    my $streams    = defined $o{stdout} || defined $o{stderr};
    my $max_output = exists $o{max_output} ? $o{max_output} : $streams ? undef : DEFAULT_MAX_OUTPUT;
    _check_max_output($max_output);
    my $writer = Netspawn::Client::RequestWriter->new;
    my $head   = $writer->argv($argv);
    my $source = _stdin_source($o{stdin});
    my $call   = {
        address    => $self->{address},
        writer     => $writer,
        out        => $head,
        source     => $source,
        timeout    => $o{timeout},
        max_output => $max_output,
        sinks      => { stdout => $o{stdout}, stderr => $o{stderr} },
    };
    $call->{out} .= $writer->end unless defined $source;
    local $SIG{PIPE} = 'IGNORE';
    return _run($call);
}

# --- the call ---

sub _run {
    my ($call)   = @_;
    my $deadline = defined $call->{timeout} ? Time::HiRes::time() + $call->{timeout} : undef;
    my $sock     = _connect($call->{address}, $deadline, $call->{timeout});
    my %state    = (
        parser       => Netspawn::Client::ResponseParser->new,
        result       => { stdout => '', stderr => '', exit_code => undef, signal => undef },
        before       => '',
        current      => '',
        current_at   => 0,
        output_bytes => 0,
        stdout_bytes => 0,
        stderr_head  => '',
        finished     => 0,
        status       => undef,
    );
    my $tcp   = $call->{address}{transport} eq 'tcp';
    my $ok    = eval { _loop($call, $sock, \%state, $deadline); 1 };
    my $error = $@;
    if (!$ok) {
        _abandon($sock, $tcp);
        die $error if blessed $error && $error->isa('Netspawn::Client::Error');
        die Netspawn::Client::Error->aborted($error);
    }
    close $sock;
    my $result  = $state{result};
    my $failure = _spawn_failure($result, \%state);
    die $failure if $failure;
    return $result;
}

sub _loop {
    my ($call, $sock, $state, $deadline) = @_;
    my $select       = IO::Select->new($sock);
    my $write_closed = 0;
    until ($state->{finished}) {
        _refill($call) unless $write_closed;
        my $remaining;
        if (defined $deadline) {
            $remaining = $deadline - Time::HiRes::time();
            die Netspawn::Client::Error->timed_out($call->{timeout}) if $remaining <= 0;
        }
        my $writing = length($call->{out}) && !$write_closed;
        my ($readable, $writable) = IO::Select->select($select, $writing ? $select : undef, undef, $remaining);
        next unless $readable || $writable;    # the deadline (checked above) or a signal
        if (@$readable) {
            my $got = sysread $sock, my $buf, READ_SIZE;
            if (!defined $got) {
                next if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
                $got = 0;    # a reset is the end of the reply; what came before it counts
            }
            _receive($call, $state, $got ? $buf : undef);
            next if $state->{finished};
        }
        if ($writable && @$writable && length $call->{out}) {
            my $sent = syswrite $sock, $call->{out}, SEND_SIZE;
            if (defined $sent) {
                substr($call->{out}, 0, $sent, '');
            }
            elsif (!($!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR})) {

                # The server closed the connection (EPIPE, ECONNRESET): no more stdin, but its reply is still read.
                $write_closed   = 1;
                $call->{out}    = '';
                $call->{source} = undef;
            }
        }
    }
    return;
}

# Take more of the stdin source when what is queued is nearly sent.
sub _refill {
    my ($call) = @_;
    while ($call->{source} && length($call->{out}) < STDIN_PIECE) {
        my $chunk = eval { $call->{source}->() };
        die Netspawn::Client::Error->aborted($@) if $@;
        if (!defined $chunk) {
            $call->{source} = undef;
            $call->{out} .= $call->{writer}->end;
            return;
        }
        $chunk = Netspawn::Client::RequestWriter::bytes_of($chunk, 'a stdin chunk');
        for (my $at = 0 ; $at < length $chunk ; $at += STDIN_PIECE) {
            $call->{out} .= $call->{writer}->stdin(substr $chunk, $at, STDIN_PIECE);
        }
    }
    return;
}

# Bytes from the server (undef at the end of input): parse, check, deliver.
sub _receive {
    my ($call, $state, $bytes) = @_;
    my $parser = $state->{parser};
    if (defined $bytes) {
        $state->{before} = substr($state->{before} . substr($state->{current}, -RECENT_KEEP), -RECENT_KEEP);
        $state->{current_at} += length $state->{current};
        $state->{current} = $bytes;
        $parser->push($bytes);
    }
    else {
        $parser->end;
    }
    while (1) {
        my $event = eval { $parser->next };
        if (my $violation = $@) {
            die $violation unless blessed $violation && $violation->isa('Netspawn::Client::NetstringReader::Violation');
            die _violation($state, $violation);
        }
        return unless $event;
        my $type = $event->{type};
        if ($type eq 'status') {
            @{ $state->{result} }{qw(exit_code signal)} = @$event{qw(exit_code signal)};
            $state->{status} = 1;
        }
        elsif ($type eq 'end') {
            $state->{finished} = 1;
            return;
        }
        else {
            _output($call, $state, $type, $event->{data});
        }
    }
}

sub _output {
    my ($call, $state, $stream, $data) = @_;
    $state->{output_bytes} += length $data;
    die Netspawn::Client::Error->output_limit($call->{max_output})
      if defined $call->{max_output} && $state->{output_bytes} > $call->{max_output};
    if ($stream eq 'stdout') {
        $state->{stdout_bytes} += length $data;
    }
    elsif (length $state->{stderr_head} < STDERR_HEAD) {
        $state->{stderr_head} .= substr $data, 0, STDERR_HEAD - length $state->{stderr_head};
    }
    my $sink = $call->{sinks}{$stream};
    if ($sink) {
        $sink->($data);
    }
    else {
        $state->{result}{$stream} .= $data;
    }
    return;
}

sub _violation {
    my ($state, $violation) = @_;
    my $total = $state->{current_at} + length $state->{current};
    return Netspawn::Client::Error->closed_without_status($total) if $violation->{code} eq 'CLOSED_WITHOUT_STATUS';
    my $offset = $violation->{offset};
    my $known  = $state->{current_at} - length $state->{before};
    my $start  = $offset - EXCERPT_AROUND < $known ? $known                   : $offset - EXCERPT_AROUND;
    my $end    = $offset + EXCERPT_AROUND < $total ? $offset + EXCERPT_AROUND : $total;
    $end = $start if $end < $start;
    my $bytes = substr($state->{before} . $state->{current}, $start - $known, $end - $start);
    return Netspawn::Client::Error->protocol_error($violation->{code}, $offset, $violation->{detail}, $bytes, $start);
}

# A netspawn server's "cannot run" reply: exit code 127 or 126, no stdout,
# and stderr starting with "netspawn: cannot run ".
sub _spawn_failure {
    my ($result, $state) = @_;
    my $code = $result->{exit_code};
    return undef unless defined $code && ($code == 127 || $code == 126) && $state->{stdout_bytes} == 0;
    return undef unless index($state->{stderr_head}, 'netspawn: cannot run ') == 0;
    my ($line) = split /\n/, $state->{stderr_head}, 2;
    return Netspawn::Client::Error->spawn_failed($code, $line);
}

# --- connecting ---

sub _connect {
    my ($address, $deadline, $timeout) = @_;
    my $text      = Netspawn::Client::Address::format($address);
    my $remaining = defined $deadline ? $deadline - Time::HiRes::time() : undef;
    die Netspawn::Client::Error->timed_out($timeout) if defined $remaining && $remaining <= 0;
    my $sock;
    if ($address->{transport} eq 'unix') {
        die Netspawn::Client::Error->connect_failed($text, 'ENAMETOOLONG') if length $address->{path} >= 108;
        $sock = IO::Socket::UNIX->new(
            Type => SOCK_STREAM,
            Peer => $address->{path},
            (Timeout => $remaining) x !!defined $remaining
        );
    }
    else {
        $sock = IO::Socket::IP->new(
            PeerHost => $address->{host},
            PeerPort => $address->{port},
            Type     => SOCK_STREAM,
            (Timeout => $remaining) x !!defined $remaining,
        );
    }
    if (!$sock) {
        my $errno  = 0 + $!;
        my $detail = $IO::Socket::errstr || $@ || "$!";
        die Netspawn::Client::Error->timed_out($timeout)
          if defined $deadline && ($errno == Errno::ETIMEDOUT() || Time::HiRes::time() >= $deadline);
        die Netspawn::Client::Error->connect_failed($text, _system_code($errno, $detail), $detail);
    }
    $sock->blocking(0);
    binmode $sock;
    setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1) if $address->{transport} eq 'tcp';
    return $sock;
}

sub _system_code {
    my ($errno, $detail) = @_;
    return 'ENOTFOUND' if $detail =~ /not known|No address associated|nodename nor servname/i;
    return 'EAI_AGAIN' if $detail =~ /Temporary failure in name resolution/i;
    return undef unless $errno;
    local $! = $errno;
    my ($name) = grep { $!{$_} } keys %!;
    return $name;
}

# Close at once; a TCP connection is reset (the clearest "the client is gone").
sub _abandon {
    my ($sock, $tcp) = @_;
    setsockopt($sock, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0)) if $tcp;
    close $sock;
    return;
}

# --- checking options ---

# The stdin source as a function returning the next chunk, undef at the end; undef for no stdin.
sub _stdin_source {
    my ($stdin) = @_;
    return undef unless defined $stdin;
    my $type = reftype($stdin) // '';
    if (!ref $stdin || $type eq 'SCALAR') {
        my $data = Netspawn::Client::RequestWriter::bytes_of(ref $stdin ? $$stdin : $stdin, 'stdin');
        return sub { my $chunk = $data; undef $data; $chunk };
    }
    return $stdin if $type eq 'CODE' && !openhandle($stdin);
    if (openhandle($stdin)) {
        return sub {
            my $got = read $stdin, my $buf, STDIN_PIECE;
            die "reading stdin failed: $!\n" unless defined $got;
            return $got ? $buf : undef;
        };
    }
    if ($type eq 'ARRAY') {
        my @chunks = @$stdin;
        return sub { @chunks ? shift @chunks : undef };
    }
    _invalid(
        'stdin must be a string, a scalar reference, an array reference of chunks, a code reference or a filehandle');
}

sub _check_names {
    my ($given, $known, $where) = @_;
    my @unknown = sort grep { !$known->{$_} } keys %$given;
    _invalid("$where: unknown option @unknown (known: @{[sort keys %$known]})") if @unknown;
    return;
}

sub _check_timeout {
    my ($timeout) = @_;
    return if !defined $timeout;
    _invalid("timeout must be a number of seconds from more than 0 to " . MAX_TIMEOUT . ", or undef, got \"$timeout\"")
      unless looks_like_number($timeout) && $timeout > 0 && $timeout <= MAX_TIMEOUT;
    return;
}

sub _check_max_output {
    my ($max) = @_;
    return if !defined $max;
    _invalid("max_output must be a non-negative integer number of bytes, or undef for no limit, got \"$max\"")
      unless $max =~ /\A[0-9]+\z/a;
    return;
}

sub _invalid { die Netspawn::Client::Error->invalid_argument($_[0]) }

1;

__END__

=encoding utf8

=head1 NAME

Netspawn::Client - run programs on a sockexec-protocol server (netspawn or sockexec)

=head1 SYNOPSIS

    use Netspawn::Client;

    my $client = Netspawn::Client->new('unix:/run/netspawn.sock', timeout => 10);
    my $r = $client->exec(['uname', '-s']);
    print $r->{stdout};                        # "Linux\n"
    print $r->{exit_code} // "signal $r->{signal}";

    # stdin, and output streamed to callbacks as it arrives
    $client->exec(
        ['gzip', '-c'],
        stdin  => $filehandle,                 # or a string, \$string, [chunks], or sub { next chunk or undef }
        stdout => sub { print {$out} $_[0] },
        stderr => sub { warn $_[0] },
    );

    # errors are objects with a stable code
    my $r2 = eval { $client->exec(['/nonexistent']) };
    print $@->code, "\n" if $@;                # SPAWN_FAILED

=head1 DESCRIPTION

A client for the sockexec netstring exec protocol, core modules only
(L<IO::Socket::UNIX>, L<IO::Socket::IP>, L<IO::Select>). Each call opens one
connection, sends the program's argv (never run through a shell) and its
stdin, and reads the reply to its end: the program's stdout and stderr and
how it ended.

Everything is bytes. Arguments and stdin are sent byte for byte; a string
holding characters above 0xFF cannot be bytes and is refused with
C<INVALID_ARGUMENT> (encode text first, e.g. C<Encode::encode('UTF-8', $text)>);
output is delivered as the bytes the program wrote.

=head1 METHODS

=head2 new

    my $client = Netspawn::Client->new($address, %defaults);

C<$address> is C<unix:/path>, a bare path, C<tcp://host:port>,
C<tcp://[::1]:port> or C<[::1]:port>. C<%defaults> may hold C<timeout> and
C<max_output>, used by every call unless the call gives its own. Nothing
connects until a call. Dies with C<INVALID_ARGUMENT> for a malformed address.

=head2 address

The address, as canonical text (C<unix:/run/netspawn.sock>, C<tcp://[::1]:7000>).

=head2 exec

    my $result = $client->exec(\@argv, %options);

Runs C<@argv> and returns C<< { stdout => BYTES, stderr => BYTES, exit_code => N, signal => NAME } >>:
exactly one of C<exit_code> (0-255) and C<signal> (the name without C<SIG>,
e.g. C<TERM>) is defined. A non-zero exit code or a signal is a result, not
an error. Options:

=over

=item stdin

Undef (the default: stdin is ended at once), a string, a reference to one, a
reference to an array of chunks, a filehandle, or a code reference returning
the next chunk and undef at the end. Sources are read only as fast as the
server accepts the data (a filehandle in pieces of 64 KiB).

=item stdout, stderr

Code references called with each piece of output as it arrives; that
stream's key in the result is then C<''>. Memory stays bounded however much
the program writes, and a slow callback slows the program down (the server
stops reading its output). To cancel the call, die in a callback: the
connection is closed, so the server terminates the program, and C<exec> dies
with C<ABORTED> carrying your error as C<cause>.

=item timeout

Seconds the whole call may take (connecting, running, reading the reply);
undef (the default) for none. When it expires the connection is closed, so
the server terminates the program, and C<exec> dies with C<TIMEOUT>.

=item max_output

Most bytes of stdout and stderr together; one more closes the connection
and dies with C<OUTPUT_LIMIT>. Default 64 MiB when both streams are
collected, no limit when a callback streams either; undef for no limit.

=back

Dies with a L<Netspawn::Client::Error>: C<CONNECT_FAILED>,
C<PROTOCOL_ERROR>, C<TIMEOUT>, C<ABORTED>, C<CLOSED_WITHOUT_STATUS>,
C<SPAWN_FAILED> (a netspawn server replied exit code 127 or 126 with a
C<netspawn: cannot run ...> line: the program could not be started),
C<OUTPUT_LIMIT>, or C<INVALID_ARGUMENT> for a bad argv or option.

=head1 SEE ALSO

L<Netspawn::Client::Error>, L<Netspawn::Client::Address>; the protocol
specification in the netspawn repository (protocol/SPEC.md).

=cut
