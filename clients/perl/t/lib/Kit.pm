package Kit;

# Reading the conformance kit's vectors (conformance/vectors) for the Perl tests.

use strict;
use warnings;

use Encode         ();
use File::Basename qw(dirname);
use File::Spec;
use JSON::PP;
use MIME::Base64 qw(decode_base64);

our $ROOT = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), ('..') x 4));

# The vectors of one file, e.g. load('codec', 'response').
sub load {
    my ($kind, $name) = @_;
    my $path = File::Spec->catfile($ROOT, 'conformance', 'vectors', $kind, "$name.json");
    open my $fh, '<:raw', $path or die "$path: $!";
    my $json = do { local $/; <$fh> };
    return JSON::PP->new->utf8->decode($json)->{vectors};
}

# The kit's byte notation: a U+0000-U+00FF string, {utf8}, {hex}, {base64}, {repeat, count}, or an array.
sub bytes_of {
    my ($spec) = @_;
    if (!ref $spec) {
        my $copy = $spec;
        utf8::downgrade($copy);
        return $copy;
    }
    return join '', map { bytes_of($_) } @$spec if ref $spec eq 'ARRAY';
    return Encode::encode('UTF-8', $spec->{utf8}) if exists $spec->{utf8};
    return pack 'H*', $spec->{hex} if exists $spec->{hex};
    return decode_base64($spec->{base64})             if exists $spec->{base64};
    return bytes_of($spec->{repeat}) x $spec->{count} if exists $spec->{repeat};
    die "not a byte spec\n";
}

# The input whole, one byte at a time, and split at every boundary (at 64 points for long inputs).
sub splits {
    my ($data) = @_;
    my $n      = length $data;
    my @out    = ([$data], [ map { substr $data, $_, 1 } 0 .. $n - 1 ]);
    my $step   = int($n / 64) || 1;
    for (my $at = 1 ; $at < $n ; $at += $step) {
        push @out, [ substr($data, 0, $at), substr($data, $at) ];
    }
    return @out;
}

1;
