#!/usr/bin/env python3
"""Reads `perf script` output and charges each sample to the component that owns it: the nearest frame, from the leaf
up, in a named component (EF Core, OpenIddict, ...); native SQLite and the kernel count as their own. Inclusive times
mislead in async code (a continuation runs the rest of a request inside whatever completed the awaited task), so this
counts where the CPU was spent, not who was waiting. With --by COMPONENT it lists, for that component's samples,
the caller just outside it (which of our or OpenIddict's operations paid for it)."""
import argparse, collections, re, sys

COMPONENTS = [
    ('SQLite (native)', lambda f, d: 'libe_sqlite3' in d),
    ('Microsoft.Data.Sqlite', lambda f, d: '[Microsoft.Data.Sqlite]' in f or '[SQLitePCLRaw' in f),
    ('EF Core', lambda f, d: '[Microsoft.EntityFrameworkCore' in f),
    ('OpenIddict', lambda f, d: '[OpenIddict' in f),
    ('Identity', lambda f, d: 'Identity.Core]' in f or '[Microsoft.AspNetCore.Identity' in f or 'Identity.Stores]' in f),
    ('IdentityModel (JWT, JWE)', lambda f, d: '[Microsoft.IdentityModel' in f or '[System.IdentityModel' in f),
    ('AuthServer', lambda f, d: '[AuthServer' in f),
    ('Serilog, logging', lambda f, d: '[Serilog' in f or '[Microsoft.Extensions.Logging' in f),
    ('OpenTelemetry, diagnostics', lambda f, d: '[OpenTelemetry' in f or '[System.Diagnostics.DiagnosticSource]' in f),
    ('ASP.NET Core, Kestrel', lambda f, d: '[Microsoft.AspNetCore' in f or '[System.Net.' in f or '[Microsoft.Extensions' in f),
    ('System.Text.Json', lambda f, d: '[System.Text.Json]' in f),
    ('cryptography (OpenSSL)', lambda f, d: 'libcrypto' in d or '[System.Security.Cryptography' in f),
    ('claims', lambda f, d: '[System.Security.Claims]' in f),
]


def samples(lines):
    stack = []
    for line in lines:
        line = line.rstrip('\n')
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line.startswith((' ', '\t')):
            m = re.match(r'\s*[0-9a-f]+\s+(.*)\s+\((.*)\)\s*$', line)
            if m:
                stack.append((m.group(1), m.group(2)))
        else:
            stack = []
    if stack:
        yield stack


def owner(stack):
    for frame, dso in stack:
        for name, test in COMPONENTS:
            if test(frame, dso):
                return name
    dso = stack[0][1].split('/')[-1] if stack else '?'
    return 'kernel (syscalls, page faults)' if 'kernel' in dso else f'runtime, libc ({dso})'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--by', help='a component name from the list, to see who called it')
    parser.add_argument('--top', type=int, default=15)
    args = parser.parse_args()
    all_samples = list(samples(sys.stdin))
    total = max(len(all_samples), 1)
    if not args.by:
        for name, count in collections.Counter(owner(s) for s in all_samples).most_common():
            print(f'{100 * count / total:5.1f} %  {name}')
        return
    test = dict(COMPONENTS)[args.by]
    callers = collections.Counter()
    for s in all_samples:
        if owner(s) != args.by:
            continue
        i = next(i for i, (f, d) in enumerate(s) if test(f, d))
        while i < len(s) and (test(*s[i]) or not re.search(r'\[(AuthServer|OpenIddict|Microsoft|Serilog|OpenTelemetry)', s[i][0])):
            i += 1
        callers[re.sub(r'\[Optimized\w*\]|\+0x[0-9a-f]+|instance |void ', '', s[i][0])[:140] if i < len(s) else '?'] += 1
    for caller, count in callers.most_common(args.top):
        print(f'{100 * count / total:5.1f} %  {caller}')


if __name__ == '__main__':
    main()
