/* user/false.c: exits 1. */
int main(void) { return 1; }
