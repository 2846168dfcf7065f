import datetime

from pledges.models import Pledge, PledgeItem


def make_pledge(campaign, organization, *, member=None, title=None, items=1, **fields):
    pledge = Pledge.objects.create(
        campaign=campaign,
        organization=organization,
        member=member,
        title=title or f"{(member or organization).name}的承诺",
        **fields,
    )
    for order in range(items):
        PledgeItem.objects.create(
            pledge=pledge,
            order=order,
            target="建成社区便民服务站",
            work="协调辖区单位腾出两间办公用房，配备代办员2名",
            practical_things="为居民代办低保、医保等事项",
            due_date=datetime.date(2011, 6, 30),
            measurable_result="2011年6月底前服务站开放，每月代办事项不少于30件",
        )
    return pledge
