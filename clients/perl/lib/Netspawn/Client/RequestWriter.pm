package Netspawn::Client::RequestWriter;

# The client's side of a request, sans I/O: argc and argv, then non-empty stdin
# chunks, then the end marker "0:," exactly once (protocol/request_writer.ts).
# Everything sent is bytes: a string with characters above 0xFF is refused.

use strict;
use warnings;

our $VERSION = '0.1.0';

use Netspawn::Client::Error;
use overload ();

use constant END_MARKER => '0:,';

sub new { return bless { state => 'argv' }, shift }

sub state { $_[0]{state} }

# argc and the argv netstrings. Dies with INVALID_ARGUMENT for an empty argv,
# a NUL byte, an undefined argument or wide characters.
sub argv {
    my ($self, $argv) = @_;
    _invalid('argv must be an array reference: [program, arguments...]') unless ref $argv eq 'ARRAY';
    _invalid('argv must hold at least the program')                      unless @$argv;
    my @args;
    for my $i (0 .. $#$argv) {
        my $arg = bytes_of($argv->[$i], "argv[$i]");
        _invalid("argv[$i] contains a NUL byte") if index($arg, "\0") >= 0;
        push @args, $arg;
    }
    die "INVALID_STATE: argv was already sent\n" unless $self->{state} eq 'argv';
    $self->{state} = 'stdin';
    return join '', map { netstring($_) } scalar(@args), @args;
}

# A stdin chunk as a netstring; nothing for an empty chunk (its netstring would be the end marker).
sub stdin {
    my ($self, $data) = @_;
    die "INVALID_STATE: stdin outside the stdin state\n" unless $self->{state} eq 'stdin';
    return length $data ? netstring($data) : '';
}

sub end {
    my ($self) = @_;
    die "INVALID_STATE: the end marker outside the stdin state\n" unless $self->{state} eq 'stdin';
    $self->{state} = 'closed';
    return END_MARKER;
}

sub netstring {
    my ($bytes) = @_;
    return length($bytes) . ':' . $bytes . ',';
}

# A copy of $value as bytes: characters up to 0xFF are bytes; wider ones are refused.
sub bytes_of {
    my ($value, $what) = @_;
    _invalid("$what is undefined") unless defined $value;
    _invalid("$what must be a string, not a reference") if ref $value && !overload::Method($value, '""');
    my $copy = "$value";
    utf8::downgrade($copy, 1)
      or _invalid(
        "$what contains wide characters (above 0xFF): encode text to bytes first, e.g. Encode::encode('UTF-8', \$text)"
      );
    return $copy;
}

sub _invalid { die Netspawn::Client::Error->invalid_argument($_[0]) }

1;

__END__

=head1 NAME

Netspawn::Client::RequestWriter - the client's side of a sockexec request, without I/O

=head1 SYNOPSIS

    my $w = Netspawn::Client::RequestWriter->new;
    my $bytes = $w->argv(['cat']) . $w->stdin('hi') . $w->end;    # "1:1,3:cat,2:hi,0:,"

=cut
