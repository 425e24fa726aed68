// SPDX-License-Identifier: MIT
// A hot loop that HotSpot compiles (C1, then C2, with on-stack replacement)
// within about a second; prints a result that does not depend on timing.
public class HotLoop {
	static long mix(long h, long i) {
		h ^= i;
		h *= 0x9e3779b97f4a7c15L;
		return h ^ (h >>> 29);
	}

	public static void main(String[] args) {
		long n = args.length > 0 ? Long.parseLong(args[0]) : 100_000_000L;
		long h = 0;
		for (long i = 0; i < n; i++)
			h = mix(h, i);
		System.out.println("hotloop " + n + " " + Long.toHexString(h));
	}
}
