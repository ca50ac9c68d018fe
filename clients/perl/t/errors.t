# Error codes and messages, as the TypeScript client's (clients/ts/errors.ts).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Netspawn::Client::Error;

my $E = 'Netspawn::Client::Error';
is_deeply(
    [ sort keys %Netspawn::Client::Error::CODES ],
    [
        sort qw(CONNECT_FAILED PROTOCOL_ERROR TIMEOUT ABORTED CLOSED_WITHOUT_STATUS SPAWN_FAILED OUTPUT_LIMIT
          STDIN_CLOSED INVALID_ARGUMENT)
    ],
    'the codes of the other clients',
);
is(
    "" . $E->connect_failed('unix:/run/nope.sock', 'ENOENT'),
    'cannot connect to unix:/run/nope.sock: no such socket (ENOENT)'
);
is("" . $E->connect_failed('unix:127.0.0.1:7001', 'ENOENT'),
    'cannot connect to unix:127.0.0.1:7001: no such socket (ENOENT); for TCP, write tcp://127.0.0.1:7001');
is("" . $E->connect_failed('unix:::1:7', 'ENOENT'),
    'cannot connect to unix:::1:7: no such socket (ENOENT); for TCP, write tcp://[::1]:7');
is("" . $E->connect_failed('tcp://h:1', 'EWHATEVER'), 'cannot connect to tcp://h:1: EWHATEVER');
my $p = $E->protocol_error('BAD_EXITCODE', 11, 'exitcode is not a decimal', "8:exitcode,2:x\x001,", 0);
is_deeply([ $p->code, $p->protocol_code, $p->offset ], [ 'PROTOCOL_ERROR', 'BAD_EXITCODE', 11 ]);
is($p->excerpt,                       "8:exitcode,\xc2\xbb2:x\\x001,", 'the excerpt marks the offset');
is("" . $E->timed_out(1.5),           'timed out after 1.5 s');
is("" . $E->aborted("stop\n"),        'aborted: stop');
is("" . $E->closed_without_status(9), 'the server closed the connection after 9 bytes, without an exit status');
like("" . $E->closed_without_status(0), qr/without a reply/);
my $s = $E->spawn_failed(127, 'netspawn: cannot run /x: program not found');
is_deeply([ $s->code, $s->exit_code, "$s" ], [ 'SPAWN_FAILED', 127, 'netspawn: cannot run /x: program not found' ]);
is($E->output_limit(1024)->limit, 1024);
ok(!eval { $E->new(code => 'NOPE') }, 'unknown codes are refused');

done_testing;
