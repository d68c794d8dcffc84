"""Ids of the report's sections, in order (shared by the report tests)."""

SECTION_IDS = ["summary", "network", "circularity", "downside", "ledger", "hurdle",
               "scenarios", "comparison", "thermometer", "findings", "provenance"]
