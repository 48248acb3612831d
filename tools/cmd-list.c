// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof list: the KVM virtual machines of this host (vmlist.c finds
 * them), as a table, JSON, or names alone.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "json.h"
#include "util.h"
#include "vmlist.h"

static const char list_usage[] =
"Usage: vmprof list [OPTIONS]\n"
"\n"
"List the KVM virtual machines of this host: the processes that hold a\n"
"KVM VM file.  A VM's name is its libvirt domain name, else QEMU's -name,\n"
"else the name of its process; 'vmprof record' and 'vmprof top' take it\n"
"in place of the PID (-p NAME, --vm NAME).\n"
"\n"
"Columns: PID of the VMM, NAME, VCPUS (KVM vCPU files), MEMORY (guest RAM\n"
"from QEMU's -m, '-' for other VMMs), RSS (the VMM's resident memory),\n"
"UPTIME ([[DD-]HH:]MM:SS since the VMM started), VMM (its process name).\n"
"\n"
"Options:\n"
"      --format FORMAT  text (default) or json\n"
"      --name           print the names only, one a line\n"
"  -h, --help           show this help\n"
"\n"
"Without root, only the VMs whose files this user may read are seen.\n"
"Exit status: 0 ok (also when there is no VM), 64 usage.\n";

enum {
	OPT_FORMAT = 256,
	OPT_NAME,
};

static const struct option list_options[] = {
	{ "format",	required_argument,	NULL, OPT_FORMAT },
	{ "name",	no_argument,		NULL, OPT_NAME },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct list_opts {
	bool json;
	bool names;
};

static int parse_options(struct list_opts *o, int argc, char **argv)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", list_options, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (!strcmp(optarg, "json")) {
				o->json = true;
			} else if (strcmp(optarg, "text")) {
				pr_usage("list",
					 "--format takes text or json, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_NAME:
			o->names = true;
			break;
		case 'h':
			fputs(list_usage, stdout);
			return 1;
		default:
			pr_bad_option("list", c, argv);
			return -1;
		}
	}
	if (optind < argc) {
		pr_usage("list", "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->names && o->json) {
		pr_usage("list", "--name and --format json cannot be used together");
		return -1;
	}
	return 0;
}

/* 1536 -> "1.5K", 67108864 -> "64M", as ps and top print sizes. */
static void fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "BKMGTPE";
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && units[u + 1]) {
		v /= 1024;
		u++;
	}
	if (u && v < 10 && v != (uint64_t)v)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

/* [[DD-]HH:]MM:SS, as ps prints the elapsed time. */
static void fmt_uptime(char *buf, size_t len, uint64_t s)
{
	uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d)
		snprintf(buf, len, "%" PRIu64 "-%02" PRIu64 ":%02" PRIu64
			 ":%02" PRIu64, d, h, m, s % 60);
	else if (h)
		snprintf(buf, len, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
			 h, m, s % 60);
	else
		snprintf(buf, len, "%02" PRIu64 ":%02" PRIu64, m, s % 60);
}

static void print_text(const struct vm_list *l)
{
	int wname = 4;
	size_t i;

	for (i = 0; i < l->nr; i++)
		if ((int)strlen(l->v[i].name) > wname)
			wname = strlen(l->v[i].name);
	printf("%7s  %-*s  %5s  %6s  %6s  %11s  %s\n", "PID", wname, "NAME",
	       "VCPUS", "MEMORY", "RSS", "UPTIME", "VMM");
	for (i = 0; i < l->nr; i++) {
		const struct vm_entry *e = &l->v[i];
		char mem[16] = "-", rss[16], up[32];

		if (e->have_memory)
			fmt_size(mem, sizeof(mem), e->memory);
		fmt_size(rss, sizeof(rss), e->rss);
		fmt_uptime(up, sizeof(up), e->uptime_s);
		printf("%7d  %-*s  %5u  %6s  %6s  %11s  %s\n", (int)e->pid,
		       wname, e->name, e->nr_vcpus, mem, rss, up, e->comm);
	}
}

static void print_json(const struct vm_list *l)
{
	struct json_writer j;
	size_t i;

	json__init(&j, stdout);
	json__begin_object(&j, NULL);
	json__begin_array(&j, "vms");
	for (i = 0; i < l->nr; i++) {
		const struct vm_entry *e = &l->v[i];

		json__begin_object(&j, NULL);
		json__i64(&j, "pid", e->pid);
		json__string(&j, "name", e->name);
		json__string(&j, "name_source",
			     vm_name_source__name(e->name_source));
		json__u64(&j, "vcpus", e->nr_vcpus);
		if (e->have_memory)
			json__u64(&j, "memory_bytes", e->memory);
		else
			json__null(&j, "memory_bytes");
		json__u64(&j, "rss_bytes", e->rss);
		json__u64(&j, "uptime_seconds", e->uptime_s);
		json__string(&j, "vmm", e->comm);
		json__end_object(&j);
	}
	json__end_array(&j);
	json__end_object(&j);
	json__finish(&j);
}

int cmd_list(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct vm_list l;
	size_t i;

	switch (parse_options(&o, argc, argv)) {
	case 1:
		return VMPROF_EXIT_OK;
	case -1:
		return VMPROF_EXIT_USAGE;
	}
	vm_list__scan(&l, false);
	if (o.json) {
		print_json(&l);
	} else if (o.names) {
		for (i = 0; i < l.nr; i++)
			printf("%s\n", l.v[i].name);
	} else {
		print_text(&l);
	}
	if (!o.json && !o.names && !l.nr)
		pr_note("no KVM virtual machine runs on this host%s",
			l.unreadable && geteuid() ?
			" (or none this user may see: run as root)" : "");
	vm_list__free(&l);
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("writing the list: %m");
		return VMPROF_EXIT_ERROR;
	}
	return VMPROF_EXIT_OK;
}
