#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The options of each vmprof command are the same in its --help, its man
page (docs/man) and the bash completion (tools/completion/vmprof.bash),
like bpftool's test_bpftool_synctypes.py.  So are the --format names and
the record (and top) events, and the commands.  Prints PASS/FAIL lines.

usage: options-sync.py TOP VMPROF
"""
import re
import subprocess
import sys

top, vmprof = sys.argv[1], sys.argv[2]
OPT = re.compile(r'(?<![\w-])(--?[a-zA-Z][\w-]*)')
failed = False


def result(name, a, b, what_a, what_b):
    global failed
    if a == b and a:
        print('PASS: options: %s' % name)
    else:
        failed = True
        print('FAIL: options: %s: only in %s: %s; only in %s: %s' %
              (name, what_a, ' '.join(sorted(a - b)) or '-',
               what_b, ' '.join(sorted(b - a)) or '-'))


def help_opts(args):
    out = subprocess.run([vmprof] + args, capture_output=True, text=True,
                         check=True).stdout
    opts, section = set(), None
    for line in out.splitlines():
        if re.match(r'^\S.*:$', line):
            section = line
            continue
        if section == 'Options:' and re.match(r'^  \s*-', line):
            head = re.split(r'\s{2,}', line.strip())[0]
            opts |= set(OPT.findall(head))
    return opts, out


def man_opts(page):
    text = open('%s/docs/man/%s' % (top, page)).read()
    text = text.replace('\\-', '-')
    text = re.sub(r'\\f[BIRP]', '', text)
    opts, section, tag = set(), None, False
    for line in text.splitlines():
        if line.startswith('.SH'):
            section = line[3:].strip()
            continue
        if section != 'OPTIONS':
            continue
        if line.startswith('.TP') or line.startswith('.TQ'):
            tag = True
            continue
        if tag:
            opts |= set(OPT.findall(line))
            tag = False
    return opts, text


def completion_words(var):
    text = open('%s/tools/completion/vmprof.bash' % top).read()
    m = re.search(r'local %s="([^"]*)"' % var, text, re.S)
    return set(m.group(1).split()) if m else set()


for cmd, page, var in (([], 'vmprof.1', 'main_opts'),
                       (['record'], 'vmprof-record.1', 'record_opts'),
                       (['report'], 'vmprof-report.1', 'report_opts'),
                       (['list'], 'vmprof-list.1', 'list_opts'),
                       (['top'], 'vmprof-top.1', 'top_opts'),
                       (['buildid-cache'], 'vmprof-buildid-cache.1',
                        'buildid_cache_opts')):
    name = ' '.join(['vmprof'] + cmd)
    h, _ = help_opts(cmd + ['--help'])
    m, _ = man_opts(page)
    c = completion_words(var)
    result('%s: --help and man page %s' % (name, page), h, m, '--help', page)
    result('%s: --help and bash completion' % name, h, c, '--help',
           'completion')

# Values: report --format and record -e.
_, rep_help = help_opts(['report', '--help'])
fmt_help = set(re.findall(r'^ {30,}(\w[\w-]*) {2,}', rep_help, re.M))
_, rep_man = man_opts('vmprof-report.1')
fmt_man = set(re.findall(r'^\.TP\n\.B ([\w-]+)\n', rep_man, re.M))
result('report --format names: --help and man page', fmt_help, fmt_man,
       '--help', 'vmprof-report.1')
result('report --format names: --help and bash completion', fmt_help,
       completion_words('formats'), '--help', 'completion')
_, rec_help = help_opts(['record', '--help'])
m = re.search(r'--event EVENT\s+(.*?);', rec_help, re.S)
ev_help = set(re.findall(r'[a-z][a-z-]+', m.group(1)) if m else []) - {'default'}
result('record events: --help and bash completion', ev_help,
       completion_words('events'), '--help', 'completion')
_, top_help = help_opts(['top', '--help'])
m = re.search(r'--event EVENT\s+(.*?);', top_help, re.S)
ev_top = set(re.findall(r'[a-z][a-z-]+', m.group(1)) if m else []) - {'default'}
result('top events: --help and record --help', ev_top, ev_help, 'top',
       'record')

# The commands: vmprof --help, vmprof.1 and the completion.
_, main_help = help_opts(['--help'])
cmd_help = set(re.findall(r'^  ([a-z][a-z-]*)  ', main_help.split('Commands:')[1]
                          .split('Options:')[0], re.M))
main_man = open('%s/docs/man/vmprof.1' % top).read().replace('\\-', '-')
cmd_man = set(re.findall(r'^\.TP\n\.(?:B|BR) ([a-z][a-z-]*)',
                         main_man.split('.SH COMMANDS')[1]
                         .split('.SH OPTIONS')[0], re.M))
result('commands: vmprof --help and vmprof.1', cmd_help, cmd_man, '--help',
       'vmprof.1')
result('commands: vmprof --help and bash completion', cmd_help,
       completion_words('commands'), '--help', 'completion')
sys.exit(1 if failed else 0)
