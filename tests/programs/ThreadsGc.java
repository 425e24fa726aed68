// SPDX-License-Identifier: MIT
// Several threads that allocate hard enough to run the garbage collector
// many times while HotSpot compiles their loops; the GC and compiler
// threads stop, patch and resume Java threads at safepoints. Prints results
// that do not depend on timing or on the interleaving.
import java.util.ArrayList;
import java.util.List;

public class ThreadsGc {
	static long work(int seed, int rounds) {
		long h = seed;
		for (int r = 0; r < rounds; r++) {
			List<long[]> garbage = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				long[] a = new long[64];
				a[i % 64] = h + i;
				garbage.add(a);
			}
			for (long[] a : garbage)
				h = (h ^ a[(int) (h & 63)]) * 0x9e3779b97f4a7c15L + r;
		}
		return h;
	}

	public static void main(String[] args) throws InterruptedException {
		int threads = 4, rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
		long[] results = new long[threads];
		Thread[] ts = new Thread[threads];
		for (int t = 0; t < threads; t++) {
			final int id = t;
			ts[t] = new Thread(() -> results[id] = work(id + 1, rounds));
			ts[t].start();
		}
		for (Thread t : ts)
			t.join();
		for (int t = 0; t < threads; t++)
			System.out.println("thread " + t + " " + Long.toHexString(results[t]));
		System.out.println("gc runs: " + (gcCount() > 0 ? "some" : "none"));
	}

	static long gcCount() {
		long n = 0;
		for (java.lang.management.GarbageCollectorMXBean gc :
		     java.lang.management.ManagementFactory.getGarbageCollectorMXBeans())
			n += Math.max(0, gc.getCollectionCount());
		return n;
	}
}
