"""CSP Workbook analysis library."""
