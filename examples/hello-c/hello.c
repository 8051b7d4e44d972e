/* The smallest Skiff example: prints its arguments and one env var. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  printf("hello from skiff\n");
  for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  const char *who = getenv("GREETING");
  if (who) printf("GREETING=%s\n", who);
  return 0;
}
