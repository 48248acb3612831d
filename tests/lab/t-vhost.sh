# SPDX-License-Identifier: GPL-2.0
# The vhost datapath: a Linux guest on virtio-net with vhost=on, the host
# flooding it.  The packets go from the tap into the guest's queue in the
# vhost worker (a kernel thread vhost-PID before Linux 6.4, a thread of
# QEMU from 6.4), not in a QEMU thread; domain-switch must count that work
# as the VM's VMM work and the report must say it is a worker's.
# Needs an L2 Linux guest: LAB_TCG_THREAD=multi (tests/lab/lab.sh).
# Sourced by tests/lab/suite.sh inside the lab.

VH_TAP=vmproftap0

# vh_flood SECONDS: UDP to the guest's address through the tap.
vh_flood() {
	python3 - "$1" <<'EOF_PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + float(sys.argv[1])
payload, n = b"\0" * 1400, 0
while time.monotonic() < end:
    for _ in range(64):
        try:
            s.sendto(payload, ("192.0.2.10", 5002))
            n += 1
        except OSError:
            pass
print("sent", n)
EOF_PY
}

t_vhost() {
	local d=$LAB_OUT/vhost log pid flood rx
	mkdir -p "$d"
	insmod "$VMPROF_KO" || { fail "vhost: insmod"; return; }
	modprobe tun && modprobe vhost_net ||
		{ fail "vhost: tun and vhost_net load"; rmmod vmprof; return; }
	ip tuntap add dev "$VH_TAP" mode tap &&
		ip addr add 192.0.2.9/24 dev "$VH_TAP" &&
		ip link set "$VH_TAP" up &&
		ip neigh replace 192.0.2.10 lladdr 52:54:00:00:00:10 \
			dev "$VH_TAP" nud permanent ||
		{ fail "vhost: tap $VH_TAP"; rmmod vmprof; return; }

	if ! start_linux_guest rx 20 \
		-netdev "tap,id=vh0,ifname=$VH_TAP,script=no,downscript=no,vhost=on" \
		-device virtio-net-pci,netdev=vh0,mac=52:54:00:00:00:10; then
		fail "vhost: the guest did not start its rx workload"
		ip link del "$VH_TAP"; rmmod vmprof
		return
	fi
	pid=$linux_pid
	log=$linux_log
	echo "  vhost workers: $(ps -eLo tid,comm | grep -w "vhost-[0-9]*" | tr -s ' ' | tr '\n' ';')"
	vh_flood 8 > "$d/flood.out" 2>&1 &
	flood=$!
	sleep 1
	check "vhost: record domain-switch" "$VMPROF" record -q -p "$pid" \
		-F 1000 -d 4 --switch domain -o "$d/dom.data"
	wait "$flood"
	echo "  flood: $(cat "$d/flood.out")"
	# The guest counts what it received when its workload ends (its
	# console is slow: wait for the last field).
	wait_for_line "$log" "VMPROF-GUEST net virtio .*rx_bytes=" 400
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	rx=$(sed -n 's/.*VMPROF-GUEST net virtio [a-z0-9]* \(.*\)/\1/p' "$log" | tr -d '\r')
	echo "  guest: ${rx:-no rx statistics}"

	"$VMPROF" report -i "$d/dom.data" --format json > "$d/dom.json"
	"$VMPROF" report -i "$d/dom.data" > "$d/dom.txt"
	sed 's/^/  /' "$d/dom.txt" | head -n 24
	python3 - "$d/dom.json" "$pid" <<'EOF_PY' || lab_failed=1
import json, sys
d = json.load(open(sys.argv[1]))
pid = int(sys.argv[2])
def check(ok, name, why=""):
    print(("PASS: " if ok else "FAIL: ") + name + ("" if ok else ": " + why))
    return ok
workers = d.get("worker_samples", 0)
ok = check(workers >= 50,
           f"vhost: the vhost worker's samples are in the recording ({workers})",
           "want 50 or more")
ok &= check([v["pid"] for v in d["vms"]] == [pid],
            f"vhost: as the VM's: every sample carries QEMU's pid ({d['vms']})",
            f"want only {pid}")
vhost = [r for r in d["rows"] if r["context"] == "vmm-kernel" and
         r["dso"] in ("[vhost_net]", "[vhost]", "[tun]")]
n = sum(r["samples"] for r in vhost)
ok &= check(n >= 20,
            f"vhost: VMM rows in vhost and tun code ({n}: {[r['symbol'] for r in vhost][:4]})",
            "want 20 or more")
sys.exit(0 if ok else 1)
EOF_PY
	check "vhost: the guest received the flood" \
		test "$(kv rx_packets "$rx")" -gt 1000
	grep -q "# vmm workers:" "$d/dom.txt"
	check "vhost: the report's header names the workers' share" test $? = 0
	ip link del "$VH_TAP"
	check "vhost: objects all zero" wait_objects_zero
	check "vhost: rmmod" rmmod vmprof
}
