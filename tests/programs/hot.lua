-- SPDX-License-Identifier: MIT
-- A loop hot enough for LuaJIT to trace and compile (it writes the machine
-- code into RW pages, then makes them R-X), with a result to compare.
local function f(n)
  local s = 0
  for i = 1, n do
    s = s + (i * 7) % 13
  end
  return s
end

local t = 0
for _ = 1, 200 do
  t = t + f(10000)
end
print("luajit sum " .. t)
