"""Your own table into a formula: ``distill`` and its report."""
