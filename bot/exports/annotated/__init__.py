"""The annotated essay: a series' debates set against the essay, proposition by proposition,
as Markdown, HTML or JSON."""
