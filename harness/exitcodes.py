"""Exit codes of catalog-harness commands: one meaning each, so CI can tell a finding from no verdict."""

OK = 0  # everything ran and passed, conclusively
FAILED = 1  # a check failed
USAGE = 2  # bad arguments, a missing file or environment variable
INCONCLUSIVE = 3  # could not tell: mostly 401/403/429/gateway errors, the request budget ran out
CREDENTIALS_REJECTED = 4  # the vendor refused the credentials before the suite started
DRIFT = 5  # the mock answered differently from the recorded vendor
INTERRUPTED = 130  # Ctrl-C

MEANINGS = {
    OK: "pass",
    FAILED: "a check failed",
    USAGE: "usage error",
    INCONCLUSIVE: "inconclusive",
    CREDENTIALS_REJECTED: "credentials rejected",
    DRIFT: "drift",
    INTERRUPTED: "interrupted",
}

HELP = """exit codes:
  0    every check passed
  1    a check failed
  2    usage: bad arguments or input files, nothing ran
  3    inconclusive: the run could not tell (e.g. the command never started)
  4    credentials rejected
  5    drift from the contract
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)
"""  # shown by --help
