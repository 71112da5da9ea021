"""Gate expressions (re-exported): the parser lives with the scenario, which validates gates
when it is loaded (:mod:`sim.scenario.gate_expression`); the gates engine reads them from here."""

from sim.scenario.gate_expression import (
    COMPARATORS,
    KINDS,
    Gate,
    GateSyntaxError,
    parse_gate,
    parse_gate_table,
)

__all__ = ["COMPARATORS", "KINDS", "Gate", "GateSyntaxError", "parse_gate", "parse_gate_table"]
