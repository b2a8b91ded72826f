#!/usr/bin/env python3
"""Print debian/librnnlite0.symbols from lib/rnnlite.map.

Every exported symbol is listed by name with its version node, so
dpkg-gensymbols fails the package build when one disappears; a symbol of node
RNNLITE_X.Y gets the minimum version X.Y.0 (the release that added the node).

    tests/abi/debian_symbols.py lib/rnnlite.map > debian/librnnlite0.symbols
"""
import re
import sys


def nodes(map_text):
    text = re.sub(r'/\*.*?\*/', '', map_text, flags=re.S)
    for name, body in re.findall(r'(RNNLITE_[0-9.]+)\s*\{(.*?)\}', text, flags=re.S):
        body = body.split('local:')[0].replace('global:', '')
        yield name, re.findall(r'\b(rl_\w+)\s*;', body)


def main(path):
    with open(path) as f:
        text = f.read()
    print('librnnlite.so.0 librnnlite0 #MINVER#')
    print('* Build-Depends-Package: librnnlite-dev')
    for node, symbols in nodes(text):
        version = node.split('_', 1)[1] + '.0'
        for sym in sorted([node] + symbols):
            print(f' {sym}@{node} {version}')


if __name__ == '__main__':
    main(sys.argv[1])
