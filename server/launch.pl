#!/usr/bin/perl
# launch.pl [--block-sigusr1] PROGRAM [ARG...]: run PROGRAM (the netspawn
# server) with no file descriptor open above 2, and optionally with SIGUSR1
# blocked.
#
# Descriptors: Deno marks every descriptor it opens close-on-exec, but passes
# on any the server inherited from whoever started it (a shell, a test
# harness, a supervisor that leaks). Closing them here keeps the programs the
# server runs to fds 0, 1 and 2.
#
# SIGUSR1: Deno 2.9.2 and later open a V8 inspector on 127.0.0.1:9229 when
# the process receives SIGUSR1. The server guards against it by holding that
# port itself (server/inspector_guard.ts). --block-sigusr1 adds a second
# guard: a blocked signal stays pending and is never delivered. Deno passes
# the mask on to the programs it starts, so the server then starts each one
# through `env --default-signal=USR1`, an extra exec per program.
#
# See server/README.md.
use strict;
use warnings;
use POSIX qw(sigprocmask SIG_BLOCK SIGUSR1);

my $block = @ARGV && $ARGV[0] eq "--block-sigusr1";
shift @ARGV if $block;
@ARGV or die "usage: launch.pl [--block-sigusr1] PROGRAM [ARG...]\n";
if ($block) {
  sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGUSR1))
    or die "netspawn launch: cannot block SIGUSR1: $!\n";
}
opendir(my $dir, "/proc/self/fd") or die "netspawn launch: cannot list /proc/self/fd: $!\n";
my @inherited = grep { /^\d+$/ && $_ > 2 } readdir($dir);
closedir($dir);
POSIX::close($_) for @inherited;    # includes the directory's own, already closed: harmless
exec { $ARGV[0] } @ARGV or die "netspawn launch: cannot run $ARGV[0]: $!\n";
