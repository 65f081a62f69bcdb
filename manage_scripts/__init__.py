"""Developer entry points: the run, test and benchmark commands behind the Makefile.

Importing the package reads the repository's `.env` when there is one (python-dotenv); variables already
in the environment win, so `FOO=bar make run` still overrides the file.
"""

from pathlib import Path

from dotenv import load_dotenv

load_dotenv(Path(__file__).resolve().parent.parent / ".env")
