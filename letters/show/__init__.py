"""Every table, page, picture and sentence: results into rich tables, HTML, PNG and words."""
