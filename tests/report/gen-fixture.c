// SPDX-License-Identifier: GPL-2.0
/*
 * gen-fixture: write a vmprof data file from a text spec, with the
 * writer in tools/data.c, for the report tests.
 *
 *   gen-fixture [--keep-old] OUT.data < SPEC
 *
 * --keep-old first renames an existing OUT.data to OUT.data.old, with the
 * function 'vmprof record' calls for it.
 *
 * One directive a line; '#' starts a comment; values are decimal or 0x
 * hex.  Keys not given are 0 unless noted.
 *
 *   info mode=cpu-switch|domain-switch|system event=NAME isa=svm|vmx
 *        pid=N sample=N freq=0|1 vcpus=N lstar=ADDR start=NS
 *   string KEY TEXT...        KEY: host-release vmm-cmdline vmm-comm
 *                             module-version tool-version hostname
 *   kallsyms FILE             embed FILE as the host kallsyms
 *   mmap start= end= pgoff= pid= path=PATH build-id=HEX|auto|none
 *   sample ctx=CONTEXT rip= host-ip= exit-rip= exit= vcpu= pid= tid=
 *          cpu= period= time= count=N (default 1) flags=exit,vcpu,worker
 *          (time auto-increments by 1 ms per sample when not given;
 *           exit-rip implies flags=exit, vcpu defaults to 0)
 *   comm pid=N NAME           a COMM record (system-wide recordings)
 *   lost n=N time=NS cpu=N
 *   exit isa=svm|vmx reason=N count=N ns=N [offcpu=N]
 *                             (collected into one EXIT_STATS record;
 *                             the off-CPU times, if any exit has one)
 *   exit-stats                write the collected EXIT_STATS now
 *   stats samples= lost= filtered= vcpus= alive= enabled= running=
 *         flags= missed= v0=1 (v0=1: the STATS record of vmprof 0.1)
 *   raw type=N size=N         a record of a type vmprof does not know
 *   stack [user=1] ip=A sp=A [bp=A] [REG=V...] seg=ADDR:KIND:END:W0/W1/...
 *                             a GUEST_STACK record (before its sample):
 *                             registers by their names (ax bx cx dx si di
 *                             bp sp ip flags r8..r15), segments of 64-bit
 *                             words (KIND task irq user other, END top
 *                             size fault); several seg= allowed
 *   orc name=N start=A end=A iptable=A ip=HEX orc=HEX
 *                             a GUEST_ORC record: the raw tables as hex
 *   end time=NS reason=N
 *   guest-kernel release=R build-id=HEX|file:PATH kaslr=N lstar=N
 *          flags=lstar-ok,lstar-bad,la57,tasks
 *   guest-module name=N base= size= build-id=HEX|file:PATH sections=FILE
 *          symbols=FILE    (sections: "NAME ADDR" lines; symbols: kallsyms
 *                           text as the guest prints it)
 *   guest-task cpu= pid= tid= comm= task= vcpu= time=
 *   guest-exe pid= start= end= bias= path=P build-id=HEX|file:PATH
 *   sample ... gpid=N gtid=N   the sample's guest task (flag set)
 * info also takes callgraph=orc|fp|dwarf and stacksize=N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "names.h"
#include "symbolize.h"
#include "symfind.h"

static const char * const reg_names[VMPROF_REG_NR] = {
	[VMPROF_REG_AX] = "ax", [VMPROF_REG_BX] = "bx", [VMPROF_REG_CX] = "cx",
	[VMPROF_REG_DX] = "dx", [VMPROF_REG_SI] = "si", [VMPROF_REG_DI] = "di",
	[VMPROF_REG_BP] = "bp", [VMPROF_REG_SP] = "sp", [VMPROF_REG_IP] = "ip",
	[VMPROF_REG_FLAGS] = "flags", [VMPROF_REG_R8] = "r8",
	[VMPROF_REG_R9] = "r9", [VMPROF_REG_R10] = "r10",
	[VMPROF_REG_R11] = "r11", [VMPROF_REG_R12] = "r12",
	[VMPROF_REG_R13] = "r13", [VMPROF_REG_R14] = "r14",
	[VMPROF_REG_R15] = "r15",
};

static const char *cur_line;
static int lineno;

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "gen-fixture: line %d: %s: %s", lineno, what,
		cur_line ? cur_line : "\n");
	exit(1);
}

struct kv {
	char *key;
	char *val;
};

static int split(char *s, struct kv *kv, int max)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');

		if (n == max)
			die("too many fields");
		kv[n].key = tok;
		kv[n].val = NULL;
		if (eq) {
			*eq = 0;
			kv[n].val = eq + 1;
		}
		n++;
	}
	return n;
}

static const char *get(struct kv *kv, int n, const char *key)
{
	int i;

	for (i = 1; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].val ? kv[i].val : "";
	return NULL;
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		die("bad number");
	return v;
}

static unsigned long long getnum(struct kv *kv, int n, const char *key,
				 unsigned long long def)
{
	const char *v = get(kv, n, key);

	return v ? num(v) : def;
}

static uint32_t isa_of(const char *s)
{
	if (!s)
		return VMPROF_ISA_UNKNOWN;
	if (!strcmp(s, "svm"))
		return VMPROF_ISA_SVM;
	if (!strcmp(s, "vmx"))
		return VMPROF_ISA_VMX;
	return num(s);
}

static int hexbyte(const char *s);

/* build-id=HEX, or file:PATH for the build-id of a file (a vmlinuz too). */
static int build_id_of(const char *v, unsigned char *out)
{
	size_t i, l;

	if (!v || !strcmp(v, "none"))
		return 0;
	if (!strncmp(v, "file:", 5)) {
		int r = vmprof_symfind_build_id(v + 5, out, VMPROF_BUILD_ID_MAX);

		if (r <= 0)
			die("no build-id in file");
		return r;
	}
	l = strlen(v);
	if (l % 2 || l / 2 > VMPROF_BUILD_ID_MAX)
		die("bad build-id");
	for (i = 0; i < l / 2; i++)
		out[i] = hexbyte(v + 2 * i);
	return l / 2;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = path ? fopen(path, "r") : NULL;
	char *buf;
	long n;

	if (!fp)
		die("cannot read file");
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n + 1);
	if (!buf || fread(buf, 1, n, fp) != (size_t)n)
		die("cannot read file");
	fclose(fp);
	buf[n] = 0;
	*len = n;
	return buf;
}

static void guest_module(struct vmprof_data_writer *w, struct kv *kv, int n)
{
	struct vmprof_file_guest_module m;
	struct vmprof_file_guest_section secs[64];
	const char *name = get(kv, n, "name");
	char names[4096], *text = NULL, *symbols = NULL, *line, *save = NULL;
	unsigned char tail[1 << 16];
	size_t names_len = 0, symbols_len = 0, tlen, pad, len;

	if (!name)
		die("guest-module needs name=");
	memset(&m, 0, sizeof(m));
	m.base = getnum(kv, n, "base", 0);
	m.size = getnum(kv, n, "size", 0);
	m.name_len = strlen(name);
	m.build_id_size = build_id_of(get(kv, n, "build-id"), m.build_id);
	if (get(kv, n, "sections")) {
		text = slurp(get(kv, n, "sections"), &len);
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char sec[256];
			unsigned long long addr;

			if (sscanf(line, "%255s %llx", sec, &addr) != 2)
				continue;
			if (m.nr_sections == 64 ||
			    names_len + strlen(sec) > sizeof(names))
				die("too many sections");
			secs[m.nr_sections].addr = addr;
			secs[m.nr_sections].name_off = names_len;
			secs[m.nr_sections].name_len = strlen(sec);
			memcpy(names + names_len, sec, strlen(sec));
			names_len += strlen(sec);
			m.nr_sections++;
		}
		free(text);
	}
	if (get(kv, n, "symbols"))
		symbols = slurp(get(kv, n, "symbols"), &symbols_len);
	m.names_len = names_len;
	m.symbols_len = symbols_len;
	pad = (m.name_len + 7) & ~7u;
	tlen = pad + m.nr_sections * sizeof(secs[0]) + names_len + symbols_len;
	if (tlen > sizeof(tail))
		die("guest module too large");
	memset(tail, 0, sizeof(tail));
	memcpy(tail, name, m.name_len);
	memcpy(tail + pad, secs, m.nr_sections * sizeof(secs[0]));
	memcpy(tail + pad + m.nr_sections * sizeof(secs[0]), names, names_len);
	if (symbols_len)
		memcpy(tail + pad + m.nr_sections * sizeof(secs[0]) + names_len,
		       symbols, symbols_len);
	free(symbols);
	vmprof_writer__add(w, VMPROF_REC_GUEST_MODULE, &m, sizeof(m), tail,
			   tlen);
}

/* The bytes of a hex string, into buf (at most cap). */
static size_t hexbytes(const char *s, unsigned char *buf, size_t cap)
{
	size_t i, l = strlen(s);
	unsigned int v;

	if (l % 2 || l / 2 > cap)
		die("bad hex");
	for (i = 0; i < l / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			die("bad hex");
		buf[i] = v;
	}
	return l / 2;
}

static int hexbyte(const char *s)
{
	unsigned int v;

	if (sscanf(s, "%2x", &v) != 1)
		die("bad build-id");
	return v;
}

int main(int argc, char **argv)
{
	struct vmprof_data_writer w;
	struct vmprof_exit_stat exits[256];
	unsigned long long offcpu[256];
	unsigned int nr_exits = 0;
	int have_offcpu = 0;
	unsigned long long time_ns = 1000000000ULL;
	char line[8192], copy[8192];
	struct kv kv[64];
	int n, err;

	if (argc == 3 && !strcmp(argv[1], "--keep-old")) {
		if (vmprof_data__keep_old(argv[2])) {
			fprintf(stderr, "gen-fixture: %s.old: %s\n", argv[2],
				strerror(errno));
			return 1;
		}
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: gen-fixture [--keep-old] OUT.data < SPEC\n");
		return 1;
	}
	if (vmprof_writer__open(&w, argv[1])) {
		fprintf(stderr, "gen-fixture: %s: %s\n", argv[1],
			strerror(w.err));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *hash = strchr(line, '#');
		const char *d;

		lineno++;
		cur_line = strcpy(copy, line);
		if (hash)
			*hash = 0;
		n = split(line, kv, 64);
		if (!n)
			continue;
		d = kv[0].key;
		if (!strcmp(d, "info")) {
			struct vmprof_file_info fi;
			const char *m = get(kv, n, "mode");
			const char *e = get(kv, n, "event");

			memset(&fi, 0, sizeof(fi));
			fi.mode = m ? vmprof_mode__parse(m) : 1;
			fi.event = e ? vmprof_event__parse(e) : 1;
			if (!fi.mode || !fi.event)
				die("bad mode or event");
			fi.isa = isa_of(get(kv, n, "isa"));
			fi.pid = getnum(kv, n, "pid", 0);
			fi.sample = getnum(kv, n, "sample", 1000);
			fi.attach_flags = getnum(kv, n, "freq", 1) ?
					  VMPROF_ATTACH_FREQ : 0;
			fi.nr_vcpus = getnum(kv, n, "vcpus", 1);
			fi.nr_rings = getnum(kv, n, "rings", 2);
			if (get(kv, n, "lstar")) {
				fi.guest_lstar = getnum(kv, n, "lstar", 0);
				fi.info_flags |= VMPROF_INFO_LSTAR;
			}
			fi.start_ns = getnum(kv, n, "start", time_ns);
			fi.start_realtime_ns = 1700000000000000000ULL;
			fi.abi_major = VMPROF_ABI_MAJOR;
			fi.abi_minor = VMPROF_ABI_MINOR;
			if (get(kv, n, "callgraph")) {
				fi.call_graph = vmprof_call_graph__parse(
					get(kv, n, "callgraph"));
				if (!fi.call_graph)
					die("bad callgraph=");
				fi.stack_size = getnum(kv, n, "stacksize", 8192);
			}
			vmprof_writer__add(&w, VMPROF_REC_INFO, &fi, sizeof(fi),
					   NULL, 0);
		} else if (!strcmp(d, "string")) {
			static const char * const keys[] = {
				[VMPROF_STR_HOST_RELEASE] = "host-release",
				[VMPROF_STR_VMM_CMDLINE] = "vmm-cmdline",
				[VMPROF_STR_VMM_COMM] = "vmm-comm",
				[VMPROF_STR_MODULE_VERSION] = "module-version",
				[VMPROF_STR_TOOL_VERSION] = "tool-version",
				[VMPROF_STR_HOSTNAME] = "hostname",
			};
			const char *text, *p;
			unsigned int k;
			size_t len;

			if (n < 3)
				die("string needs KEY TEXT");
			for (k = 1; k < sizeof(keys) / sizeof(keys[0]); k++)
				if (keys[k] && !strcmp(keys[k], kv[1].key))
					break;
			if (k == sizeof(keys) / sizeof(keys[0]))
				die("unknown string key");
			/* The text is the rest of the original line. */
			p = strstr(copy, kv[1].key) + strlen(kv[1].key);
			while (*p == ' ' || *p == '\t')
				p++;
			text = p;
			len = strcspn(text, "#\n");
			while (len && (text[len - 1] == ' '))
				len--;
			vmprof_writer__string(&w, k, text, len);
		} else if (!strcmp(d, "kallsyms")) {
			struct vmprof_file_kallsyms k;
			char *buf;
			long len;
			FILE *fp;

			if (n < 2 || !(fp = fopen(kv[1].key, "r")))
				die("cannot read kallsyms file");
			fseek(fp, 0, SEEK_END);
			len = ftell(fp);
			rewind(fp);
			buf = malloc(len + 1);
			if (!buf || fread(buf, 1, len, fp) != (size_t)len)
				die("cannot read kallsyms file");
			fclose(fp);
			k.len = len;
			vmprof_writer__add(&w, VMPROF_REC_KALLSYMS, &k,
					   sizeof(k), buf, len);
			free(buf);
		} else if (!strcmp(d, "mmap")) {
			struct vmprof_file_mmap m;
			const char *path = get(kv, n, "path");
			const char *bid = get(kv, n, "build-id");

			if (!path)
				die("mmap needs path=");
			memset(&m, 0, sizeof(m));
			m.start = getnum(kv, n, "start", 0);
			m.end = getnum(kv, n, "end", 0);
			m.pgoff = getnum(kv, n, "pgoff", 0);
			m.pid = getnum(kv, n, "pid", 0);
			m.path_len = strlen(path);
			if (bid && !strcmp(bid, "auto")) {
				int r = vmprof_elf__read_build_id(
					path, m.build_id,
					VMPROF_BUILD_ID_MAX);

				m.build_id_size = r > 0 ? r : 0;
			} else if (bid && strcmp(bid, "none")) {
				size_t i, l = strlen(bid);

				if (l % 2 || l / 2 > VMPROF_BUILD_ID_MAX)
					die("bad build-id");
				for (i = 0; i < l / 2; i++)
					m.build_id[i] = hexbyte(bid + 2 * i);
				m.build_id_size = l / 2;
			}
			vmprof_writer__add(&w, VMPROF_REC_MMAP, &m, sizeof(m),
					   path, m.path_len);
		} else if (!strcmp(d, "sample")) {
			struct vmprof_file_sample s;
			const char *ctx = get(kv, n, "ctx");
			const char *fl = get(kv, n, "flags");
			unsigned long long count, i;

			memset(&s, 0, sizeof(s));
			s.context = ctx ? vmprof_context__parse(ctx) : 0;
			if (!s.context)
				die("bad ctx=");
			s.guest_rip = getnum(kv, n, "rip", 0);
			s.host_ip = getnum(kv, n, "host-ip", 0);
			s.exit_guest_rip = getnum(kv, n, "exit-rip", 0);
			s.exit_reason = getnum(kv, n, "exit", 0);
			s.vcpu = getnum(kv, n, "vcpu", 0);
			s.pid = getnum(kv, n, "pid", 0);
			s.tid = getnum(kv, n, "tid", s.pid);
			s.cpu = getnum(kv, n, "cpu", 0);
			s.period = getnum(kv, n, "period", 1000000);
			if (get(kv, n, "gtid")) {
				s.guest_tid = getnum(kv, n, "gtid", 0);
				s.guest_pid = getnum(kv, n, "gpid", s.guest_tid);
				s.flags |= VMPROF_SAMPLE_GUEST_TASK;
			}
			if (get(kv, n, "exit-rip"))
				s.flags |= VMPROF_SAMPLE_EXIT;
			if (s.vcpu != VMPROF_VCPU_NONE)
				s.flags |= VMPROF_SAMPLE_VCPU_THREAD;
			if (fl && !strstr(fl, "exit"))
				s.flags &= ~VMPROF_SAMPLE_EXIT;
			if (fl && strstr(fl, "worker"))
				s.flags |= VMPROF_SAMPLE_WORKER;
			count = getnum(kv, n, "count", 1);
			for (i = 0; i < count; i++) {
				s.time_ns = getnum(kv, n, "time", time_ns);
				time_ns += 1000000;
				vmprof_writer__add(&w, VMPROF_REC_SAMPLE, &s,
						   sizeof(s), NULL, 0);
			}
		} else if (!strcmp(d, "comm") || !strcmp(d, "vm-name")) {
			struct vmprof_file_comm c;
			const char *name = n > 2 ? kv[2].key : "";

			memset(&c, 0, sizeof(c));
			c.pid = getnum(kv, n, "pid", 0);
			c.len = strlen(name);
			vmprof_writer__add(&w, !strcmp(d, "comm") ?
					   VMPROF_REC_COMM : VMPROF_REC_VM_NAME,
					   &c, sizeof(c), name, c.len);
		} else if (!strcmp(d, "lost")) {
			struct vmprof_file_lost l;

			memset(&l, 0, sizeof(l));
			l.lost = getnum(kv, n, "n", 1);
			l.time_ns = getnum(kv, n, "time", time_ns);
			l.cpu = getnum(kv, n, "cpu", 0);
			vmprof_writer__add(&w, VMPROF_REC_LOST, &l, sizeof(l),
					   NULL, 0);
		} else if (!strcmp(d, "exit")) {
			struct vmprof_exit_stat *e = &exits[nr_exits];

			if (nr_exits == 256)
				die("too many exits");
			e->isa = isa_of(get(kv, n, "isa"));
			e->reason = getnum(kv, n, "reason", 0);
			e->count = getnum(kv, n, "count", 0);
			e->vmm_ns = getnum(kv, n, "ns", 0);
			offcpu[nr_exits] = getnum(kv, n, "offcpu", 0);
			have_offcpu |= get(kv, n, "offcpu") != NULL;
			nr_exits++;
		} else if (!strcmp(d, "exit-stats")) {
			struct vmprof_file_exit_stats h = { .nr = nr_exits };
			static unsigned char body[sizeof(exits) +
						  sizeof(offcpu)];
			size_t len = nr_exits * sizeof(exits[0]);

			memcpy(body, exits, len);
			if (have_offcpu) {
				memcpy(body + len, offcpu,
				       nr_exits * sizeof(offcpu[0]));
				len += nr_exits * sizeof(offcpu[0]);
			}
			vmprof_writer__add(&w, VMPROF_REC_EXIT_STATS, &h,
					   sizeof(h), body, len);
		} else if (!strcmp(d, "stats")) {
			struct vmprof_file_stats st;

			memset(&st, 0, sizeof(st));
			st.samples = getnum(kv, n, "samples", 0);
			st.lost = getnum(kv, n, "lost", 0);
			st.filtered = getnum(kv, n, "filtered", 0);
			st.nr_vcpus = getnum(kv, n, "vcpus", 0);
			st.target_alive = getnum(kv, n, "alive", 0);
			st.time_enabled = getnum(kv, n, "enabled", 0);
			st.time_running = getnum(kv, n, "running", 0);
			st.flags = getnum(kv, n, "flags", 0);
			st.missed_threads = getnum(kv, n, "missed", 0);
			vmprof_writer__add(&w, VMPROF_REC_STATS, &st,
					   getnum(kv, n, "v0", 0) ?
					   VMPROF_FILE_STATS_SIZE_V0 :
					   sizeof(st), NULL, 0);
		} else if (!strcmp(d, "stack")) {
			static unsigned char body[65536];
			struct vmprof_file_guest_stack h;
			struct vmprof_stack_seg segs[VMPROF_STACK_SEGS_MAX];
			static unsigned char data[VMPROF_STACK_SEGS_MAX][16384];
			size_t pos = sizeof(h), i;
			unsigned int r, nseg = 0;
			int k;

			memset(&h, 0, sizeof(h));
			h.flags = getnum(kv, n, "user", 0) ? VMPROF_STACK_USER :
							      0;
			for (r = 0; r < VMPROF_REG_NR; r++) {
				uint64_t v;

				if (!reg_names[r] || !get(kv, n, reg_names[r]))
					continue;
				v = getnum(kv, n, reg_names[r], 0);
				h.regs_mask |= 1ULL << r;
				memcpy(body + pos, &v, 8);
				pos += 8;
			}
			for (k = 1; k < n; k++) {
				char kind[16], end[16], *w, *save = NULL;
				unsigned long long addr;
				struct vmprof_stack_seg *sg = &segs[nseg];
				int off = 0;

				if (strcmp(kv[k].key, "seg"))
					continue;
				if (nseg == VMPROF_STACK_SEGS_MAX ||
				    sscanf(kv[k].val, "%llx:%15[a-z]:%15[a-z]:%n",
					   &addr, kind, end, &off) != 3 || !off)
					die("bad seg=ADDR:KIND:END:WORDS");
				memset(sg, 0, sizeof(*sg));
				sg->addr = addr;
				sg->kind = !strcmp(kind, "task") ? VMPROF_STACK_SEG_TASK :
					   !strcmp(kind, "irq") ? VMPROF_STACK_SEG_IRQ :
					   !strcmp(kind, "user") ? VMPROF_STACK_SEG_USER :
					   VMPROF_STACK_SEG_OTHER;
				sg->end = !strcmp(end, "top") ? VMPROF_STACK_END_TOP :
					  !strcmp(end, "size") ? VMPROF_STACK_END_SIZE :
					  VMPROF_STACK_END_FAULT;
				for (w = strtok_r(kv[k].val + off, "/", &save); w;
				     w = strtok_r(NULL, "/", &save)) {
					uint64_t v = num(w);

					if (sg->len + 8 > sizeof(data[0]))
						die("segment too long");
					memcpy(data[nseg] + sg->len, &v, 8);
					sg->len += 8;
				}
				nseg++;
			}
			h.nr_segs = nseg;
			memcpy(body + pos, segs, nseg * sizeof(segs[0]));
			pos += nseg * sizeof(segs[0]);
			for (i = 0; i < nseg; i++) {
				memcpy(body + pos, data[i], segs[i].len);
				pos += segs[i].len;
			}
			memcpy(body, &h, sizeof(h));
			vmprof_writer__add(&w, VMPROF_REC_GUEST_STACK, body, pos,
					   NULL, 0);
		} else if (!strcmp(d, "orc")) {
			static unsigned char ip[65536], orc[98304], tail[200000];
			struct vmprof_file_guest_orc o;
			const char *name = get(kv, n, "name");
			size_t nip, norc, pos = 0, nl;

			if (!name || !get(kv, n, "ip") || !get(kv, n, "orc"))
				die("orc needs name=, ip= and orc=");
			nip = hexbytes(get(kv, n, "ip"), ip, sizeof(ip));
			norc = hexbytes(get(kv, n, "orc"), orc, sizeof(orc));
			if (nip % 4 || norc != nip / 4 * 6)
				die("orc: ip= and orc= of unequal entries");
			memset(&o, 0, sizeof(o));
			o.text_start = getnum(kv, n, "start", 0);
			o.text_end = getnum(kv, n, "end", 0);
			o.ip_table = getnum(kv, n, "iptable", 0);
			o.pid = getnum(kv, n, "pid", 0);
			o.nr = nip / 4;
			nl = strlen(name);
			o.name_len = nl;
			memset(tail, 0, sizeof(tail));
			memcpy(tail, name, nl);
			pos = (nl + 7) & ~7UL;
			memcpy(tail + pos, ip, nip);
			pos += (nip + 7) & ~7UL;
			memcpy(tail + pos, orc, norc);
			pos += (norc + 7) & ~7UL;
			vmprof_writer__add(&w, VMPROF_REC_GUEST_ORC, &o,
					   sizeof(o), tail, pos);
		} else if (!strcmp(d, "raw")) {
			static const char zero[4096];
			unsigned long long size = getnum(kv, n, "size", 16);

			if (size < 8 || size % 8 || size - 8 > sizeof(zero))
				die("bad raw size");
			vmprof_writer__add(&w, getnum(kv, n, "type", 1000),
					   zero, size - 8, NULL, 0);
		} else if (!strcmp(d, "guest-kernel")) {
			struct vmprof_file_guest_kernel k;
			const char *rel = get(kv, n, "release");
			const char *fl = get(kv, n, "flags");

			memset(&k, 0, sizeof(k));
			if (!rel)
				die("guest-kernel needs release=");
			k.build_id_size = build_id_of(get(kv, n, "build-id"),
						      k.build_id);
			if (get(kv, n, "kaslr")) {
				k.kaslr_offset = getnum(kv, n, "kaslr", 0);
				k.flags |= VMPROF_GUEST_KERNEL_KASLR;
			}
			k.lstar = getnum(kv, n, "lstar", 0);
			if (fl && strstr(fl, "lstar-ok"))
				k.flags |= VMPROF_GUEST_KERNEL_LSTAR_OK;
			if (fl && strstr(fl, "lstar-bad"))
				k.flags |= VMPROF_GUEST_KERNEL_LSTAR_BAD;
			if (fl && strstr(fl, "la57"))
				k.flags |= VMPROF_GUEST_KERNEL_LA57;
			if (fl && strstr(fl, "tasks"))
				k.flags |= VMPROF_GUEST_KERNEL_TASKS;
			k.release_len = strlen(rel);
			vmprof_writer__add(&w, VMPROF_REC_GUEST_KERNEL, &k,
					   sizeof(k), rel, k.release_len);
		} else if (!strcmp(d, "guest-module")) {
			guest_module(&w, kv, n);
		} else if (!strcmp(d, "guest-task")) {
			struct vmprof_file_guest_task t;
			const char *comm = get(kv, n, "comm");

			memset(&t, 0, sizeof(t));
			t.cpu = getnum(kv, n, "cpu", 0);
			t.tid = getnum(kv, n, "tid", 0);
			t.pid = getnum(kv, n, "pid", t.tid);
			t.vcpu = getnum(kv, n, "vcpu", 0);
			t.task = getnum(kv, n, "task", 0xffff888000000000ULL +
					t.tid * 0x4000);
			t.time_ns = getnum(kv, n, "time", time_ns);
			if (comm)
				strncpy(t.comm, comm, sizeof(t.comm) - 1);
			vmprof_writer__add(&w, VMPROF_REC_GUEST_TASK, &t,
					   sizeof(t), NULL, 0);
		} else if (!strcmp(d, "guest-exe")) {
			struct vmprof_file_guest_exe e;
			const char *path = get(kv, n, "path");

			if (!path)
				die("guest-exe needs path=");
			memset(&e, 0, sizeof(e));
			e.pid = getnum(kv, n, "pid", 0);
			e.start = getnum(kv, n, "start", 0);
			e.end = getnum(kv, n, "end", 0);
			if (get(kv, n, "bias")) {
				e.bias = getnum(kv, n, "bias", 0);
				e.flags |= VMPROF_GUEST_EXE_BIAS;
			}
			e.build_id_size = build_id_of(get(kv, n, "build-id"),
						      e.build_id);
			e.path_len = strlen(path);
			vmprof_writer__add(&w, VMPROF_REC_GUEST_EXE, &e,
					   sizeof(e), path, e.path_len);
		} else if (!strcmp(d, "end")) {
			struct vmprof_file_end e;

			memset(&e, 0, sizeof(e));
			e.end_ns = getnum(kv, n, "time", time_ns);
			e.end_realtime_ns = 1700000000000000000ULL;
			e.stop_reason = getnum(kv, n, "reason",
					       VMPROF_STOP_SIGNAL);
			vmprof_writer__add(&w, VMPROF_REC_END, &e, sizeof(e),
					   NULL, 0);
		} else {
			die("unknown directive");
		}
	}
	err = vmprof_writer__close(&w);
	if (err) {
		fprintf(stderr, "gen-fixture: %s: %s\n", argv[1],
			strerror(err));
		return 1;
	}
	return 0;
}
