"""salesops: Lead-to-Cash sales operations over a folder of Excel/CSV registers.

Importing this package is cheap: heavy libraries (pandas, openpyxl, calamine)
are imported only by the modules that need them.
"""

__version__ = "0.1.0"
