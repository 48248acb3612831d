# SPDX-License-Identifier: GPL-2.0
# A Linux guest with two vCPUs sending each other inter-processor
# interrupts all along (x2APIC ICR writes: MSR exits), recorded by a
# freshly loaded module: exit reasons, guest CPL (user samples) and the
# VMCB layout check must hold with IPIs among the first exits the module
# sees.  (Where the CPU has NRIPS, 6.1 to 6.5 complete such a write in
# KVM's fastpath before tracing the exit; TCG has no NRIPS, so here this
# covers the SMP path, and tests/lab/t-gueststate.sh the check itself.)
# Needs an L2 Linux guest: LAB_TCG_THREAD=multi (tests/lab/lab.sh).
# Sourced by tests/lab/suite.sh inside the lab.

t_smp() {
	local d=$LAB_OUT/smp pid warned
	mkdir -p "$d"
	rmmod vmprof 2>/dev/null
	insmod "$VMPROF_KO" || { fail "smp: insmod"; return; }
	warned=$(dmesg | grep -c "layout not recognised")
	if ! SMP=2 start_linux_guest ipi 30; then
		fail "smp: the guest did not start its ipi workload"
		rmmod vmprof
		return
	fi
	pid=$linux_pid
	check "smp: record cpu-switch" "$VMPROF" record -q -p "$pid" -F 1000 \
		-d 4 -o "$d/cpu.data"
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	"$VMPROF" report -i "$d/cpu.data" --exits > "$d/cpu.txt"
	"$VMPROF" report -i "$d/cpu.data" --format json > "$d/cpu.json"
	sed -n '/Exit reasons/,$p' "$d/cpu.txt" | head -n 10 | sed 's/^/  /'
	python3 - "$d/cpu.json" <<'EOF_PY' || lab_failed=1
import json, sys
d = json.load(open(sys.argv[1]))
def check(ok, name, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
    return ok
ex = {e["reason"]: e["count"] for e in d["exits"]}
ok = check(d["nr_vcpus"] == 2, f"smp: two vCPUs ({d['nr_vcpus']})")
ok &= check(ex.get("MSR", 0) >= 100,
            f"smp: the IPIs' MSR exits are counted ({ex.get('MSR', 0)})",
            f"exits {ex}")
ok &= check(not [r for r in ex if r.startswith("UNKNOWN")],
            "smp: every exit has its reason", f"exits {ex}")
user = sum(r["samples"] for r in d["rows"] if r["context"] == "guest-user")
ok &= check(user >= 20, f"smp: guest user samples, from the guest's CPL ({user})")
sys.exit(0 if ok else 1)
EOF_PY
	check "smp: the VMCB layout is recognised" \
		test "$(dmesg | grep -c "layout not recognised")" = "$warned"
	check "smp: objects all zero" wait_objects_zero
	check "smp: rmmod" rmmod vmprof
}
