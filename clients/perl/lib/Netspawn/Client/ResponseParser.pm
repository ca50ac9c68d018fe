package Netspawn::Client::ResponseParser;

# The client's side of a response, sans I/O: bytes in, output and status
# events out (protocol/response_parser.ts). Pairs of (type, value) netstrings
# until end of input, exactly one status pair, output allowed after it, empty
# output pairs valid; a type, exitcode or termsig whose length alone rules it
# out fails at that length, before its payload arrives.

use strict;
use warnings;

our $VERSION = '0.1.0';

use Netspawn::Client::NetstringReader;

use constant {
    MAX_EXITCODE_LENGTH => 3,
    MAX_TERMSIG_LENGTH  => 16,
};

my %OUTPUT = (stdout   => 1, stderr  => 1);
my %STATUS = (exitcode => 1, termsig => 1);

# Limits: max_length_digits, max_netstring_length (as Netspawn::Client::NetstringReader).
sub new {
    my ($class, %limits) = @_;
    return bless {
        reader    => Netspawn::Client::NetstringReader->new(%limits),
        state     => 'type',       # type | output | status | late-type | late-output | ended | failed
        stream    => 'stdout',
        status    => 'exitcode',
        collected => '',
        start     => 0,
        error     => undef,
    }, $class;
}

sub state  { $_[0]{state} }
sub offset { $_[0]{reader}->offset }
sub push   { $_[0]{reader}->push($_[1]) }
sub end    { $_[0]{reader}->end }

# The next event, or undef when more input is needed (or after the end):
# {type => 'stdout'|'stderr', data => BYTES}, {type => 'status', exit_code => N|undef,
# signal => NAME|undef}, {type => 'end'}. Dies with a Netspawn::Client::NetstringReader::Violation.
sub next {
    my ($self) = @_;
    die $self->{error} if $self->{error};
    my $event = eval { $self->_next };
    if (my $error = $@) {
        $self->{state} = 'failed';
        $self->{error} = $error;
        die $error;
    }
    return $event;
}

sub _next {
    my ($self) = @_;
    my $reader = $self->{reader};
    while ($self->{state} ne 'ended') {
        my $got  = $reader->next // return undef;
        my $kind = $got->[0];
        my $event;
        if ($kind eq 'data') {
            if ($self->_data_state) {
                return { type => $self->{stream}, data => $got->[1] };
            }
            $self->{collected} .= $got->[1];
        }
        elsif ($kind eq 'begin') {
            $self->_begin($got->[1], $got->[2]);
        }
        elsif ($kind eq 'end') {
            $event = $self->_complete;
        }
        else {
            $event = $self->_eof;
        }
        return $event if $event;
    }
    return undef;
}

sub _data_state { $_[0]{state} eq 'output' || $_[0]{state} eq 'late-output' }

sub _begin {
    my ($self, $length, $start) = @_;
    $self->{start}     = $start;
    $self->{collected} = '';
    return if $self->_data_state;
    if ($self->{state} eq 'status') {
        my $exitcode = $self->{status} eq 'exitcode';
        my $max      = $exitcode ? MAX_EXITCODE_LENGTH : MAX_TERMSIG_LENGTH;
        $self->_fail($exitcode ? 'BAD_EXITCODE' : 'BAD_TERMSIG', "$self->{status} value of $length bytes", $start)
          if $length == 0 || $length > $max;
    }
    elsif ($length < 6 || $length > 8) {
        $self->_fail('UNKNOWN_PAIR_TYPE', "pair type of $length bytes", $start);
    }
    return;
}

sub _complete {
    my ($self) = @_;
    if ($self->_data_state) {
        $self->{state} = $self->{state} eq 'output' ? 'type' : 'late-type';
        return undef;
    }
    my $value = $self->{collected};
    $self->{collected} = '';
    return $self->_status_value($value) if $self->{state} eq 'status';
    if ($OUTPUT{$value}) {
        $self->{stream} = $value;
        $self->{state}  = $self->{state} eq 'type' ? 'output' : 'late-output';
        return undef;
    }
    $self->_fail('UNKNOWN_PAIR_TYPE', 'unknown pair type "' . _show($value) . '"', $self->{start})
      unless $STATUS{$value};
    $self->_fail('DUPLICATE_STATUS', 'a second status pair', $self->{start}) if $self->{state} eq 'late-type';
    $self->{status} = $value;
    $self->{state}  = 'status';
    return undef;
}

sub _status_value {
    my ($self, $value) = @_;
    $self->{state} = 'late-type';
    if ($self->{status} eq 'exitcode') {
        $self->_fail('BAD_EXITCODE', 'exitcode "' . _show($value) . '" is not a decimal from 0 to 255', $self->{start})
          unless $value =~ /\A(?:0|[1-9][0-9]{0,2})\z/a && $value <= 255;
        return { type => 'status', exit_code => 0 + $value, signal => undef };
    }
    $self->_fail('BAD_TERMSIG', 'termsig "' . _show($value) . '" is not a signal name', $self->{start})
      unless $value =~ /\A(?:[A-Z][A-Z0-9+]*|\?\?\?)\z/a;
    return { type => 'status', exit_code => undef, signal => $value };
}

sub _eof {
    my ($self) = @_;
    if ($self->{state} eq 'late-type') {
        $self->{state} = 'ended';
        return { type => 'end' };
    }
    $self->_fail('CLOSED_WITHOUT_STATUS', 'connection closed before any exitcode or termsig pair')
      if $self->{state} eq 'type';
    $self->_fail('EOF_IN_PAIR', 'input ended inside a pair');
}

sub _fail { my $self = shift; $self->{reader}->fail(@_) }

sub _show { Netspawn::Client::NetstringReader::show(@_) }

1;

__END__

=head1 NAME

Netspawn::Client::ResponseParser - the client's side of a sockexec response, without I/O

=head1 SYNOPSIS

    my $parser = Netspawn::Client::ResponseParser->new;
    $parser->push("6:stdout,6:Linux\n,8:exitcode,1:0,");
    $parser->end;
    while (my $event = $parser->next) { ... }    # {type => 'stdout', ...}, {type => 'status', ...}, {type => 'end'}

=head1 DESCRIPTION

Bytes in, events out: the same events, and the same error (code and byte
offset), for any split of the input. Used by L<Netspawn::Client>.

=cut
