# Addresses, as the protocol core parses them (protocol/address.ts).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Netspawn::Client::Address;

my @good = (
    [ 'unix:/run/netspawn.sock', { transport => 'unix', path => '/run/netspawn.sock' },     'unix:/run/netspawn.sock' ],
    [ 'unix:run/x.sock',         { transport => 'unix', path => 'run/x.sock' },             'unix:run/x.sock' ],
    [ '/run/netspawn.sock',      { transport => 'unix', path => '/run/netspawn.sock' },     'unix:/run/netspawn.sock' ],
    [ 'x.sock',                  { transport => 'unix', path => 'x.sock' },                 'unix:x.sock' ],
    [ 'tcp://127.0.0.1:7000',    { transport => 'tcp', host => '127.0.0.1', port => 7000 }, 'tcp://127.0.0.1:7000' ],
    [ 'tcp://localhost:1',       { transport => 'tcp', host => 'localhost', port => 1 },    'tcp://localhost:1' ],
    [ 'tcp://[::1]:65535',       { transport => 'tcp', host => '::1', port => 65535 },      'tcp://[::1]:65535' ],
    [ '[::1]:7000',              { transport => 'tcp', host => '::1', port => 7000 },       'tcp://[::1]:7000' ],
);

for (@good) {
    my ($text, $parsed, $canonical) = @$_;
    my $got = Netspawn::Client::Address::parse($text);
    is_deeply($got, $parsed, "$text parses");
    is(Netspawn::Client::Address::format($got), $canonical, "$text formats as $canonical");
    is_deeply(Netspawn::Client::Address::parse($canonical), $parsed, "$canonical parses back");
}

my @bad = (
    [ '',                'must not be empty' ],
    [ 'unix:',           'the socket path is empty' ],
    [ 'tcp://host',      'expected HOST:PORT' ],
    [ 'tcp://:7000',     'the host is empty or malformed' ],
    [ 'tcp://a b:7000',  'the host is empty or malformed' ],
    [ 'tcp://::1:7000',  'write an IPv6 address in brackets' ],
    [ 'tcp://[::1]7000', 'expected [IPV6]:PORT' ],
    [ '[127.0.0.1]:7',   'brackets are for IPv6 addresses only' ],
    [ 'tcp://h:0',       'from 1 to 65535' ],
    [ 'tcp://h:65536',   'from 1 to 65535' ],
    [ 'tcp://h:+1',      'from 1 to 65535' ],
    [ 'tcp://h:',        'from 1 to 65535' ],
);
for (@bad) {
    my ($text, $why) = @$_;
    my $error = eval { Netspawn::Client::Address::parse($text); 1 } ? undef : $@;
    is(ref $error && $error->code, 'INVALID_ARGUMENT', "\"$text\" is refused");
    like("$error", qr/\Q$why\E/, "... because $why");
}

done_testing;
