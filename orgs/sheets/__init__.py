"""Spreadsheets in and out, for every app.

``reading``: an uploaded .xlsx or .csv, checked before it is opened, as numbered rows.
``cells``: the text and dates of those rows' cells, read the ways offices type them.
``importing``: the skeleton of every import, which checks every row before writing any.
``uploads``: the files held between an import's preview and its confirmation.
``writing``: .xlsx exports, every table written by one helper.
"""
