# SPDX-License-Identifier: MIT
# Methods called often enough for YJIT to compile them, with a result to
# compare.
def f(n)
  s = 0
  n.times { |i| s += (i * 7) % 13 }
  s
end

t = 0
200.times { t += f(2000) }
puts "ruby sum #{t}"
