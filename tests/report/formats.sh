# SPDX-License-Identifier: GPL-2.0
# The output formats of vmprof report (docs/formats.md) on the golden
# domain-switch fixture, each read back by a real consumer or an
# independent decoder:
#
#   folded       golden file; counts add up to the samples
#   perf-script  folded again like stackcollapse-perf.pl: equal to folded;
#                imported by speedscope (npm) in headless Chromium
#   pprof        decoded by protoc (Debian) and by pprof-format (npm): the
#                stacks, values, function names and addresses of folded
#   svg          well-formed, deterministic; rendered by headless
#                Chromium: scripts ran, search and zoom from the URL work,
#                a screenshot is produced
#
# Sourced by tests/report/run.sh (uses its run, pass, fail, jget, $T, $GEN,
# $GOLDEN, $VMPROF, $SUFFIX); check_formats runs in both passes, the
# browser and npm checks only in the first.

NPM_DIR=$HERE/npm/node_modules

chromium_run() {
	local ud rc
	ud=$(mktemp -d "$T/chromium.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$ud" "$@" 2>"$T/chromium.err"
	rc=$?
	rm -rf "$ud"
	return $rc
}

# The fixture, and the report's own view of it.
formats_fixture() {
	(cd "$GOLDEN" && "$GEN" "$T/fmt.data" <domain.spec) 2>"$T/gen.err" ||
		return 1
	FMT_ARGS=(-i "$T/fmt.data" --guest-kallsyms "$GOLDEN/guest.kallsyms"
		  --split-vcpu)
	run report "${FMT_ARGS[@]:0:4}" --format json
	FMT_TOTAL=$(jget "$T/out" 'd["total_samples"]')
}

check_folded() {
	local got

	run report "${FMT_ARGS[@]}" --format folded -o "$T/fmt.folded"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ] && [ -z "$SUFFIX" ]; then
		cp "$T/fmt.folded" "$GOLDEN/report-folded.out"
	fi
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] && [ ! -s "$T/out" ] &&
	   diff -u "$GOLDEN/report-folded.out" "$T/fmt.folded" >"$T/fmt.diff"; then
		pass "formats: folded matches its golden file"
	else
		fail "formats: folded matches its golden file" "rc=$RC $SAN_MSG $(head -n 8 "$T/fmt.diff" | tr '\n' '|')"
	fi
	got=$(awk '{ n += $NF } END { print n }' "$T/fmt.folded")
	if [ "$got" = "$FMT_TOTAL" ] &&
	   grep -qx 'vm:31337 qemu-system-x86;vcpu0;guest-kernel;iowrite32;exit:IOIO;kernel_pio 70' "$T/fmt.folded" &&
	   grep -qx 'vm:31337 qemu-system-x86;vmm-thread;vmm-kernel;kvm_arch_vcpu_ioctl_run 6' "$T/fmt.folded"; then
		pass "formats: folded counts add up to the samples ($got), exits, VMM functions and VMM threads have frames"
	else
		fail "formats: folded counts add up to the samples" "sum $got, report $FMT_TOTAL"
	fi
	run report "${FMT_ARGS[@]}" --format folded --vcpu 1
	if [ "$RC" = 0 ] && [ -s "$T/out" ] &&
	   ! grep -v '^vm:31337 qemu-system-x86;vcpu1;' "$T/out" >/dev/null; then
		pass "formats: folded with --vcpu 1 has only vcpu1 stacks"
	else
		fail "formats: folded with --vcpu 1 has only vcpu1 stacks" "rc=$RC $(head -n 3 "$T/out")"
	fi
}

check_perf_script() {
	local n

	run report "${FMT_ARGS[@]}" --format perf-script -o "$T/fmt.perf"
	n=$(grep -c '^[^[:space:]]' "$T/fmt.perf")
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] && [ "$n" = "$FMT_TOTAL" ] &&
	   head -n 1 "$T/fmt.perf" | grep -qE '^qemu-system-x86 31337/0     \[000\] +[0-9]+\.[0-9]{6}: +1000000 cycles: $' &&
	   sed -n 2p "$T/fmt.perf" | grep -qP '^\t {0,15}[0-9a-f]{1,16} \S.* \(\S+\)$'; then
		pass "formats: perf-script has one record per sample in perf script's layout"
	else
		fail "formats: perf-script has one record per sample in perf script's layout" "rc=$RC $SAN_MSG records $n of $FMT_TOTAL: $(head -n 2 "$T/fmt.perf" | cat -A | tr '\n' '|')"
	fi
	if python3 "$HERE/formats-check.py" collapse-perf "$T/fmt.perf" >"$T/fmt.collapsed" 2>&1 &&
	   diff -u "$T/fmt.folded" "$T/fmt.collapsed" >"$T/fmt.diff"; then
		pass "formats: perf-script folded like stackcollapse-perf equals --format folded"
	else
		fail "formats: perf-script folded like stackcollapse-perf equals --format folded" "$(head -n 8 "$T/fmt.diff" "$T/fmt.collapsed" | tr '\n' '|')"
	fi
	[ -n "$SUFFIX" ] && return

	# speedscope's own importer, in the browser it was written for.
	local ss=$NPM_DIR/speedscope/dist/release/index.html
	if ! command -v chromium >/dev/null || [ ! -e "$ss" ]; then
		fail "formats: speedscope imports perf-script" "needs chromium and tests/report/npm (scripts/install-deps)"
		return
	fi
	python3 - "$T/fmt.perf" "$T/speedscope-load.js" <<'PYEOF'
import base64, json, sys
b = base64.b64encode(open(sys.argv[1], 'rb').read()).decode()
open(sys.argv[2], 'w').write('speedscope.loadFileFromBase64(%s, %s)\n' %
                             (json.dumps('vmprof.linux-perf.txt'), json.dumps(b)))
PYEOF
	chromium_run --virtual-time-budget=10000 --window-size=1400,1200 \
		--dump-dom "file://$ss#localProfilePath=$T/speedscope-load.js&view=sandwich" \
		>"$T/speedscope.html"
	python3 - "$T/speedscope.html" >"$T/speedscope.txt" <<'PYEOF'
import html, re, sys
s = open(sys.argv[1]).read()
s = re.sub(r'<style.*?</style>|<script.*?</script>', '', s, flags=re.S)
print('\n'.join(x.strip() for x in html.unescape(re.sub(r'<[^>]+>', '\n', s)).split('\n') if x.strip()))
PYEOF
	local missing="" w
	for w in "qemu-system-x86 pid: 31337" e1000_xmit_frame copy_user_generic_string \
		 default_idle guest-kernel vcpu0 vcpu1 "vm:31337 qemu-system-x86"; do
		grep -qxF "$w" "$T/speedscope.txt" || missing="$missing '$w'"
	done
	if [ -z "$missing" ]; then
		pass "formats: speedscope (headless Chromium) imports perf-script: threads, functions, vCPU and VM frames"
	else
		fail "formats: speedscope (headless Chromium) imports perf-script" "missing:$missing; page: $(head -c 300 "$T/speedscope.txt" | tr '\n' '|')"
	fi
}

check_pprof() {
	local want

	run report "${FMT_ARGS[@]}" --format pprof -o "$T/fmt.pb.gz"
	if [ "$RC" != 0 ] || [ -n "$SAN_MSG" ] || ! gzip -t "$T/fmt.pb.gz" 2>/dev/null; then
		fail "formats: pprof is gzip" "rc=$RC $SAN_MSG $(head -c 200 "$T/err")"
		return
	fi
	# The stacks of folded, with [samples, period] (1000000 per sample
	# in this fixture), the sample types, leaf addresses from the spec.
	want=$(python3 - "$T/fmt.folded" <<'PYEOF'
import json, sys
stacks = {}
for line in open(sys.argv[1]):
    k, n = line.rstrip('\n').rsplit(' ', 1)
    stacks[k] = [int(n), int(n) * 1000000]
print(json.dumps({'stacks': stacks,
                  'sample_types': [['samples', 'count'], ['cycles', 'count']]},
                 sort_keys=True))
PYEOF
)
	check_pprof_summary() {
		python3 - "$1" "$want" <<'PYEOF'
import json, sys
got = json.load(open(sys.argv[1]))
want = json.loads(sys.argv[2])
errs = []
for k in ('stacks', 'sample_types'):
    if got.get(k) != want[k]:
        errs.append('%s: got %s' % (k, json.dumps(got.get(k))[:300]))
for f in ('e1000_xmit_frame', 'iowrite32', 'virtnet_poll', 'exit:IOIO',
          'vcpu0', 'vmm-thread', 'guest-kernel', 'vm:31337 qemu-system-x86'):
    if f not in got.get('functions', []):
        errs.append('no function ' + f)
a = got.get('addresses', {})
for f, addr in (('e1000_xmit_frame', ['0xffffffff84a03010']),
                ('kernel_pio', ['0xffffffff9a102020']),
                ('iowrite32', ['0xffffffff84a05004']),
                ('copy_user_generic_string', ['0xffffffff84a04020'])):
    if a.get(f) != addr:
        errs.append('%s at %s, not %s' % (f, a.get(f), addr))
print('; '.join(errs))
sys.exit(1 if errs else 0)
PYEOF
	}
	if gunzip -c "$T/fmt.pb.gz" | protoc --decode=perftools.profiles.Profile \
		--proto_path="$TOP/tools/proto" profile.proto >"$T/fmt.pb.txt" 2>"$T/protoc.err" &&
	   python3 "$HERE/formats-check.py" pprof-protoc "$T/fmt.pb.txt" >"$T/fmt.pb.json" &&
	   check_pprof_summary "$T/fmt.pb.json" >"$T/fmt.why"; then
		pass "formats: pprof decoded by protoc: stacks, values, functions, addresses"
	else
		fail "formats: pprof decoded by protoc" "$(cat "$T/protoc.err" "$T/fmt.why" 2>/dev/null | head -c 400)"
	fi
	[ -n "$SUFFIX" ] && return
	if ! command -v node >/dev/null || [ ! -d "$NPM_DIR/pprof-format" ]; then
		fail "formats: pprof decoded by pprof-format" "needs node and tests/report/npm (scripts/install-deps)"
	elif node "$HERE/pprof-summary.js" "$T/fmt.pb.gz" >"$T/fmt.pbjs.json" 2>"$T/node.err" &&
	     check_pprof_summary "$T/fmt.pbjs.json" >"$T/fmt.why"; then
		pass "formats: pprof decoded by pprof-format (npm): stacks, values, functions, addresses"
	else
		fail "formats: pprof decoded by pprof-format (npm)" "$(cat "$T/node.err" "$T/fmt.why" | head -c 400)"
	fi
	run report "${FMT_ARGS[@]}" --format pprof -o "$T/fmt2.pb.gz"
	if cmp -s "$T/fmt.pb.gz" "$T/fmt2.pb.gz"; then
		pass "formats: pprof output is deterministic"
	else
		fail "formats: pprof output is deterministic" "two runs differ"
	fi
}

check_svg() {
	local id

	run report "${FMT_ARGS[@]}" --format svg -o "$T/fmt.svg"
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] && xmllint --noout "$T/fmt.svg" 2>"$T/xml.err"; then
		pass "formats: svg is well-formed XML"
	else
		fail "formats: svg is well-formed XML" "rc=$RC $SAN_MSG $(head -c 300 "$T/xml.err")"
	fi
	run report "${FMT_ARGS[@]}" --format svg -o "$T/fmt2.svg"
	if cmp -s "$T/fmt.svg" "$T/fmt2.svg" &&
	   grep -qF '<title>iowrite32 (105 samples, ' "$T/fmt.svg" &&
	   grep -qF "<title>all ($FMT_TOTAL samples, 100.00%)</title>" "$T/fmt.svg"; then
		pass "formats: svg is deterministic, frames have tooltips with samples"
	else
		fail "formats: svg is deterministic, frames have tooltips with samples" "$(grep -c '<title>' "$T/fmt.svg") titles"
	fi
	[ -n "$SUFFIX" ] && return
	if ! command -v chromium >/dev/null; then
		fail "formats: svg in Chromium" "needs chromium (scripts/install-deps)"
		return
	fi
	# Zoom on vcpu1 (194 samples) and search the exit frames under it
	# (4 + 18 + 22 samples): 22.7%.
	id=$(sed -n 's/.*id="\(f[0-9]*\)" data-n="vcpu1".*/\1/p' "$T/fmt.svg")
	chromium_run --dump-dom "file://$T/fmt.svg?s=%5Eexit:&z=$id" >"$T/svg.dom"
	python3 - "$T/svg.dom" "$id" >"$T/svg.why" <<'PYEOF'
import re, sys
import xml.etree.ElementTree as ET
s = open(sys.argv[1]).read()
errs = []
root = ET.fromstring(s[s.index('<svg'):])
ns = '{http://www.w3.org/2000/svg}'
if root.get('data-vmprof') != 'ready':
    errs.append('the script did not run')
matched = [t.text for t in root.iter(ns + 'text') if t.get('id') == 'matched']
if matched != ['Matched: 22.7%']:
    errs.append('search: %s' % matched)
frames = [g for g in root.iter(ns + 'g') if 'f' in (g.get('class') or '').split()]
hidden = [g for g in frames if 'hide' in g.get('class').split()]
zoomed = [g for g in frames if g.get('id') == sys.argv[2]]
if not hidden:
    errs.append('zoom hid nothing')
if not zoomed or zoomed[0].find(ns + 'rect').get('width') != '1180.0':
    errs.append('vcpu1 not zoomed to the full width')
pink = [g.get('data-n') for g in frames if 'match' in g.get('class').split()]
if sorted(pink) != ['exit:INTR', 'exit:IOIO', 'exit:NPF']:
    errs.append('matched frames %s' % pink)
print('; '.join(errs))
sys.exit(1 if errs else 0)
PYEOF
	if [ $? = 0 ]; then
		pass "formats: svg in headless Chromium: script ran, zoom and search from the URL"
	else
		fail "formats: svg in headless Chromium" "$(cat "$T/svg.why") $(head -c 200 "$T/chromium.err")"
	fi
	rm -f "$T/svg.png"
	chromium_run --screenshot="$T/svg.png" --window-size=1200,200 \
		"file://$T/fmt.svg" >/dev/null
	if python3 - "$T/svg.png" <<'PYEOF'
import struct, sys, zlib
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n'
w, h = struct.unpack('>II', b[16:24])
assert (w, h) == (1200, 200), (w, h)
assert len(b) > 5000, len(b)
PYEOF
	then
		pass "formats: svg screenshot by headless Chromium is a 1200x200 PNG"
		[ -n "${VMPROF_KEEP_SCREENSHOT:-}" ] && cp "$T/svg.png" "$VMPROF_KEEP_SCREENSHOT"
	else
		fail "formats: svg screenshot by headless Chromium" "$(head -c 200 "$T/chromium.err")"
	fi
}

check_formats() {
	if ! formats_fixture; then
		fail "formats: fixture" "$(cat "$T/gen.err")"
		return
	fi
	check_folded
	check_perf_script
	check_pprof
	check_svg

	# A recording without samples: every format still valid.
	printf 'info mode=domain-switch event=cpu-clock pid=7 vcpus=1\nend\n' |
		gen fmt-empty
	local bad="" f
	for f in folded perf-script svg pprof; do
		run report -i "$T/fmt-empty.data" --format $f -o "$T/fmt-empty.$f"
		[ "$RC" = 0 ] && [ -z "$SAN_MSG" ] || bad="$bad $f:rc=$RC:$SAN_MSG"
	done
	[ -s "$T/fmt-empty.folded" ] && bad="$bad folded-not-empty"
	[ -s "$T/fmt-empty.perf-script" ] && bad="$bad perf-script-not-empty"
	xmllint --noout "$T/fmt-empty.svg" 2>/dev/null || bad="$bad svg-xml"
	gunzip -c "$T/fmt-empty.pprof" 2>/dev/null | protoc --decode=perftools.profiles.Profile \
		--proto_path="$TOP/tools/proto" profile.proto 2>/dev/null |
		grep -q '^sample_type' || bad="$bad pprof"
	if [ -z "$bad" ]; then
		pass "formats: a recording without samples gives valid empty outputs"
	else
		fail "formats: a recording without samples gives valid empty outputs" "$bad"
	fi

	run report "${FMT_ARGS[@]:0:4}" --format flamegraph
	if [ "$RC" = 64 ] && grep -q "text, json, folded, svg, perf-script or pprof" "$T/err"; then
		pass "formats: an unknown --format is a usage error listing the formats"
	else
		fail "formats: an unknown --format is a usage error listing the formats" "rc=$RC"
	fi
	run report "${FMT_ARGS[@]}" --format folded -o "$T/no/such/dir/x"
	if [ "$RC" = 1 ] && grep -q "cannot write $T/no/such/dir/x" "$T/err"; then
		pass "formats: an unwritable -o FILE is an error"
	else
		fail "formats: an unwritable -o FILE is an error" "rc=$RC $(cat "$T/err")"
	fi
}
