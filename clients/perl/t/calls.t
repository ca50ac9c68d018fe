# Call semantics against scripted fake servers: what the kit's client vectors do not reach.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";
use Test::More;
use FakeServer;
use Netspawn::Client;

sub pair { my ($type, $data) = @_; return length($type) . ":$type," . length($data) . ":$data," }

sub failure {
    my ($code) = @_;
    my $ok = eval { $code->(); 1 };
    return $ok ? undef : $@;
}

sub replying {
    my ($reply) = @_;
    return FakeServer->start(
        sub { my ($conn) = @_; my $request = FakeServer::read_request($conn); print {$conn} $reply; $request });
}

{
    my $fake  = replying(pair(stdout => 'hi') . '8:exitcode,2:x1,');
    my $error = failure(sub { Netspawn::Client->new($fake->address)->exec(['prog']) });
    is_deeply(
        [ $error->code,     $error->protocol_code, $error->offset ],
        [ 'PROTOCOL_ERROR', 'BAD_EXITCODE',        25 ],
        'a protocol violation'
    );
    is($error->excerpt, ":stdout,2:hi,8:exitcode,\xc2\xbb2:x1,", '... shows 24 bytes on each side of the offset');
    $fake->finish;
}

{
    my $fake   = replying('8:exitcode,1:0,' . pair(stdout => 'late'));
    my $result = Netspawn::Client->new($fake->address)->exec(['prog'], stdin => '');
    is_deeply(
        $result,
        { stdout => 'late', stderr => '', exit_code => 0, signal => undef },
        'output after the status counts'
    );
    is($fake->finish, '1:1,4:prog,0:,', 'an empty stdin sends the end marker once');
}

{
    my $fake = FakeServer->start(
        sub {
            my ($conn) = @_;
            sysread $conn, my $head, 16;
            print {$conn} pair(stdout => 'early') . '8:exitcode,1:0,';
            '';
        }
    );
    my $result =
      Netspawn::Client->new($fake->address)->exec([ 'head', '-c1' ], stdin => 'z' x (4 << 20), timeout => 10);
    is_deeply(
        [ $result->{stdout}, $result->{exit_code} ],
        [ 'early',           0 ],
        'the reply stands when the program ignored its stdin'
    );
    $fake->finish;
}

{
    my $reply = pair(stdout => 'a' x 600) . pair(stderr => 'b' x 400) . '8:exitcode,1:0,';
    my $fake  = replying($reply);
    my $r     = Netspawn::Client->new($fake->address)->exec(['prog'], max_output => 1000);
    is_deeply([ length $r->{stdout}, length $r->{stderr} ], [ 600, 400 ], 'max_output at its edge');
    $fake->finish;
    $fake = replying($reply);
    my $error = failure(sub { Netspawn::Client->new($fake->address)->exec(['prog'], max_output => 999) });
    is_deeply([ $error->code, $error->limit ], [ 'OUTPUT_LIMIT', 999 ], '... and one byte over');
    $fake->finish;
}

{
    my $fake = FakeServer->start(
        sub {
            my ($conn) = @_;
            my $request = FakeServer::read_request($conn);
            print {$conn} pair(stdout => 'x' x 100) for 1 .. 50;
            $request . FakeServer::await_close($conn);
        }
    );
    my $calls = 0;
    my $error = failure(
        sub {
            Netspawn::Client->new($fake->address)->exec(['yes'], stdout => sub { die "enough\n" if ++$calls == 3 });
        }
    );
    is_deeply(
        [ $error->code, $error->cause, "$error" ],
        [ 'ABORTED',    "enough\n",    'aborted: enough' ],
        'a callback that dies aborts the call'
    );
    is($fake->finish, '1:1,3:yes,0:,closed', '... and closes the connection');
}

{
    my $fake = FakeServer->start(
        sub {
            my ($conn) = @_;
            my $request = FakeServer::read_request($conn);
            print {$conn} '8:exitcode,1:0,';
            $request;
        }
    );
    my @chunks = ("a", "", "bc");
    my $r      = Netspawn::Client->new($fake->address)->exec(['cat'], stdin => sub { @chunks ? shift @chunks : undef });
    is($fake->finish, '1:1,3:cat,1:a,2:bc,0:,', 'a code reference source: non-empty chunks, then the end marker');
    for my $source (["\x{e9}"], \"\x{e9}") {
        $fake = FakeServer->start(sub { FakeServer::read_request($_[0]) });
        eval { Netspawn::Client->new($fake->address)->exec(['cat'], stdin => $source, timeout => 2) };
        is($fake->finish, "1:1,3:cat,1:\xe9,0:,", 'characters up to 0xFF are bytes, whatever the internal encoding');
    }
    open my $fh, '<', \"from a filehandle" or die;
    $fake = FakeServer->start(sub { FakeServer::read_request($_[0]) });
    eval { Netspawn::Client->new($fake->address)->exec(['cat'], stdin => $fh, timeout => 2) };
    is($fake->finish, '1:1,3:cat,17:from a filehandle,0:,', 'a filehandle source');
}

{
    my $nowhere = Netspawn::Client->new('unix:/nonexistent/netspawn.sock');
    my @refused = (
        [ [],                     {}, 'argv must hold at least the program' ],
        [ 'ls -l',                {}, 'argv must be an array reference' ],
        [ [ 'echo', "a\0b" ],     {}, 'argv[1] contains a NUL byte' ],
        [ [ 'echo', "\x{263a}" ], {}, 'argv[1] contains wide characters' ],
        [ [ 'echo', undef ],      {}, 'argv[1] is undefined' ],
        [ ['cat'],                { stdin      => "\x{263a}" }, 'stdin contains wide characters' ],
        [ ['cat'],                { stdin      => {} },         'stdin must be a string' ],
        [ ['cat'],                { timeout    => 0 },          'timeout must be a number' ],
        [ ['cat'],                { timeout    => 'soon' },     'timeout must be a number' ],
        [ ['cat'],                { max_output => -1 },         'max_output must be a non-negative integer' ],
        [ ['cat'],                { stdout     => 'STDOUT' },   'stdout must be a code reference' ],
        [ ['cat'],                { bogus      => 1 },          'unknown option bogus' ],
    );
    for (@refused) {
        my ($argv, $options, $why) = @$_;
        my $error = failure(sub { $nowhere->exec($argv, %$options) });
        is(ref $error && $error->code, 'INVALID_ARGUMENT', "refused before connecting: $why");
        like("$error", qr/\Q$why\E/, "... $why");
    }
    my $error = failure(sub { $nowhere->exec(['true']) });
    is_deeply(
        [ $error->code,     $error->system_code ],
        [ 'CONNECT_FAILED', 'ENOENT' ],
        'a missing socket is CONNECT_FAILED'
    );
    is(failure(sub { Netspawn::Client->new('tcp://h:0') })->code, 'INVALID_ARGUMENT',
        'a bad address is refused at new');
    is(failure(sub { Netspawn::Client->new('x.sock', timeout => -1) })->code, 'INVALID_ARGUMENT',
        'so are bad defaults');
}

done_testing;
