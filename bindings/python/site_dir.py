"""Print where `meson install` puts the rnnlite module for this python3.

The site directory under the install prefix that the interpreter already
searches (Debian: /usr/local/lib/python3.X/dist-packages for /usr/local,
/usr/lib/python3/dist-packages for /usr), so `import rnnlite` works with no
PYTHONPATH; for a prefix the interpreter does not search (/opt/..., a
scratch directory), the standard lib/python3.X/site-packages under it, which
then needs PYTHONPATH.

    python3 site_dir.py PREFIX
"""
import os
import sys
import sysconfig

prefix = os.path.normpath(sys.argv[1])
# Under /usr, the /usr/local/... entries belong to the prefix /usr/local.
searched = [p for p in sys.path
            if p.startswith(prefix + os.sep) and os.path.basename(p) in ('dist-packages', 'site-packages')
            and not os.path.relpath(p, prefix).startswith('local' + os.sep)]
if searched:
    print(searched[0])
else:
    print(sysconfig.get_path('purelib', 'posix_prefix', vars={'base': prefix, 'platbase': prefix}))
