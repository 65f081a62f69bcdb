"""Developer entry points: the run, test and benchmark commands behind the Makefile."""
