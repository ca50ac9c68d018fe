#!/usr/bin/perl
# launch.pl [--no-block-sigusr1] PROGRAM [ARG...]: run PROGRAM (the netspawn
# server) with SIGUSR1 blocked and no file descriptor open above 2.
#
# SIGUSR1: Deno 2.9.2 and later open a V8 inspector on 127.0.0.1:9229 when
# the process receives SIGUSR1 (and before Deno installs its own handler,
# about half a second after start, the signal's default action kills the
# process). A blocked signal stays pending and is never delivered, from the
# first instruction on; the mask survives exec and every thread Deno creates
# inherits it. The server holds the inspector's port as well
# (server/inspector_guard.ts). Programs get an empty signal mask from the
# posix_spawn backend; the Deno.Command backend starts them through
# `env --default-signal=USR1`, one more exec per program.
# --no-block-sigusr1 leaves the mask alone (--block-sigusr1, the default, is
# accepted too).
#
# Descriptors: Deno marks every descriptor it opens close-on-exec, but passes
# on any the server inherited from whoever started it (a shell, a test
# harness, a supervisor that leaks). Closing them here keeps the programs the
# server runs to fds 0, 1 and 2 with either backend.
#
# See server/README.md.
use strict;
use warnings;
use POSIX qw(sigprocmask SIG_BLOCK SIGUSR1);

my $block = 1;
while (@ARGV && $ARGV[0] =~ /^--(no-)?block-sigusr1$/) {
  $block = !defined $1;
  shift @ARGV;
}
@ARGV or die "usage: launch.pl [--no-block-sigusr1] PROGRAM [ARG...]\n";
if ($block) {
  sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGUSR1))
    or die "netspawn launch: cannot block SIGUSR1: $!\n";
}
opendir(my $dir, "/proc/self/fd") or die "netspawn launch: cannot list /proc/self/fd: $!\n";
my @inherited = grep { /^\d+$/ && $_ > 2 } readdir($dir);
closedir($dir);
POSIX::close($_) for @inherited;    # includes the directory's own, already closed: harmless
exec { $ARGV[0] } @ARGV or die "netspawn launch: cannot run $ARGV[0]: $!\n";
