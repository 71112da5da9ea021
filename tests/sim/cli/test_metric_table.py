import math

from rich.console import Console

from sim.cli.metric_table import format_value, metric_table
from sim.experiments.aggregate import stats_of


def test_format_value_by_magnitude():
    assert format_value(0.93333) == "0.933"
    assert format_value(63.24) == "63.2"
    assert format_value(70881.4) == "70,881"
    assert format_value(math.nan) == "—"


def test_table_hides_deciles_unless_asked():
    stats = {"bot_share": stats_of([0.9, 1.0]), "success_by_reaction_decile.d01": stats_of([1.0])}
    console = Console(width=120, record=True)
    console.print(metric_table(stats, "t"))
    text = console.export_text()
    assert "bot_share" in text and "decile" not in text
    console.print(metric_table(stats, "t", show_all=True))
    assert "success_by_reaction_decile.d01" in console.export_text()
