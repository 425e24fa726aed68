// SPDX-License-Identifier: MIT
// A loop hot enough for SpiderMonkey's JITs (gjs), with a result to compare.
function f(n) { let s = 0; for (let i = 0; i < n; i++) s += (i * 7) % 13; return s; }
let t = 0; for (let k = 0; k < 2000; k++) t += f(10000);
print("gjs sum " + t);
