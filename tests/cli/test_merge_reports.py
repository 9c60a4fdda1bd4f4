"""`catalog-harness merge-reports`: shards' JSON and JUnit reports joined into one."""

import json
import xml.etree.ElementTree as ET

from harness.cli import main
from harness.report import Result, to_json, write_junit


def _shard(n, ok):
    failures = [] if ok else [{"check": "convergence", "sku": "A-1", "text": "[convergence] product 'A-1'"}]
    return [
        Result("shipstation", "contract", f"GET /products [positive] {n}", True, 1.0),
        Result("shipstation", "property", "convergence", ok, 2.0, failures=failures, extra={"examples": 10}),
    ]


def test_json_and_junit_of_two_shards_merge_into_one(tmp_path, capsys):
    one, two = tmp_path / "shard-1.json", tmp_path / "shard-2.xml"
    one.write_text(to_json(_shard(1, True), command="check", seed=0))
    write_junit(two, _shard(2, False), "catalog-harness check")
    assert main(["merge-reports", str(tmp_path / "all.json"), str(one), str(two)]) == 1
    merged = json.loads((tmp_path / "all.json").read_text())
    assert merged["ok"] is False and merged["command"] == "check"
    assert merged["merged_from"] == [str(one), str(two)]
    by_name = {r["name"]: r for r in merged["results"]}
    assert sorted(by_name) == ["GET /products [positive] 1", "GET /products [positive] 2", "convergence"]
    prop = by_name["convergence"]  # one result: failed in a shard, so failed; times add up
    assert prop["ok"] is False and prop["seconds"] == 4.0
    assert [f["text"] for f in prop["failures"]] == ["[convergence] product 'A-1'"]
    assert "3 results from 2 reports: 2 passed, 1 failed" in capsys.readouterr().err

    assert main(["merge-reports", str(tmp_path / "all.xml"), str(tmp_path / "all.json")]) == 1
    suites = ET.parse(tmp_path / "all.xml").getroot()
    assert (suites.get("tests"), suites.get("failures")) == ("3", "1")
    failure = suites.find(".//testcase[@name='convergence']/failure")
    assert failure is not None and "A-1" in failure.text


def test_inconclusive_survives_the_merge_and_exits_3(tmp_path):
    path = tmp_path / "gate.xml"
    write_junit(path, [Result("shipstation", "contract", "GET /products", False, inconclusive="429s")], "g")
    assert main(["merge-reports", str(tmp_path / "out.json"), str(path)]) == 3
    (result,) = json.loads((tmp_path / "out.json").read_text())["results"]
    assert result["inconclusive"] == "429s" and result["ok"] is False


def test_bad_inputs_are_one_line_usage_errors(tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    assert main(["merge-reports", str(tmp_path / "out.txt"), str(junk)]) == 2
    assert "OUT must end in .json or .xml" in capsys.readouterr().err
    assert main(["merge-reports", str(tmp_path / "out.json"), str(tmp_path / "missing.xml")]) == 2
    assert "missing.xml: cannot read it" in capsys.readouterr().err
    assert main(["merge-reports", str(tmp_path / "out.json"), str(junk)]) == 2
    assert "junk.json: not a catalog-harness JSON report" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


def test_workers_and_shard_are_checked_when_parsed(capsys):
    for argv in (["check", "--workers", "0"], ["verify", "shipstation", "--shard", "3/2", "--", "true"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "--workers" in err or "--shard" in err


def test_a_check_shard_runs_its_share_only_and_its_report_merges(tmp_path, capsys):
    """shipstation's units are its contract, control contract and one block of property examples: the
    third of three shards is the property block alone."""
    report = tmp_path / "shard-3.xml"
    argv = ["check", "shipstation", "--shard", "3/3", "--workers", "1", "--examples", "2", "--json"]
    code = main([*argv, "--junit", str(report)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and {r["suite"] for r in out["results"]} == {"property"}
    assert {r["extra"]["examples"] for r in out["results"]} == {2}
    assert main(["merge-reports", str(tmp_path / "all.json"), str(report)]) == 0
    merged = json.loads((tmp_path / "all.json").read_text())["results"]
    assert [r["name"] for r in merged] == [r["name"] for r in out["results"]]
