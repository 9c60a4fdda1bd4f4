"""The click command line: one-line usage errors, environment defaults, shell completion, `serve --log`."""

import json
import os
import re
import signal
import subprocess
import sys

import requests

from harness.cli import main

CLI = [sys.executable, "-m", "harness.cli"]


def run_cli(*argv: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "60", **(env or {})},
        check=False,
    )


def one_line(capsys, *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and captured.out == "", captured
    return lines[0]


def test_parse_errors_are_one_line_naming_what_is_wrong(capsys):
    assert one_line(capsys, "nosuch") == (
        "catalog-harness: error: No such command 'nosuch'. (see catalog-harness --help)"
    )
    assert one_line(capsys) == "catalog-harness: error: Missing command. (see catalog-harness --help)"
    assert one_line(capsys, "drift", "shipstation") == (
        "catalog-harness drift: error: Missing argument 'CASSETTE'. (see catalog-harness drift --help)"
    )
    assert "No such option '--exmples'. (Did you mean one of" in one_line(capsys, "check", "--exmples", "3")
    assert one_line(capsys, "serve", "--port", "70000").startswith(
        "catalog-harness serve: error: argument --port: must be a port number from 0 to 65535"
    )
    assert "argument VENDOR: unknown vendor 'acme'; known: shipstation" in one_line(capsys, "cases", "acme")
    assert "-q and -v exclude each other" in one_line(capsys, "quirks", "-q", "-v")
    url = "http://127.0.0.1:9/shipstation"
    line = one_line(capsys, "reproduce", "shipstation.not-found", "--arm", url, "--disarm", url)
    assert "--arm and --disarm exclude each other" in line
    assert "verify: error: give the command to verify after --" in one_line(capsys, "verify", "shipstation")


def test_serve_hosts_that_cannot_be_served_are_one_line_with_no_warning_first():
    # A name that does not resolve is refused while parsing, before the off-loopback warning.
    done = run_cli("serve", "--host", "999.1.1.1", timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("catalog-harness serve: error: argument --host: cannot resolve '999.1.1.1'")
    assert len(done.stderr.strip().splitlines()) == 1
    # An address this machine does not have: the bind fails; one error line after the warning, no traceback.
    done = run_cli("serve", "--host", "192.0.2.1", "--port", "0", timeout=30)  # TEST-NET-1 (RFC 5737)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert lines[-1].startswith(
        "catalog-harness serve: error: argument --host/--port: cannot listen on 192.0.2.1:0: "
    )
    assert all(line.startswith("warning: serving on 192.0.2.1") for line in lines[:-1])


def test_the_real_command_says_it_in_one_line_too():
    done = run_cli("check", "--examples", "0")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "catalog-harness check: error: argument --examples: must be at least 1, got 0 "
        "(see catalog-harness check --help)\n"
    )


def test_every_option_has_an_environment_default(capsys, monkeypatch):
    monkeypatch.setenv("CATALOG_HARNESS_CHECK_EXAMPLES", "0")  # read, and checked like the option
    assert "argument --examples: must be at least 1, got 0" in one_line(capsys, "check")
    monkeypatch.setenv("CATALOG_HARNESS_QUIRKS_JSON", "1")
    assert main(["quirks", "starshipit"]) == 0
    assert {q["vendor"] for q in json.loads(capsys.readouterr().out)} == {"starshipit"}
    assert main(["check", "--help"]) == 0
    assert "CATALOG_HARNESS_CHECK_WORKERS" in " ".join(capsys.readouterr().out.split())


def test_help_lists_the_exit_codes_for_each_command_that_judges(capsys):
    for argv in ([], ["check"], ["verify"], ["contract"], ["drift"]):
        assert main([*argv, "--help"]) == 0
        text = capsys.readouterr().out
        assert "exit codes:" in text and "5    drift from the contract" in text, argv
    assert main(["verify", "--help"]) == 0
    assert "catalog-harness verify VENDOR [OPTIONS] -- COMMAND [ARGS]..." in capsys.readouterr().out


def complete(*words: str) -> list[str]:
    """What bash completion offers for the last word (click's bash_complete protocol)."""
    done = run_cli(
        env={
            "_CATALOG_HARNESS_COMPLETE": "bash_complete",
            "COMP_WORDS": " ".join(["catalog-harness", *words]),
            "COMP_CWORD": str(len(words)),
        }
    )
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_shell_completion_offers_commands_vendors_and_case_ids():
    assert complete("re") == ["record", "reproduce"]
    assert complete("verify", "s") == ["shipstation", "starshipit", "shiptheory"]
    assert "shipstation.rate-limit" in complete("reproduce", "shipstation.ra")
    done = run_cli(env={"_CATALOG_HARNESS_COMPLETE": "bash_source"})
    assert "_catalog_harness_completion" in done.stdout  # the script README's one line evals


def test_serve_log_prints_one_plain_line_per_request_with_the_fault_effect():
    process = subprocess.Popen(
        [*CLI, "serve", "shipstation", "--port", "0", "--json", "--log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "40"},
    )
    try:
        base = json.loads(process.stdout.readline())["vendors"]["shipstation"]["base_url"]
        auth = ("test-key", "test-secret")
        assert requests.get(f"{base}/products?page=1", auth=auth, timeout=5).status_code == 200
        rule = {"method": "PUT", "path": "^/products/3$", "status": 503}
        requests.put(f"{base}/__mock__/faults", json=[rule], timeout=5).raise_for_status()
        assert requests.put(f"{base}/products/3", json={}, auth=auth, timeout=5).status_code == 503
        long_path = "/shipstation/products/" + "9" * 120  # longer than COLUMNS: never cut or wrapped
        requests.get(f"{base}/products/{'9' * 120}", auth=auth, timeout=5)
        lines = [process.stdout.readline().rstrip("\n") for _ in range(4)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    ms = r"\d+\.\dms"
    assert re.fullmatch(rf"GET /shipstation/products\?page=1 200 {ms}", lines[0]), lines
    assert re.fullmatch(rf"PUT /shipstation/__mock__/faults 200 {ms}", lines[1]), lines
    assert re.fullmatch(rf"PUT /shipstation/products/3 503 {ms} fault=respond", lines[2]), lines
    assert re.fullmatch(rf"GET {long_path} 404 {ms}", lines[3]), lines
    assert process.returncode == 0
