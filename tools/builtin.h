/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_BUILTIN_H
#define VMPROF_BUILTIN_H

/* The vmprof commands; argv[0] is the command name. */
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_buildid_cache(int argc, char **argv);

#endif /* VMPROF_BUILTIN_H */
