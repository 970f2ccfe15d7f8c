#!/bin/sh
# Lays out the trainer's native libraries at image build time so the container never extracts or
# downloads anything at run time (read-only root filesystem, no network):
#   $OUT/djl-cache/pytorch/<torch>-<flavor>-linux-x86_64/<djl>-libdjl_torch.so   (DJL's JNI bridge)
#   $OUT/djl-cache/tokenizers/<version>-cpu-linux-x86_64/libtokenizers.so        (HF tokenizers)
#   $OUT/libtorch/lib/*                      (flavor cpu only: libtorch from pytorch-native-cpu)
#   $OUT/jna/libjnidispatch.so               (JNA, which DJL uses to probe CUDA)
# The first two are the exact paths DJL 0.35 looks up in DJL_CACHE_DIR before extracting from the jars
# (tokenizers in offline mode always takes its cpu build, also on GPU nodes: the jar has no other);
# JNA loads from -Djna.boot.library.path=$OUT/jna (with -Djna.nounpack=true it never unpacks to ~/.cache).
# pytorch-native-cpu is then removed from lib/: with PYTORCH_LIBRARY_PATH set DJL never reads it.
#
# usage: layout-natives.sh <cpu|cu128> <dir with selfalign-trainer.jar and lib/> <output dir>
set -eu
flavor=$1 app=$2 out=$3
case "$flavor" in cpu|cu128) ;; *) echo "flavor must be cpu or cu128, got '$flavor'" >&2; exit 2 ;; esac

one() { # exactly one file matches the glob, else fail naming it
  set -- $1
  if [ $# -ne 1 ] || [ ! -f "$1" ]; then echo "expected exactly one file matching $*" >&2; exit 1; fi
  echo "$1"
}
prop() { unzip -p "$1" "$2" | sed -n "s/^$3=//p" | tr -d '\r'; }

jni=$(one "$app/lib/pytorch-jni-*.jar")
tok=$(one "$app/lib/tokenizers-*.jar")
jna=$(one "$app/lib/jna-[0-9]*.jar")
jni_version=$(prop "$jni" jnilib/pytorch.properties jni_version)   # e.g. 2.7.1-0.35.1
torch_version=${jni_version%%-*}
djl_version=${jni_version#*-}
tok_version=$(prop "$tok" native/lib/tokenizers.properties version) # e.g. 0.21.0-0.35.1
[ -n "$torch_version" ] && [ -n "$djl_version" ] && [ -n "$tok_version" ] || {
  echo "cannot read versions from $jni / $tok" >&2; exit 1; }

pt_dir="$out/djl-cache/pytorch/$torch_version-$flavor-linux-x86_64"
tok_dir="$out/djl-cache/tokenizers/$tok_version-cpu-linux-x86_64"
mkdir -p "$pt_dir" "$tok_dir"
unzip -p "$jni" "jnilib/linux-x86_64/$flavor/libdjl_torch.so" > "$pt_dir/$djl_version-libdjl_torch.so"
unzip -p "$tok" native/lib/linux-x86_64/cpu/libtokenizers.so > "$tok_dir/libtokenizers.so"
mkdir -p "$out/jna"
unzip -p "$jna" com/sun/jna/linux-x86-64/libjnidispatch.so > "$out/jna/libjnidispatch.so"

native_cpu=$(one "$app/lib/pytorch-native-cpu-*.jar")
if [ "$flavor" = cpu ]; then
  mkdir -p "$out/libtorch/lib"
  unzip -q -j -o "$native_cpu" 'pytorch/cpu/linux-x86_64/*' -d "$out/libtorch/lib"
fi
rm "$native_cpu"

chmod -R a+rX,go-w "$out"
echo "torch $torch_version ($flavor), DJL $djl_version, tokenizers $tok_version laid out under $out"
