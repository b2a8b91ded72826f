#!/bin/sh
# Run by `meson install` after the library is in place (lib/meson.build).
# Without it, a program linked with `pkg-config --libs rnnlite` fails to start
# ("librnnlite.so.0: cannot open shared object file") until someone runs
# ldconfig by hand. Packaging installs into DESTDIR and lets the package
# manager refresh the cache, so nothing happens then.
#
#   ldconfig.sh LIBDIR
libdir=$1
[ -z "${DESTDIR:-}" ] || exit 0
command -v ldconfig >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
if [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null 2>&1; then
    ldconfig || echo "rnnlite: ldconfig failed; run it by hand" >&2
fi
# Tell the user when the loader will still not find the library: a prefix
# outside the loader's search path (a home directory, /opt/...).
if command -v ldconfig >/dev/null 2>&1 &&
    ! ldconfig -p 2>/dev/null | grep -q "librnnlite.so.0 .*=> $libdir/librnnlite.so.0\$"; then
    cat >&2 <<MSG
rnnlite: $libdir is not in the dynamic loader's search path. Programs using
rnnlite need LD_LIBRARY_PATH=$libdir (or add $libdir to
/etc/ld.so.conf.d/rnnlite.conf and run ldconfig as root).
MSG
fi
exit 0
