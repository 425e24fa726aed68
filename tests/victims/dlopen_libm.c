/* SPDX-License-Identifier: MIT */
/*
 * Generates nothing: loads an ordinary library with dlopen and calls into
 * it. The loader maps the library's code R-X from a file opened read-only:
 * that is not generated code, and emt must not report any of it.
 */
#include <dlfcn.h>

#include "victim.h"

int main(void)
{
	double (*cosine)(double);
	void *lib;

	announce_start();
	lib = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		victim_fail(dlerror());
	*(void **)&cosine = dlsym(lib, "cos");
	if (!cosine)
		victim_fail(dlerror());
	printf("cos(0.5) = %.9f\n", cosine(0.5));
	dlclose(lib);
	return 0;
}
