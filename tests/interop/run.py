"""Runs one class of test_interop.py for meson: exit 0 when its tests pass,
77 (meson's skip) when every test was skipped (the reason is printed), 1
otherwise. Under RNNLITE_QUICK=1 the node peers (npm install) are skipped.

    python3 tests/interop/run.py TorchTests
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

name = sys.argv[1]
if os.environ.get('RNNLITE_QUICK') == '1' and name in ('TfjsTests', 'OnnxRuntimeTests'):
    print('skipped: RNNLITE_QUICK=1 leaves out the npm peers')
    sys.exit(77)
import test_interop  # noqa: E402

suite = unittest.defaultTestLoader.loadTestsFromName(name, test_interop)
result = unittest.TextTestRunner(verbosity=2).run(suite)
if not result.wasSuccessful():
    sys.exit(1)
if result.testsRun and len(result.skipped) == result.testsRun:
    for _, reason in result.skipped[:1]:
        print('skipped: ' + reason)
    sys.exit(77)
