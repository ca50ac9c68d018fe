package Netspawn::Client::NetstringReader;

# Incremental netstring decoding, sans I/O (protocol/netstring.ts): a length is
# "0" or a non-zero digit followed by digits, at most max_length_digits digits
# and at most max_netstring_length, checked digit by digit so an over-long
# declaration fails before any payload arrives. The same events, and the same
# error at the same offset, for any split of the input.

use strict;
use warnings;

our $VERSION = '0.1.0';

use constant {
    DEFAULT_MAX_LENGTH_DIGITS    => 10,
    DEFAULT_MAX_NETSTRING_LENGTH => 64 * 1024 * 1024,
};

sub new {
    my ($class, %limits) = @_;
    return bless {
        buf        => '',
        pos        => 0,
        offset     => 0,
        ended      => 0,
        state      => 'length-start',    # length-start | length | payload | comma | eof
        value      => 0,
        digits     => 0,
        remaining  => 0,
        start      => 0,
        error      => undef,
        max_digits => $limits{max_length_digits}    // DEFAULT_MAX_LENGTH_DIGITS,
        max_length => $limits{max_netstring_length} // DEFAULT_MAX_NETSTRING_LENGTH,
    }, $class;
}

# Bytes consumed so far: the offset of the next byte to read.
sub offset { $_[0]{offset} }

sub push {
    my ($self, $chunk) = @_;
    die "push after end of input\n" if $self->{ended};
    return unless length $chunk;
    if ($self->{pos} >= length $self->{buf}) {
        $self->{buf} = $chunk;
    }
    else {
        substr($self->{buf}, 0, $self->{pos}, '');
        $self->{buf} .= $chunk;
    }
    $self->{pos} = 0;
    return;
}

sub end { $_[0]{ended} = 1; return }

# The next event, or undef when more input is needed: ['begin', LENGTH, OFFSET],
# ['data', BYTES], ['end'] (the ',' was read), ['eof'] (a clean end of input).
# Dies with a Netspawn::Client::NetstringReader::Violation, again on every later call.
sub next {
    my ($self) = @_;
    die $self->{error} if $self->{error};
    my $event = eval { $self->_step };
    if (my $error = $@) {
        $self->{error} = $error;
        die $error;
    }
    return $event;
}

sub _step {
    my ($self) = @_;
    my $state = $self->{state};
    return $self->_length  if $state eq 'length-start' || $state eq 'length';
    return $self->_payload if $state eq 'payload';
    return $self->_comma   if $state eq 'comma';
    return ['eof'];
}

sub _length {
    my ($self) = @_;
    my $buf = \$self->{buf};
    while ($self->{pos} < length $$buf) {
        my $byte = substr($$buf, $self->{pos}, 1);
        if ($byte ge '0' && $byte le '9') {
            if ($self->{state} eq 'length-start') {
                @$self{qw(state start value digits)} = ('length', $self->{offset}, 0, 0);
            }
            elsif ($self->{value} == 0) {
                $self->fail('LEADING_ZERO', 'netstring length has a leading zero');
            }
            $self->fail('LENGTH_TOO_LONG', "netstring length has more than $self->{max_digits} digits")
              if $self->{digits} == $self->{max_digits};
            $self->{value} = $self->{value} * 10 + $byte;
            $self->{digits}++;
            $self->fail('PAYLOAD_TOO_LARGE', "netstring length exceeds the limit of $self->{max_length} bytes")
              if $self->{value} > $self->{max_length};
        }
        elsif ($byte eq ':' && $self->{state} eq 'length') {
            $self->{pos}++;
            $self->{offset}++;
            $self->{remaining} = $self->{value};
            $self->{state}     = $self->{value} ? 'payload' : 'comma';
            return [ 'begin', $self->{value}, $self->{start} ];
        }
        else {
            my $what = $byte eq ':' ? "':' with no length before it" : 'byte ' . show($byte);
            $self->fail('BAD_LENGTH', "$what where a netstring length digit is expected");
        }
        $self->{pos}++;
        $self->{offset}++;
    }
    return undef unless $self->{ended};
    $self->fail('EOF_IN_LENGTH', 'input ended inside a netstring length') if $self->{state} eq 'length';
    $self->{state} = 'eof';
    return ['eof'];
}

sub _payload {
    my ($self) = @_;
    my $available = length($self->{buf}) - $self->{pos};
    if ($available == 0) {
        $self->fail('EOF_IN_PAYLOAD', "input ended with $self->{remaining} payload bytes missing") if $self->{ended};
        return undef;
    }
    my $n    = $self->{remaining} < $available ? $self->{remaining} : $available;
    my $data = substr($self->{buf}, $self->{pos}, $n);
    $self->{pos}       += $n;
    $self->{offset}    += $n;
    $self->{remaining} -= $n;
    $self->{state} = 'comma' if $self->{remaining} == 0;
    return [ 'data', $data ];
}

sub _comma {
    my ($self) = @_;
    if ($self->{pos} >= length $self->{buf}) {
        $self->fail('EOF_IN_PAYLOAD', "input ended before the ',' closing a netstring") if $self->{ended};
        return undef;
    }
    my $byte = substr($self->{buf}, $self->{pos}, 1);
    $self->fail('MISSING_COMMA', 'byte ' . show($byte) . " instead of the ',' closing a netstring") if $byte ne ',';
    $self->{pos}++;
    $self->{offset}++;
    $self->{state} = 'length-start';
    return ['end'];
}

# Die with a protocol violation at $offset (default: the current offset).
sub fail {
    my ($self, $code, $detail, $offset) = @_;
    die bless { code => $code, offset => $offset // $self->{offset}, detail => $detail },
      'Netspawn::Client::NetstringReader::Violation';
}

# Printable ASCII kept, everything else (and the backslash) as \xNN; cut at $limit bytes.
sub show {
    my ($bytes, $limit) = @_;
    $limit //= 32;
    my $shown = join '', map { my $o = ord; $o >= 0x20 && $o < 0x7f && $o != 0x5c ? $_ : sprintf('\\x%02x', $o) }
      split //, substr($bytes, 0, $limit);
    return length($bytes) > $limit ? "$shown..." : $shown;
}

package Netspawn::Client::NetstringReader::Violation;

# A protocol violation: code (the protocol core's), offset, detail.
use overload '""' => sub { "$_[0]{code} at byte $_[0]{offset}: $_[0]{detail}\n" }, fallback => 1;

1;

__END__

=head1 NAME

Netspawn::Client::NetstringReader - incremental netstring decoding, without I/O

=head1 SYNOPSIS

    my $reader = Netspawn::Client::NetstringReader->new(max_netstring_length => 1024);
    $reader->push('5:hel');
    while (my $event = $reader->next) { ... }    # ['begin', 5, 0], ['data', 'hel']
    $reader->push('lo,');
    $reader->end;

=cut
