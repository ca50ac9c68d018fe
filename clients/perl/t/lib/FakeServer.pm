package FakeServer;

# A one-connection server on a UNIX socket in a temporary directory, run by a
# forked child: it calls handler($conn), then closes. Whatever the handler
# returns (bytes) is handed back by finish().

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use POSIX       ();
use Socket      qw(SOCK_STREAM);
use Time::HiRes ();

sub start {
    my ($class, $handler) = @_;
    my $dir      = tempdir('netspawn-perl-fake-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $path     = "$dir/fake.sock";
    my $listener = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 1) or die "listen: $!";
    pipe(my $from_child, my $to_parent) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        close $from_child;
        local $SIG{PIPE} = 'IGNORE';
        local $SIG{ALRM} = sub { POSIX::_exit(3) };
        alarm 20;
        my $conn = $listener->accept or POSIX::_exit(2);
        binmode $conn;
        my $report = eval { $handler->($conn) } // '';
        close $conn;
        binmode $to_parent;
        print {$to_parent} $report;
        close $to_parent;
        POSIX::_exit(0);
    }
    close $to_parent;
    close $listener;
    return bless { pid => $pid, path => $path, address => "unix:$path", report => $from_child }, $class;
}

sub address { $_[0]{address} }

# What the handler returned, once the child has ended (within 20 seconds).
sub finish {
    my ($self) = @_;
    my $fh = $self->{report};
    binmode $fh;
    my $report = do { local $/; <$fh> }
      // '';
    my $deadline = Time::HiRes::time() + 20;
    while (waitpid($self->{pid}, POSIX::WNOHANG()) == 0) {
        die "the fake server did not finish\n" if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.01);
    }
    die "the fake server failed (status $?)\n" if $?;
    return $report;
}

# Everything the client sends up to and including the end marker "0:," (or its close).
sub read_request {
    my ($conn) = @_;
    my $data = '';
    while ($data !~ /0:,\z/) {
        my $got = sysread $conn, my $buf, 65536;
        last unless $got;
        $data .= $buf;
    }
    return $data;
}

# Read until the client closes; returns "closed".
sub await_close {
    my ($conn) = @_;
    1 while sysread $conn, my $buf, 65536;
    return 'closed';
}

1;
