# The sans-I/O parsers and writer on the conformance kit's codec vectors (conformance/vectors/codec).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use Kit;
use Netspawn::Client::NetstringReader;
use Netspawn::Client::RequestWriter;
use Netspawn::Client::ResponseParser;

sub limits {
    my ($v) = @_;
    my $l = $v->{limits} // {};
    return (
        (max_length_digits => $l->{maxLengthDigits}) x !!defined $l->{maxLengthDigits},
        (max_netstring_length => $l->{maxNetstringLength}) x !!defined $l->{maxNetstringLength},
    );
}

sub decode_netstrings {
    my ($parts, %limits) = @_;
    my $reader = Netspawn::Client::NetstringReader->new(%limits);
    my (@values, $payload);
    my $pull = sub {
        while (my $event = $reader->next) {
            my $kind = $event->[0];
            if    ($kind eq 'begin') { $payload = '' }
            elsif ($kind eq 'data')  { $payload .= $event->[1] }
            elsif ($kind eq 'end')   { push @values, $payload }
            else                     { return }
        }
    };
    my $ok = eval {
        for (@$parts) { $reader->push($_); $pull->() }
        $reader->end;
        $pull->();
        1;
    };
    return { values => \@values, error => $ok ? undef : [ $@->{code}, $@->{offset} ] };
}

sub merge {
    my ($events, $stream, $data) = @_;
    if (@$events && exists $events->[-1]{$stream}) { $events->[-1]{$stream} .= $data }
    else                                           { push @$events, { $stream => $data } }
}

sub parse_response {
    my ($parts, %limits) = @_;
    my $parser = Netspawn::Client::ResponseParser->new(%limits);
    my @events;
    my $pull = sub {
        while (my $e = $parser->next) {
            if ($e->{type} eq 'status') {
                push @events, defined $e->{signal} ? { termsig => $e->{signal} } : { exitcode => $e->{exit_code} };
            }
            elsif ($e->{type} eq 'end') {
                push @events, { end => 1 };
            }
            else {
                merge(\@events, $e->{type}, $e->{data});
            }
        }
    };
    my $ok = eval {
        for (@$parts) { $parser->push($_); $pull->() }
        $parser->end;
        $pull->();
        1;
    };
    return { events => \@events, error => $ok ? undef : [ $@->{code}, $@->{offset} ] };
}

for my $v (grep { $_->{direction} eq 'decode' } @{ Kit::load('codec', 'netstring') }) {
    my $input = Kit::bytes_of($v->{input});
    my $want  = {
        values => [ map { Kit::bytes_of($_) } @{ $v->{expect}{values} // [] } ],
        error  => $v->{expect}{error} ? [ @{ $v->{expect}{error} }{qw(code offset)} ] : undef,
    };
    my @splits =
      length $input < 4096 ? Kit::splits($input) : ([$input], [ substr($input, 0, 1000), substr($input, 1000) ]);
    my @wrong = grep { !eq_deeply_simple(decode_netstrings($_, limits($v)), $want) } @splits;
    ok(!@wrong, "$v->{id}: for every split") or diag explain decode_netstrings($wrong[0], limits($v));
}

for my $v (grep { $_->{direction} eq 'decode' } @{ Kit::load('codec', 'response') }) {
    my @want_events;
    for my $e (@{ $v->{expect}{events} // [] }) {
        if    (exists $e->{stdout}) { merge(\@want_events, 'stdout', Kit::bytes_of($e->{stdout})) }
        elsif (exists $e->{stderr}) { merge(\@want_events, 'stderr', Kit::bytes_of($e->{stderr})) }
        elsif (exists $e->{end})    { push @want_events, { end => 1 } }
        else                        { push @want_events, {%$e} }
    }
    my $want =
      { events => \@want_events, error => $v->{expect}{error} ? [ @{ $v->{expect}{error} }{qw(code offset)} ] : undef };
    my @wrong =
      grep { !eq_deeply_simple(parse_response($_, limits($v)), $want) } Kit::splits(Kit::bytes_of($v->{input}));
    ok(!@wrong, "$v->{id}: for every split") or diag explain parse_response($wrong[0], limits($v)), $want;
}

for my $v (grep { $_->{direction} eq 'encode' } @{ Kit::load('codec', 'request') }) {
    my $value = $v->{value};
    my $error;
    my $bytes = eval {
        my $w   = Netspawn::Client::RequestWriter->new;
        my $out = $w->argv([ map { Kit::bytes_of($_) } @{ $value->{argv} } ]);
        $out .= $w->stdin(Kit::bytes_of($_)) for @{ $value->{stdin} // [] };
        $out .= $w->end if $value->{end} // 1;
        $out;
    } // ($error = $@, undef)[1];
    if ($v->{expect}{error}) {
        is(ref $error && $error->code, $v->{expect}{error}{code}, "$v->{id}: refused");
    }
    else {
        is($bytes, Kit::bytes_of($v->{expect}{bytes}), "$v->{id}");
    }
}

# Structural equality of plain data (hashes, arrays, scalars, undef).
sub eq_deeply_simple {
    my ($a, $b) = @_;
    return !defined $b if !defined $a;
    return 0           if !defined $b || ref $a ne ref $b;
    return $a eq $b    if !ref $a;
    if (ref $a eq 'ARRAY') {
        return 0 unless @$a == @$b;
        eq_deeply_simple($a->[$_], $b->[$_]) || return 0 for 0 .. $#$a;
        return 1;
    }
    return 0 unless join("\0", sort keys %$a) eq join("\0", sort keys %$b);
    eq_deeply_simple($a->{$_}, $b->{$_}) || return 0 for keys %$a;
    return 1;
}

my $reader = Netspawn::Client::NetstringReader->new;
$reader->push('2:ok,01:');
$reader->next for 1 .. 3;
my $first = eval { $reader->next; 1 } ? undef : $@;
my $again = eval { $reader->next; 1 } ? undef : $@;
is_deeply([ $first->{code}, $first->{offset} ], [ 'LEADING_ZERO', 6 ], 'an error names its code and offset');
is($again, $first, 'and is raised again');

done_testing;
