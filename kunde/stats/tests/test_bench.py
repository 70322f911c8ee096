"""`kunde bench --stats` on a small data set: it measures what it says (no timing asserted)."""

from kunde.projects.models import TimeEntry
from kunde.stats.bench import bench_stats, bench_stats_ensure


def test_the_bench_adds_hours_and_prints_each_measurement(ledger, admin):
    bench_stats_ensure(entries=50, log=lambda message: None)
    assert TimeEntry.objects.filter(project__customer=ledger.customer).count() == 50
    rows = bench_stats(n=1, warmup=0)
    names = [row["name"] for row in rows]
    assert names == [
        "stats_figures",
        "stats_sql_floor",
        "stats_tab",
        "stats_tab_this_year",
        "stats_tab_typical",
        "stats_drill_outstanding",
        "stats_ranking_this_year",
        "stats_goals",
    ]
    assert rows[2]["time_entries_on_customer"] == 50
    assert set(rows[-1]["met"]) == {"stats_tab_ms", "ranking_ms", "times_sql"}
