#!/usr/bin/perl
# launch.pl PROGRAM [ARG...]: run PROGRAM (the netspawn server) with SIGUSR1
# blocked and no file descriptor open above 2.
#
# SIGUSR1: Deno 2.9.2 and later open a V8 inspector on 127.0.0.1:9229 when
# the process receives SIGUSR1, and no flag turns that off. Any process of
# the server's user, including a program the server runs, could send it and
# then execute code inside the server. A blocked signal stays pending and is
# never delivered; the mask survives exec and is inherited by every thread
# Deno starts. Deno resets the mask of the programs it spawns, so they are
# not affected.
#
# Descriptors: Deno marks every descriptor it opens close-on-exec, but passes
# on any the server inherited from whoever started it; closing them here keeps
# the programs' descriptors to 0, 1 and 2.
#
# See server/README.md.
use strict;
use warnings;
use POSIX qw(sigprocmask SIG_BLOCK SIGUSR1);

@ARGV or die "usage: launch.pl PROGRAM [ARG...]\n";
sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGUSR1))
  or die "netspawn launch: cannot block SIGUSR1: $!\n";
opendir(my $dir, "/proc/self/fd") or die "netspawn launch: cannot list /proc/self/fd: $!\n";
my @inherited = grep { /^\d+$/ && $_ > 2 } readdir($dir);
closedir($dir);
POSIX::close($_) for @inherited;    # includes the directory's own, already closed: harmless
exec { $ARGV[0] } @ARGV or die "netspawn launch: cannot run $ARGV[0]: $!\n";
