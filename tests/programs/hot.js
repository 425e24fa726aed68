// SPDX-License-Identifier: MIT
// A hot loop for V8's compilers, then a WebAssembly module instantiated from
// bytes written here (no file, no fetch), called a million times.
'use strict';

function mix(h, i) {
	return (Math.imul(h ^ i, 0x9e3779b1) + 1) | 0;
}

let h = 0;
for (let i = 0; i < 20000000; i++)
	h = mix(h, i);
console.log('hot', h >>> 0);

// (module (func (export "add") (param i32 i32) (result i32)
//   local.get 0 local.get 1 i32.add))
const bytes = new Uint8Array([
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
	0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type: (i32 i32) -> i32
	0x03, 0x02, 0x01, 0x00, // function 0 has type 0
	0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, // export "add"
	0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // code
]);
const add = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.add;
let s = 0;
for (let i = 0; i < 1000000; i++)
	s = add(s, i);
console.log('wasm', s >>> 0);
