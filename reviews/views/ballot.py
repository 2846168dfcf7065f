"""The evaluation form (群众评议表): opened with a one-time code, by scanning the slip's QR
code or typing the code at /p/; no login.

The pages are private, and unknown or used codes count towards the guessing limit
together with the public vote's (reviews.public_ballot). What is stored and why nothing
links a form to its code is in reviews.ballots.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from reviews.ballots import COMMENT_MAX_LENGTH, BallotInvalid, BallotPaper, ballot_cast, ballot_paper
from reviews.models import Choice
from reviews.public_ballot import code_page

CHOICE_STYLES = {
    Choice.SATISFIED: "btn-outline-success",
    Choice.BASICALLY_SATISFIED: "btn-outline-primary",
    Choice.DISSATISFIED: "btn-outline-danger",
    Choice.UNKNOWN: "btn-outline-secondary",
}


# ---------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------


class BallotForm(forms.Form):
    """A choice and an optional comment per subject of the paper."""

    def __init__(self, paper: BallotPaper, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.paper = paper
        for subject in paper.subjects:
            missing = _("请对“%(name)s”作出评价。") % {"name": subject.name}
            self.fields[f"choice_{subject.id}"] = forms.ChoiceField(
                choices=Choice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": missing, "invalid_choice": missing},
            )
            self.fields[f"comment_{subject.id}"] = forms.CharField(
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea,
                error_messages={
                    "max_length": _("意见请不要超过%(limit)s字。") % {"limit": COMMENT_MAX_LENGTH},
                },
            )

    def choices(self) -> dict[int, str]:
        return {subject.id: self.cleaned_data[f"choice_{subject.id}"] for subject in self.paper.subjects}

    def comments(self) -> dict[int, str]:
        return {subject.id: self.cleaned_data[f"comment_{subject.id}"] for subject in self.paper.subjects}

    def add_subject_errors(self, subject_errors: dict[int, str]) -> None:
        for subject_id, message in subject_errors.items():
            self.add_error(f"choice_{subject_id}", message)

    def rows(self) -> list[dict]:
        """Per subject what the template draws: the four buttons, the comment, the error."""
        rows = []
        for subject in self.paper.subjects:
            choice = self[f"choice_{subject.id}"]
            comment = self[f"comment_{subject.id}"]
            errors = list(choice.errors) + list(comment.errors)
            rows.append(
                {
                    "subject": subject,
                    "choice_name": choice.html_name,
                    "options": [
                        {
                            "value": value,
                            "label": label,
                            "id": f"s{subject.id}-{value}",
                            "checked": choice.value() == value,
                            "style": CHOICE_STYLES[value],
                        }
                        for value, label in Choice.choices
                    ],
                    "comment_name": comment.html_name,
                    "comment_id": f"s{subject.id}-comment",
                    "comment": comment.value() or "",
                    "error": errors[0] if errors else "",
                }
            )
        return rows


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
