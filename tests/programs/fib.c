/* SPDX-License-Identifier: MIT */
/* Compiled in memory by `tcc -run`, which makes a heap page writable and
 * executable for it. The exit status is not 0, so that it is compared too. */
#include <stdio.h>

static int fib(int n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
	printf("fib(24) = %d, %d arguments, last %s\n", fib(24), argc, argv[argc - 1]);
	return 3;
}
