#!/usr/bin/env python3
"""The public header, the linker version script and the built shared library
must agree on the exported API.

Checks:
  - every rl_ function declared in the header carries RL_API, and the set of
    those declarations equals the set of names in the version script;
  - the version script lists names explicitly (no wildcard in a global list),
    each once, and ends the first node with `local: *;`;
  - the library exports exactly those names (nothing else leaks), each bound
    to the version node that lists it;
  - the library's soname is the expected one.

Usage: check_symbols.py HEADER MAP LIBRARY SONAME [NM [READELF]]
"""
import re
import subprocess
import sys

FUNC_NAME = re.compile(r'\b(rl_[A-Za-z0-9_]+)\s*\(')


def strip_c_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', ' ', text)


def header_functions(path, errors):
    with open(path, encoding='utf-8') as f:
        code = strip_c_comments(f.read())
    # Preprocessor lines hold macros (RL_API itself), not declarations.
    code = '\n'.join(l for l in code.splitlines() if not l.lstrip().startswith('#'))
    declared = set()
    exported = set()
    for stmt in code.split(';'):
        names = FUNC_NAME.findall(stmt)
        # A function-pointer typedef (rl_forecaster) declares no function.
        if not names or re.match(r'\s*typedef\b', stmt):
            continue
        # A declaration's name is the first rl_ identifier followed by '('.
        name = names[0]
        declared.add(name)
        if re.search(r'\bRL_API\b', stmt):
            exported.add(name)
    for name in sorted(declared - exported):
        errors.append(f'header: {name} is declared without RL_API')
    return exported


def version_nodes(path, errors):
    """Return {symbol: node}, in the order the script lists them."""
    with open(path, encoding='utf-8') as f:
        text = strip_c_comments(f.read())
    symbols = {}
    nodes = re.findall(r'([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;', text, flags=re.S)
    if not nodes:
        errors.append(f'{path}: no version node')
    for index, (node, body, _parent) in enumerate(nodes):
        scope = None
        for entry in (e.strip() for e in body.split(';')):
            if not entry:
                continue
            label = re.match(r'(global|local)\s*:\s*(.*)', entry, flags=re.S)
            if label:
                scope, entry = label.group(1), label.group(2).strip()
                if not entry:
                    continue
            if scope == 'local':
                if entry != '*' or index != 0:
                    errors.append(f'{path}: unexpected local entry {entry!r} in {node}')
                continue
            if any(c in entry for c in '*?['):
                errors.append(f'{path}: wildcard {entry!r} in {node}: list names explicitly')
            elif entry in symbols:
                errors.append(f'{path}: {entry} listed twice ({symbols[entry]} and {node})')
            else:
                symbols[entry] = node
    if nodes and not re.search(r'local\s*:\s*\*\s*;', nodes[0][1]):
        errors.append(f'{path}: the first node must end with "local: *;"')
    return symbols


def library_exports(path, nm, errors):
    out = subprocess.run([nm, '-D', '--defined-only', path], check=True,
                         capture_output=True, text=True).stdout
    exports = {}
    version_defs = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        kind, name = fields[1], fields[2]
        if kind == 'A':  # version definition, e.g. RNNLITE_0.1
            version_defs.add(name)
            continue
        base, _, version = name.partition('@')
        exports[base] = version.lstrip('@')
    return exports, version_defs


def soname(path, readelf):
    out = subprocess.run([readelf, '-d', path], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r'\(SONAME\)\s+Library soname: \[([^\]]+)\]', out)
    return m.group(1) if m else None


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    header, mapfile, library, want_soname = argv[1:5]
    nm = argv[5] if len(argv) > 5 else 'nm'
    readelf = argv[6] if len(argv) > 6 else 'readelf'
    errors = []

    in_header = header_functions(header, errors)
    in_map = version_nodes(mapfile, errors)
    exports, version_defs = library_exports(library, nm, errors)

    for name in sorted(in_header - in_map.keys()):
        errors.append(f'{name}: declared in the header, missing from the version script')
    for name in sorted(in_map.keys() - in_header):
        errors.append(f'{name}: in the version script, not declared in the header')
    for name in sorted(in_map.keys() - exports.keys()):
        errors.append(f'{name}: in the version script, not exported by the library')
    for name in sorted(exports.keys() - in_map.keys()):
        errors.append(f'{name}: exported by the library, not in the version script')
    for name in sorted(in_map.keys() & exports.keys()):
        if exports[name] != in_map[name]:
            errors.append(f'{name}: bound to version {exports[name] or "(none)"}, '
                          f'the script says {in_map[name]}')
    for node in sorted(set(in_map.values()) - version_defs):
        errors.append(f'version node {node} is not defined in the library')

    got_soname = soname(library, readelf)
    if got_soname != want_soname:
        errors.append(f'soname is {got_soname}, expected {want_soname}')

    print(f'# {len(in_header)} header functions, {len(in_map)} script entries, '
          f'{len(exports)} exported symbols, soname {got_soname}')
    for e in errors:
        print('error:', e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
