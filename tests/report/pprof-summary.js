// SPDX-License-Identifier: GPL-2.0
// Decode a gzipped pprof profile with pprof-format (an independent
// JavaScript decoder with its own schema) and print the summary that
// formats-check.py prints for protoc's decoding, as JSON:
//   { "sample_types": [[type, unit]...], "stacks": {"root;..;leaf": [values]},
//     "functions": [names], "addresses": {"function": ["0x..."]} }
// (addresses: of the leaf and of every other frame with an address)
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
	const key = names.slice().reverse().join(';');
	const v = out.stacks[key] || smp.value.map(() => 0);
	smp.value.forEach((x, i) => { v[i] += Number(x); });
	out.stacks[key] = v;
	smp.locationId.forEach((id, i) => {
		const l = locs.get(Number(id));
		if (i && !Number(l.address))
			return;
		const a = out.addresses[names[i]] || [];
		const hex = '0x' + BigInt(l.address).toString(16);
		if (!a.includes(hex))
			a.push(hex);
		out.addresses[names[i]] = a.sort();
	});
}
process.stdout.write(JSON.stringify(out) + "\n");
