"""Statistics shared by experiments and the book: improvements, intervals, paired tests, rankings."""
