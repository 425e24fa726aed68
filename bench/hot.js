// SPDX-License-Identifier: MIT
// A hot loop for V8: step() goes through its tiers (Sparkplug, Maglev or
// TurboFan depending on the version) and the loop is replaced on stack.
'use strict';

function step(s, i) {
	return (s * 31 + (i ^ (s >>> 7))) % 1000003;
}

const n = Number(process.argv[2]);
let s = 1;
for (let i = 0; i < n; i++)
	s = step(s, i);
console.log(s);
