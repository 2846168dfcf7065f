"""The evaluation form (群众评议表): opened with a one-time code, by scanning the slip's QR
code or typing the code at /p/; no login.

The pages are private, and unknown or used codes count towards the guessing limit
together with the public vote's (reviews.public_ballot). What is stored and why nothing
links a form to its code is in reviews.ballots.
"""

from __future__ import annotations

from django.shortcuts import redirect, render

from reviews.ballots import BallotInvalid, ballot_cast, ballot_paper
from reviews.forms import BallotForm
from reviews.public_pages import code_page


def _keyed(data, prefix: str) -> dict[int, str]:
    """The posted fields named prefix + a subject id, by subject id."""
    return {
        int(name[len(prefix) :]): value
        for name, value in data.items()
        if name.startswith(prefix) and name[len(prefix) :].isdigit()
    }


@code_page
def ballot_form(request, code: str):
    """The form the code opens, and casting it (code_page checks and normalises the code)."""
    if request.method == "POST":
        # Straight to the service, which reads and checks what it needs; the paper and
        # the form's fields are built only to send a form back with mistakes.
        try:
            ballot_cast(code=code, choices=_keyed(request.POST, "choice_"), comments=_keyed(request.POST, "comment_"))
        except BallotInvalid as invalid:
            form = BallotForm(ballot_paper(code), request.POST)
            if form.is_valid():
                form.add_subject_errors(invalid.subject_errors)
        else:
            return redirect("ballot:done")
    else:
        form = BallotForm(ballot_paper(code))
    rows = form.rows()
    return render(
        request,
        "reviews/ballot_form.html",
        {
            "paper": form.paper,
            "form": form,
            "rows": rows,
            "missing": [row for row in rows if row["error"]],
            "answered": sum(1 for row in rows if any(option["checked"] for option in row["options"])),
        },
        status=400 if form.errors else 200,
    )
