# The Perl client end to end against netspawn's server (started by clients/perl/perl_test.ts).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes ();
use Netspawn::Client;

my %ADDRESS = (unix => $ENV{NETSPAWN_TEST_UNIX}, tcp => $ENV{NETSPAWN_TEST_TCP});
plan skip_all => 'no netspawn server: set NETSPAWN_TEST_UNIX and NETSPAWN_TEST_TCP, or run `deno test -A clients/perl/`'
  unless $ADDRESS{unix} && $ADDRESS{tcp};

sub failure {
    my ($code) = @_;
    return eval { $code->(); 1 } ? undef : $@;
}

# Wait until process $pid is gone; fail after $seconds.
sub gone {
    my ($pid, $seconds) = @_;
    my $deadline = Time::HiRes::time() + $seconds;
    while (-e "/proc/$pid") {
        return 0 if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.02);
    }
    return 1;
}

# The value of $read->() once it stopped changing for $quiet seconds (undef after $seconds).
sub stalled {
    my ($read, $quiet, $seconds) = @_;
    my $start = Time::HiRes::time();
    my ($last, $since) = ($read->(), Time::HiRes::time());
    while (Time::HiRes::time() - $start < $seconds) {
        Time::HiRes::sleep(0.02);
        my $now = $read->();
        if    ($now != $last)                          { ($last, $since) = ($now, Time::HiRes::time()) }
        elsif (Time::HiRes::time() - $since >= $quiet) { return $now }
    }
    return undef;
}

sub written {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/io" or return -1;
    local $/;
    return <$fh> =~ /^wchar: (\d+)$/m ? $1 : -1;
}

sub rss {
    open my $fh, '<', '/proc/self/status' or return 0;
    local $/;
    return <$fh> =~ /^VmRSS:\s+(\d+) kB/m ? $1 * 1024 : 0;
}

my $ALL = join '', map { chr } 0 .. 255;

for my $transport (qw(unix tcp)) {
    my $client = Netspawn::Client->new($ADDRESS{$transport});
    is_deeply(
        $client->exec([ 'echo', 'hello' ]),
        { stdout => "hello\n", stderr => '', exit_code => 0, signal => undef },
        "$transport: echo"
    );
    is_deeply(
        $client->exec([ 'sh', '-c', 'echo out; echo err >&2; exit 3' ]),
        { stdout => "out\n", stderr => "err\n", exit_code => 3, signal => undef },
        "$transport: both streams, exit 3"
    );
    is($client->exec([ 'sh', '-c', 'exit 255' ])->{exit_code}, 255, "$transport: exit 255");
    for my $name (qw(TERM KILL HUP)) {
        my $r = $client->exec([ 'sh', '-c', "kill -$name \$\$" ]);
        is_deeply([ $r->{exit_code}, $r->{signal} ], [ undef, $name ], "$transport: killed by $name");
    }
    is($client->exec(['cat'], stdin => $ALL x 3)->{stdout}, $ALL x 3, "$transport: every byte value through cat");
    my $arg = substr $ALL, 1;
    is($client->exec([ 'printf', '%s', $arg ])->{stdout},
        $arg, "$transport: an argument that is not UTF-8, byte for byte");
    my $upgraded = "caf\x{e9}";
    utf8::upgrade($upgraded);
    is($client->exec([ 'printf', '%s', $upgraded ])->{stdout},
        "caf\xe9", "$transport: an upgraded string is sent as its bytes");
    is($client->exec([ 'printf', '[%s]', '', '$(id)', '*' ])->{stdout}, '[][$(id)][*]', "$transport: no shell");
}

my $client = Netspawn::Client->new($ADDRESS{unix});
{
    my $error = failure(sub { $client->exec(['/nonexistent/cmd']) });
    is_deeply(
        [ $error->code,   $error->exit_code, "$error" ],
        [ 'SPAWN_FAILED', 127,               'netspawn: cannot run /nonexistent/cmd: program not found' ],
        'a missing program: SPAWN_FAILED 127'
    );
    my $dir = tempdir('netspawn-perl-e2e-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    open my $fh, '>', "$dir/not-executable" or die;
    print {$fh} "#!/bin/sh\n";
    close $fh;
    chmod 0644, "$dir/not-executable";
    $error = failure(sub { $client->exec(["$dir/not-executable"]) });
    is_deeply(
        [ $error->code,   $error->exit_code ],
        [ 'SPAWN_FAILED', 126 ],
        'a file that is not executable: SPAWN_FAILED 126'
    );
    $error = failure(sub { Netspawn::Client->new("$dir/nobody.sock")->exec(['true']) });
    is($error->code, 'CONNECT_FAILED', 'nothing listening: CONNECT_FAILED');
}

# The remote program's pid arrives first, on stdout.
sub with_pid {
    my ($script, %options) = @_;
    my ($pid, $line)       = (undef, '');
    my $seen  = $options{stdout} // sub { };
    my $error = failure(
        sub {
            $client->exec(
                [ 'sh', '-c', "echo \$\$; $script" ],
                %options,
                stdout => sub {
                    if (!defined $pid) {
                        $line .= $_[0];
                        ($pid) = $line =~ /\A(\d+)\n/ or return;
                    }
                    $seen->($_[0], $pid);
                }
            );
        }
    );
    return ($error, $pid);
}

{
    my ($error, $pid) = with_pid('while :; do echo tick; sleep 0.1; done', timeout => 1);
    is($error && $error->code, 'TIMEOUT', 'a timeout');
    ok(gone($pid, 10), '... kills the remote program');
    ($error, $pid) =
      with_pid('while :; do echo tick; sleep 0.1; done', stdout => sub { die "stop\n" if defined $_[1] });
    is($error && $error->code, 'ABORTED', 'a callback that dies');
    ok(gone($pid, 10), '... kills the remote program');
}

{
    my $total = 100 * 1024 * 1024;
    my $piece = join '', map { chr(($_ * 7) % 256) } 0 .. 256 * 1024 - 1;
    my ($sent, $received, $intact, $baseline) = (0, 0, 1, rss());
    my $peak = $baseline;
    my $r    = $client->exec(
        ['cat'],
        stdin  => sub { return undef if $sent >= $total; $sent += length $piece; $piece },
        stdout => sub {
            $intact &&= substr($_[0], 0, 1) eq substr($piece, $received % length $piece, 1);
            $received += length $_[0];
            my $now = rss();
            $peak = $now if $now > $peak;
        },
        timeout => 120,
    );
    is_deeply([ $r->{exit_code}, $received, $intact ], [ 0, $total, 1 ], '100 MiB each way through cat');
    cmp_ok(
        $peak - $baseline,
        '<',
        32 * 1024 * 1024,
        sprintf('... with RSS growing by %.1f MiB', ($peak - $baseline) / 1048576)
    );
}

{
    my $total = 100 * 1024 * 1024;
    my ($stalled_at, $received, $baseline, $grew, $remote) = (undef, 0, 0, 0, 0);
    my ($error) = with_pid(
        "exec head -c $total /dev/zero",
        timeout => 120,
        stdout  => sub {
            my ($chunk, $pid) = @_;
            $remote = $pid;
            if (!defined $stalled_at) {    # a reader that pauses: nothing is read while the program runs on
                $stalled_at = stalled(sub { written($pid) }, 0.3, 20) // -1;
                $baseline   = rss();
            }
            $received += length $chunk;
            $grew = rss() - $baseline if $received % (8 << 20) < length $chunk;
        }
    );
    ok(!$error, 'a reader that pauses') or diag "$error";
    ok($stalled_at > 0 && $stalled_at < 16 * 1024 * 1024,
        "... stalls the program (it wrote $stalled_at bytes meanwhile)");
    is($received, length("$remote\n") + $total, '... and loses nothing');
    cmp_ok($grew, '<', 32 * 1024 * 1024, '... with bounded memory');
}

done_testing;
