"""One module per chapter, named after its notebook: thresholds, rules, tables, figures and verdicts."""
