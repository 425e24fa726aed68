// SPDX-License-Identifier: MIT
// A hot loop for HotSpot: step() is compiled by C1 then C2 and main() is
// replaced on stack, so the code cache is written next to running code.
public class Hot {
    static long step(long s, long i) {
        return (s * 31 + (i ^ (s >>> 7))) % 1000000007L;
    }

    public static void main(String[] args) {
        long n = Long.parseLong(args[0]), s = 1;
        for (long i = 0; i < n; i++)
            s = step(s, i);
        System.out.println(s);
    }
}
