"""make bench's reporting: figures with their reference, ratio and target, kept per run
in bench/results.json so that runs can be compared."""

import io
import json

import pytest

from campaign.devdata.benchmarks import Report, Target, percentile, results_load


def test_a_figure_line_gives_value_reference_ratio_and_whether_the_target_was_met():
    out = io.StringIO()
    report = Report(out, "tally")
    figure = report.figure(
        "tally of 1,000,000 votes",
        0.15,
        "s",
        reference=0.12,
        reference_name="bare SQL GROUP BY",
        target=Target("ratio", at_most=1.5),
    )
    assert figure.ratio == 0.15 / 0.12 and figure.met
    assert out.getvalue().strip() == (
        "tally of 1,000,000 votes: 0.15 s | bare SQL GROUP BY: 0.12 s | ratio 1.25x | target ratio <= 1.5x: met"
    )
    rate = report.figure("forms", 30, "/s", reference=1000, target=Target("ratio", at_least=0.4))
    assert rate.met is False and "MISSED" in out.getvalue()
    assert report.figure("p95", 120, "ms", target=Target("value", at_most=100)).met is False


@pytest.mark.django_db  # the record names the database server's version
def test_commands_of_one_run_add_to_one_record_and_a_new_run_is_kept_beside_it(tmp_path, monkeypatch):
    path = tmp_path / "bench" / "results.json"
    monkeypatch.setenv("BENCH_RUN", "run-1")
    first = Report(io.StringIO(), "tally")
    first.figure("tally", 1.0, "s", reference=0.8)
    first.save(path)
    second = Report(io.StringIO(), "dashboard county")
    second.figure("p95", 40, "ms")
    second.save(path)
    again = Report(io.StringIO(), "tally")
    again.figure("tally", 0.9, "s", reference=0.8)  # the same figure measured again in the run
    again.save(path)
    monkeypatch.setenv("BENCH_RUN", "run-2")
    later = Report(io.StringIO(), "tally")
    later.figure("tally", 0.7, "s", reference=0.8)
    later.save(path)

    runs = results_load(path)
    assert [run["id"] for run in runs] == ["run-1", "run-2"]
    assert [(figure["group"], figure["name"], figure["value"]) for figure in runs[0]["figures"]] == [
        ("dashboard county", "p95", 40),
        ("tally", "tally", 0.9),
    ]
    assert runs[1]["figures"][0]["ratio"] == 0.7 / 0.8
    assert json.loads(path.read_text())["runs"][1]["machine"]["cores"]


def test_percentile_is_the_nearest_rank():
    timings = list(range(1, 31))
    assert percentile(timings, 0.95) == 29  # the 29th of 30
    assert percentile(timings, 0.5) == 15
    assert percentile([5.0], 0.95) == 5.0


def test_tests_never_write_into_the_repository_record():
    from campaign.devdata.benchmarks import RESULTS_PATH, results_path

    assert results_path() != RESULTS_PATH
