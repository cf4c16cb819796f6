"""The book layer: chapters, verdicts, display and the builder (``python -m distillkit.book``). Nothing in the library imports it."""
