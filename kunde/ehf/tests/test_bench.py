import json

from django.core.management import call_command


def test_bench_ehf_prints_the_three_figures_as_json(capsys):
    call_command("bench", "--ehf", "--n", "5")
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["name"] == "ehf" and row["n"] == 5
    for figure in ("built_per_second", "validated_per_second", "built_and_validated_per_second"):
        assert row[figure] > 0
