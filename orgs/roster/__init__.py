"""The roster: the organization tree and the member roster that offices keep in Excel,
imported and exported in one file format.

``format``: the columns of each kind of roster, and reading an uploaded one into rows.
``importing``: what the two imports share, on the skeleton of orgs.sheets.importing.
``organizations``, ``members``: the checks and writes of each kind.
``services``: the import services the views call.
``exporting``: each kind as .xlsx, and the blank templates.
"""
