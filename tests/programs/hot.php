<?php
// SPDX-License-Identifier: MIT
// A loop hot enough for the tracing JIT, with a result to compare. Says
// whether the JIT really compiled this script (it needs the script in the
// opcode cache), so that the harness knows whether to expect captures.
function f($n)
{
    $s = 0;
    for ($i = 0; $i < $n; $i++) {
        $s += ($i * 7) % 13;
    }
    return $s;
}

$t = 0;
for ($k = 0; $k < 200; $k++) {
    $t += f(10000);
}
echo "php sum $t\n";
$st = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
$active = $st && !empty($st['jit']['on']) && opcache_is_script_cached(__FILE__);
echo "jit ", $active ? "active" : "inactive", "\n";
