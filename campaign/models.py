"""The campaign app's models live in its rooms; Django registers a model when its module
is imported, and it imports this one, so this module imports every room's models.

Code imports a model from its room (``campaign.circulars.models``), never from here: this
module depends on every room, so a lower layer importing it would depend on all of them.
The two upload paths stay importable here because the migrations name them by this path.
"""

from campaign.campaigns import models as campaigns  # noqa: F401
from campaign.circulars import models as circulars  # noqa: F401
from campaign.circulars.models import circular_pdf_path  # noqa: F401
from campaign.dashboard import models as dashboard  # noqa: F401
from campaign.dispatch import models as dispatch  # noqa: F401
from campaign.dossier import models as dossier  # noqa: F401
from campaign.incidents import models as incidents  # noqa: F401
from campaign.infra import models as infra  # noqa: F401
from campaign.inspections import models as inspections  # noqa: F401
from campaign.letters import models as letters  # noqa: F401
from campaign.nominations import models as nominations  # noqa: F401
from campaign.nominations.votes import models as votes  # noqa: F401
from campaign.pairing import models as pairing  # noqa: F401
from campaign.reports import models as reports  # noqa: F401
from campaign.reports.models import info_report_photo_path  # noqa: F401
from campaign.scores import models as scores  # noqa: F401
