// SPDX-License-Identifier: GPL-2.0
// Decode a gzipped pprof profile with pprof-format (an independent
// JavaScript decoder with its own schema) and print the summary that
// formats-check.py prints for protoc's decoding, as JSON:
//   { "sample_types": [[type, unit]...], "stacks": {"root;..;leaf": [values]},
//     "functions": [names], "addresses": {"leaf function": ["0x..."]} }
// usage: node pprof-summary.js FILE.pb.gz
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { Profile } = require(path.join(__dirname, 'npm', 'node_modules',
	'pprof-format'));

const p = Profile.decode(zlib.gunzipSync(fs.readFileSync(process.argv[2])));
const s = p.stringTable.strings;
const funcs = new Map(p.function.map(f => [Number(f.id), f]));
const locs = new Map(p.location.map(l => [Number(l.id), l]));
const out = { sample_types: [], stacks: {}, functions: [], addresses: {} };

for (const t of p.sampleType)
	out.sample_types.push([s[Number(t.type)], s[Number(t.unit)]]);
for (const f of p.function)
	out.functions.push(s[Number(f.name)]);
out.functions.sort();
for (const smp of p.sample) {
	const names = smp.locationId.map(id => {
		const l = locs.get(Number(id));
		return s[Number(funcs.get(Number(l.line[0].functionId)).name)];
	});
	const leaf = locs.get(Number(smp.locationId[0]));
	const key = names.slice().reverse().join(';');
	const v = out.stacks[key] || smp.value.map(() => 0);
	smp.value.forEach((x, i) => { v[i] += Number(x); });
	out.stacks[key] = v;
	const a = out.addresses[names[0]] || [];
	const hex = '0x' + BigInt(leaf.address).toString(16);
	if (!a.includes(hex))
		a.push(hex);
	out.addresses[names[0]] = a.sort();
}
process.stdout.write(JSON.stringify(out) + "\n");
