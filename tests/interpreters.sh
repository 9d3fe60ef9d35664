#!/bin/sh
# interpreters.sh [--explain=DIR] PYENV_ROOT X.Y...: which CPythons the build can
# embed besides the pinned one. An interpreter is usable when pkg-config finds
# its python-X.Y-embed.pc: first in the newest pyenv build X.Y.* under
# PYENV_ROOT (its lib/pkgconfig), then on pkg-config's own path (Debian's
# pythonX.Y-dev). Without --explain: one word per usable interpreter,
# X.Y=DIR (DIR: the lib/pkgconfig folder, or "system"), for the Makefile.
# With --explain=DIR: one line per interpreter saying where it was found (and
# its binary, DIR/X.Y/pyprof-bench) or why it was not.
explain=
case $1 in --explain=*) explain=${1#--explain=}; shift ;; esac
root=$1
shift
out=
for v in "$@"; do
    dir=
    # The newest X.Y.Z first (a plain X.Y.Z name only: not 3.12.1-debug and the like).
    for d in $(ls -d "$root"/versions/"$v".* 2>/dev/null | grep -E "/$v\.[0-9]+\$" | sort -rV); do
        if [ -f "$d/lib/pkgconfig/python-$v-embed.pc" ]; then dir=$d/lib/pkgconfig; break; fi
    done
    if [ -n "$dir" ]; then
        where="pyenv $(PKG_CONFIG_PATH=$dir pkg-config --variable=exec_prefix python-$v-embed)"
    elif pkg-config --exists "python-$v-embed" 2>/dev/null; then
        dir=system
        where="pkg-config python-$v-embed, $(pkg-config --variable=exec_prefix python-$v-embed)"
    fi
    if [ -n "$dir" ]; then
        out="$out $v=$dir"
        [ -n "$explain" ] && echo "CPython $v: found ($where), $explain/$v/pyprof-bench"
    elif [ -n "$explain" ]; then
        echo "CPython $v: not built (no python-$v-embed.pc under $root/versions/$v.*/lib/pkgconfig" \
             "nor on pkg-config's path: install python$v-dev or a pyenv build)"
    fi
done
[ -z "$explain" ] && echo $out
exit 0
