"""The demo county (演示县): 肃南裕固族自治县 as the county speech of 3 November 2010 describes it.

``manage.py load_demo`` calls ``demo_county_load``. Organizations and members come from
the fixed table below and a fixed seed, and each is looked up by its natural key (an
organization by code; a member by organization, name and birth date) before it is
created, so loading twice leaves the database as loading once did.

The speech names the county's committees and three branches (红湾社区, 许三湾村, 北极村);
the other branches, the enterprises and every person are made up.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from orgs.models import Gender, Grade, Member, MemberStatus, Organization, OrganizationKind, Post, Role, Sector, User
from orgs.services import account_role_for_member, organization_create

DEMO_PASSWORD = "Sunan2010!"
COUNTY_CODE = "SN"
OFFICE_GROUP = "县委创先争优办"
# The day of the speech: every member joined the party before it.
SPEECH_DATE = datetime.date(2010, 11, 3)
# Members are generated per organization from this seed and the organization's code, so
# adding an organization to the table does not reshuffle the people of the others.
SEED = "sunan-2010"


class DemoOrganization(NamedTuple):
    code: str
    name: str
    kind: str
    sector: str
    # Members, leadership team included; committees have only their leadership team here.
    size: int = 0
    # Key of ETHNIC_MIXES; None takes the parent's.
    mix: str | None = None

    @property
    def parent_code(self) -> str | None:
        return self.code.rpartition("-")[0] or None


K = OrganizationKind
S = Sector

# The parent of each organization is its code without the last segment; parents come first.
ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization("SN", "中共肃南裕固族自治县委员会", K.COUNTY_COMMITTEE, S.ORGAN, 9, "county"),
    # The county seat: communities as well as villages.
    DemoOrganization("SN-HWS", "红湾寺镇党委", K.COMMITTEE, S.RURAL, 7, "town"),
    DemoOrganization("SN-HWS-HWSQ", "红湾社区党支部", K.BRANCH, S.COMMUNITY, 22),
    DemoOrganization("SN-HWS-LCSQ", "隆畅社区党支部", K.BRANCH, S.COMMUNITY, 15),
    DemoOrganization("SN-HWS-HYG", "海牙沟村党支部", K.BRANCH, S.RURAL, 11),
    DemoOrganization("SN-HWS-XLG", "西柳沟村党支部", K.BRANCH, S.RURAL, 9),
    DemoOrganization("SN-HWS-JG", "红湾寺镇机关党支部", K.BRANCH, S.ORGAN, 12),
    DemoOrganization("SN-HWS-TW", "红湾寺镇团委", K.YOUTH_LEAGUE, S.RURAL),
    DemoOrganization("SN-HWS-FL", "红湾寺镇妇联", K.WOMENS_FEDERATION, S.RURAL),
    DemoOrganization("SN-HC", "皇城镇党委", K.COMMITTEE, S.RURAL, 7, "tibetan"),
    DemoOrganization("SN-HC-BJC", "北极村党支部", K.BRANCH, S.RURAL, 20),
    DemoOrganization("SN-HC-DZC", "东庄村党支部", K.BRANCH, S.RURAL, 13),
    DemoOrganization("SN-HC-JZT", "金子滩村党支部", K.BRANCH, S.RURAL, 11),
    DemoOrganization("SN-HC-HXC", "河西村党支部", K.BRANCH, S.RURAL, 10),
    DemoOrganization("SN-HC-SGC", "水关村党支部", K.BRANCH, S.RURAL, 8),
    DemoOrganization("SN-KL", "康乐乡党委", K.COMMITTEE, S.RURAL, 5, "yugur"),
    DemoOrganization("SN-KL-YGC", "杨哥村党支部", K.BRANCH, S.RURAL, 11),
    DemoOrganization("SN-KL-SDC", "赛鼎村党支部", K.BRANCH, S.RURAL, 12),
    DemoOrganization("SN-KL-DHL", "德合隆村党支部", K.BRANCH, S.RURAL, 8),
    DemoOrganization("SN-MH", "明花乡党委", K.COMMITTEE, S.RURAL, 5, "yugur"),
    DemoOrganization("SN-MH-XSW", "许三湾村党支部", K.BRANCH, S.RURAL, 18),
    DemoOrganization("SN-MH-QTC", "前滩村党支部", K.BRANCH, S.RURAL, 9),
    DemoOrganization("SN-MH-SHZ", "双海子村党支部", K.BRANCH, S.RURAL, 11),
    DemoOrganization("SN-MH-NGC", "南沟村党支部", K.BRANCH, S.RURAL, 7),
    DemoOrganization("SN-MT", "马蹄藏族乡党委", K.COMMITTEE, S.RURAL, 5, "tibetan"),
    DemoOrganization("SN-MT-DQG", "大泉沟村党支部", K.BRANCH, S.RURAL, 10),
    DemoOrganization("SN-MT-BJW", "芭蕉湾村党支部", K.BRANCH, S.RURAL, 8),
    DemoOrganization("SN-MT-MTC", "马蹄村党支部", K.BRANCH, S.RURAL, 11),
    DemoOrganization("SN-BY", "白银蒙古族乡党委", K.COMMITTEE, S.RURAL, 5, "mongol"),
    DemoOrganization("SN-BY-BYC", "白银村党支部", K.BRANCH, S.RURAL, 9),
    DemoOrganization("SN-BY-DNM", "东牛毛村党支部", K.BRANCH, S.RURAL, 7),
    DemoOrganization("SN-JG", "县直机关工委", K.WORKING_COMMITTEE, S.ORGAN, 5, "county"),
    DemoOrganization("SN-JG-XWB", "县委办公室党支部", K.BRANCH, S.ORGAN, 14),
    DemoOrganization("SN-JG-ZFB", "县政府办公室党支部", K.BRANCH, S.ORGAN, 13),
    DemoOrganization("SN-JG-FGJ", "县发展和改革局党支部", K.BRANCH, S.ORGAN, 8),
    DemoOrganization("SN-JG-CZJ", "县财政局党支部", K.BRANCH, S.ORGAN, 10),
    DemoOrganization("SN-JG-MZJ", "县民族宗教事务局党支部", K.BRANCH, S.ORGAN, 7),
    DemoOrganization("SN-JG-LTX", "县直机关离退休干部党支部", K.BRANCH, S.OTHER, 18),
    DemoOrganization("SN-JG-XMJ", "县畜牧兽医局党总支", K.GENERAL_BRANCH, S.ORGAN, 4),
    DemoOrganization("SN-JG-XMJ-JG", "畜牧兽医局机关党支部", K.BRANCH, S.ORGAN, 9),
    DemoOrganization("SN-JG-XMJ-CYZ", "县草原站党支部", K.BRANCH, S.INSTITUTION, 7),
    DemoOrganization("SN-JG-GH", "县直机关工会", K.TRADE_UNION, S.ORGAN),
    DemoOrganization("SN-FG", "非公企业工委", K.WORKING_COMMITTEE, S.ENTERPRISE, 5, "county"),
    DemoOrganization("SN-FG-KY", "肃南县祁连矿业有限责任公司党支部", K.BRANCH, S.ENTERPRISE, 8),
    DemoOrganization("SN-FG-SD", "肃南县隆畅河水电开发有限公司党支部", K.BRANCH, S.ENTERPRISE, 9),
    DemoOrganization("SN-FG-FS", "肃南县裕固族民族服饰有限公司党支部", K.BRANCH, S.ENTERPRISE, 6),
    DemoOrganization("SN-FG-GT", "个体私营企业联合党支部", K.BRANCH, S.ENTERPRISE, 7),
    DemoOrganization("SN-FG-SM", "县城商贸企业联合党总支", K.GENERAL_BRANCH, S.ENTERPRISE, 3),
    DemoOrganization("SN-FG-SM-SC", "红湾寺农贸市场党支部", K.BRANCH, S.ENTERPRISE, 7),
    DemoOrganization("SN-FG-SM-BG", "县城宾馆餐饮业联合党支部", K.BRANCH, S.ENTERPRISE, 6),
    DemoOrganization("SN-FG-TW", "非公企业团委", K.YOUTH_LEAGUE, S.ENTERPRISE),
    DemoOrganization("SN-GA", "公安局党委", K.COMMITTEE, S.ORGAN, 7, "county"),
    DemoOrganization("SN-GA-JG", "公安局机关党支部", K.BRANCH, S.ORGAN, 12),
    DemoOrganization("SN-GA-HWS", "红湾寺派出所党支部", K.BRANCH, S.ORGAN, 8),
    DemoOrganization("SN-GA-HC", "皇城派出所党支部", K.BRANCH, S.ORGAN, 6),
    DemoOrganization("SN-GA-JJ", "交警大队党支部", K.BRANCH, S.ORGAN, 8),
    # The county health bureau's party committee over the units of speech 4 (局机关、县医院、
    # 中医院、疾控中心、妇幼保健所、卫生监督所) and the township health centres: the
    # health system's 三好一满意 (demo_health.py).
    DemoOrganization("SN-WS", "卫生局党委", K.COMMITTEE, S.INSTITUTION, 5, "county"),
    DemoOrganization("SN-WS-RMYY", "县人民医院党支部", K.BRANCH, S.INSTITUTION, 26),
    DemoOrganization("SN-WS-RMYY-GH", "县人民医院工会", K.TRADE_UNION, S.INSTITUTION),
    DemoOrganization("SN-WS-JK", "县疾病预防控制中心党支部", K.BRANCH, S.INSTITUTION, 8),
    DemoOrganization("SN-WS-FY", "县妇幼保健所党支部", K.BRANCH, S.INSTITUTION, 7),
    DemoOrganization("SN-WS-ZYY", "县中医医院党支部", K.BRANCH, S.INSTITUTION, 9),
    DemoOrganization("SN-WS-ZYY-GH", "县中医医院工会", K.TRADE_UNION, S.INSTITUTION),
    DemoOrganization("SN-WS-JD", "县卫生监督所党支部", K.BRANCH, S.INSTITUTION, 5),
    DemoOrganization("SN-WS-HCWSY", "皇城镇中心卫生院党支部", K.BRANCH, S.INSTITUTION, 6),
    DemoOrganization("SN-WS-MHWSY", "明花乡卫生院党支部", K.BRANCH, S.INSTITUTION, 5),
    DemoOrganization("SN-WS-KLWSY", "康乐乡卫生院党支部", K.BRANCH, S.INSTITUTION, 4),
    # The county transport bureau's party committee over the units of speech 5's 平安单位
    # (demo_transport.py); its 安全科 leads the campaign from the bureau (account jiaotong).
    DemoOrganization("SN-JT", "交通局党委", K.COMMITTEE, S.ORGAN, 5, "county"),
    DemoOrganization("SN-JT-GLZ", "县公路管理站党支部", K.BRANCH, S.INSTITUTION, 10),
    DemoOrganization("SN-JT-YGS", "县道路运输管理所党支部", K.BRANCH, S.INSTITUTION, 7),
    DemoOrganization("SN-JT-QYGS", "县汽车运输公司党支部", K.BRANCH, S.ENTERPRISE, 9),
    DemoOrganization("SN-JT-HSC", "县地方海事处党支部", K.BRANCH, S.INSTITUTION, 4),
    DemoOrganization("SN-JY", "教育党总支", K.GENERAL_BRANCH, S.INSTITUTION, 5, "county"),
    DemoOrganization("SN-JY-YZ", "肃南县第一中学党支部", K.BRANCH, S.INSTITUTION, 24),
    DemoOrganization("SN-JY-YZ-TW", "肃南一中团委", K.YOUTH_LEAGUE, S.INSTITUTION),
    DemoOrganization("SN-JY-MX", "肃南县民族小学党支部", K.BRANCH, S.INSTITUTION, 16),
    DemoOrganization("SN-JY-HC", "皇城镇中心学校党支部", K.BRANCH, S.INSTITUTION, 11),
    DemoOrganization("SN-JY-YEY", "肃南县幼儿园党支部", K.BRANCH, S.INSTITUTION, 6),
)
_BY_CODE = {demo.code: demo for demo in ORGANIZATIONS}
# 医院等级 and 单位类型, which the health campaign's ranking groups by (四排队八排队).
# The county hospital is 二级, as county hospitals of the time were (speech 4's targets
# are 80% of wards for 三级 hospitals, 50% for 二级).
GRADES: dict[str, tuple[str, str]] = {
    "SN-WS-RMYY": (Grade.SECOND, "综合医院"),
    "SN-WS-ZYY": (Grade.SECOND, "中医医院"),
    "SN-WS-HCWSY": (Grade.FIRST, "乡镇卫生院"),
    "SN-WS-MHWSY": (Grade.FIRST, "乡镇卫生院"),
    "SN-WS-KLWSY": (Grade.FIRST, "乡镇卫生院"),
    "SN-WS-JK": ("", "疾病预防控制中心"),
    "SN-WS-FY": ("", "妇幼保健机构"),
    "SN-WS-JD": ("", "卫生监督机构"),
    "SN-JT-GLZ": ("", "公路管理站"),
    "SN-JT-YGS": ("", "道路运输管理所"),
    "SN-JT-QYGS": ("", "汽车运输企业"),
    "SN-JT-HSC": ("", "海事机构"),
}
# Organizations a county loaded by an earlier version of the demo holds under an older
# name or kind: code -> (old name, new name, new kind).
RENAMED: dict[str, tuple[str, str, str]] = {
    "SN-WS": ("卫生党总支", "卫生局党委", K.COMMITTEE),
    "SN-WS-FY": ("县妇幼保健站党支部", "县妇幼保健所党支部", K.BRANCH),
}

# Weights of 民族 among party members; 肃南 is Yugur, Tibetan and Mongol country, with
# 汉族 the largest group in the county organs, schools and hospitals.
ETHNIC_MIXES: dict[str, dict[str, int]] = {
    "county": {"汉族": 64, "裕固族": 19, "藏族": 8, "蒙古族": 3, "回族": 4, "土族": 2},
    "town": {"汉族": 52, "裕固族": 28, "藏族": 9, "蒙古族": 3, "回族": 5, "土族": 3},
    "yugur": {"裕固族": 52, "汉族": 32, "藏族": 9, "蒙古族": 3, "回族": 2, "土族": 2},
    "tibetan": {"藏族": 42, "汉族": 36, "裕固族": 14, "土族": 4, "回族": 4},
    "mongol": {"蒙古族": 40, "汉族": 35, "裕固族": 15, "藏族": 6, "回族": 4},
}
FEMALE_SHARE = {
    S.RURAL: 0.22,
    S.COMMUNITY: 0.55,
    S.ORGAN: 0.3,
    S.INSTITUTION: 0.5,
    S.ENTERPRISE: 0.25,
    S.OTHER: 0.25,
}

SURNAMES = {
    "汉族": "王李张刘陈杨赵黄周吴徐孙朱胡郭何高罗郑梁谢宋唐许韩冯邓曹彭曾田董潘蒋魏苏石常汪任姜范雷闫段席",
    # Surnames the Yugur took from their clan names.
    "裕固族": "安兰钟贺杜柯妥顾郎鄂索白孟高赵",
    "藏族": "杨李王马何陈张",
    "蒙古族": "白包韩苏宝鲍",
    "回族": "马马马韩白丁海冶",
    "土族": "李祁鲁吕星辛",
}
GIVEN_NAMES = {
    Gender.MALE: (
        "建国 建军 国庆 国栋 志强 志刚 永福 永平 德明 德福 长林 振华 文斌 文军 海军 学军 卫东 红军 玉林 生荣 "
        "金山 有福 万春 春生 进财 宏伟 晓东 立新 占山 天福 世荣 发祥 继红 建华 永胜 宗林 学文 正军 成林 "
        "明 伟 军 勇 斌 涛 强 鹏 刚 杰 磊 峰 华 新 忠 林 平 亮 东"
    ).split(),
    Gender.FEMALE: (
        "秀英 玉梅 桂兰 秀兰 玉兰 红梅 淑珍 丽华 海燕 春梅 桂英 晓燕 小红 金花 兰英 玉珍 凤英 翠兰 秀珍 雪梅 "
        "丽娟 文娟 晓霞 玉霞 永梅 春燕 建萍 丽 燕 霞 娟 芳 静 艳 萍 婷 莉 琴 慧 英"
    ).split(),
}
# Tibetan and Mongol members often go by a personal name without a surname.
TIBETAN_NAMES = {
    Gender.MALE: ("才让 扎西 多杰 尕藏 索南 东知 加措 旦增 仁青 更登".split(), "东知 多杰 加 才让 扎西 旦增".split()),
    Gender.FEMALE: ("卓玛 拉毛 央金 才吉 德吉 仁青".split(), "草 措 吉 卓玛".split()),
}
MONGOL_NAMES = {
    Gender.MALE: "巴特尔 乌力吉 额尔敦 朝鲁 巴图 苏和 那顺 孟和 布和".split(),
    Gender.FEMALE: "其其格 萨仁 乌兰 托娅 斯琴 高娃 娜仁 塔娜".split(),
}
# Outside villages and communities people born before 1951 had retired by 2010.
EARLIEST_BIRTH_YEAR = {S.RURAL: 1945, S.COMMUNITY: 1945, S.OTHER: 1945}
WORKING_EARLIEST_BIRTH_YEAR = 1951
PHONE_PREFIXES = "133 135 136 137 138 139 150 151 158 159 180 189".split()


class DemoAccount(NamedTuple):
    username: str
    role: str
    organization: str | None = None  # code of the organization the account is anchored to
    post: str | None = None  # link to the member holding this post in that organization
    inspected: tuple[str, ...] = ()
    first_name: str = ""
    is_staff: bool = False
    is_superuser: bool = False


ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("office", Role.OFFICE, COUNTY_CODE, first_name="县委创先争优办", is_staff=True),
    DemoAccount("leader", Role.LEADER, "SN-HWS", post=Post.SECRETARY),
    DemoAccount("inspector", Role.INSPECTOR, inspected=("SN-HC", "SN-MH"), first_name="县委第一巡回检查组"),
    DemoAccount("secretary", Role.SECRETARY, "SN-HWS-HWSQ", post=Post.SECRETARY),
    # A second branch, in another township, so the two secretaries show each other's limits.
    DemoAccount("secretary2", Role.SECRETARY, "SN-HC-BJC", post=Post.SECRETARY),
    # The branch whose mass evaluation the demo walks through.
    DemoAccount("secretary3", Role.SECRETARY, "SN-MH-XSW", post=Post.SECRETARY),
    DemoAccount("member", Role.MEMBER, "SN-HWS-HWSQ", post=Post.MEMBER),
    # The health bureau's office, which runs 三好一满意 over the 卫生局党委's units only.
    DemoAccount("weisheng", Role.OFFICE, "SN-WS", first_name="卫生局“三好一满意”活动办公室"),
    # A township health centre that files its monthly values and assesses itself, and the
    # bureau's inspection group that verifies it (三好一满意's 自查自评, then 核定).
    DemoAccount("weishengyuan", Role.SECRETARY, "SN-WS-HCWSY", post=Post.SECRETARY),
    DemoAccount("duchazu", Role.INSPECTOR, inspected=("SN-WS",), first_name="卫生局“三好一满意”督查组"),
    # The transport bureau's 安全科, which leads 平安单位 over the 交通局党委's units (speech 5).
    DemoAccount("jiaotong", Role.OFFICE, "SN-JT", first_name="交通局安全科（平安单位创建办公室）"),
    # Not anchored to any organization, so no scoped account list (the office's included) shows it.
    DemoAccount("admin", Role.OFFICE, first_name="系统管理员", is_staff=True, is_superuser=True),
)


@dataclass(frozen=True)
class DemoCounty:
    county: Organization
    county_existed: bool
    organizations_created: int
    members_created: int
    organization_count: int
    member_count: int
    accounts: list[User]
    password: str = DEMO_PASSWORD


@transaction.atomic
def demo_county_load() -> DemoCounty:
    """Build whatever part of the demo county is missing; leave organizations and members
    that exist as they are.

    The demo accounts get their role, organization, member and group back if they were
    changed, so the printed table stays true; their password is set only when the account
    is created, so a password changed since is kept. Needs an active scope that sees
    everything (``orgs.scoping.unscoped``).
    """
    organizations = {
        organization.code: organization
        for organization in Organization.objects.filter(code__in=[demo.code for demo in ORGANIZATIONS])
    }
    county_existed = COUNTY_CODE in organizations
    organizations_created = 0
    for demo in ORGANIZATIONS:
        if demo.code in organizations:
            continue
        parent = organizations[demo.parent_code] if demo.parent_code else None
        grade, unit_type = GRADES.get(demo.code, ("", ""))
        organizations[demo.code] = organization_create(
            code=demo.code,
            name=demo.name,
            kind=demo.kind,
            sector=demo.sector,
            parent=parent,
            grade=grade,
            unit_type=unit_type,
        )
        organizations_created += 1
    for code, (old_name, name, kind) in RENAMED.items():
        Organization.objects.filter(code=code, name=old_name).update(name=name, kind=kind)
    # A county loaded before organizations had grades gets them, unless someone set them since.
    for code, (grade, unit_type) in GRADES.items():
        Organization.objects.filter(code=code, grade="", unit_type="").update(grade=grade, unit_type=unit_type)

    members_created = 0
    for demo in ORGANIZATIONS:
        if demo.size:
            members_created += _members_ensure(organization=organizations[demo.code], demo=demo)

    _office_group_ensure()
    # One hash for every new demo account: they share the printed password anyway, and
    # each PBKDF2 hash takes the better part of a second.
    usernames = [account.username for account in ACCOUNTS]
    existing = User.objects.filter(username__in=usernames).count()
    password = make_password(DEMO_PASSWORD) if existing < len(usernames) else ""
    accounts = [
        _account_ensure(account=account, organizations=organizations, password=password) for account in ACCOUNTS
    ]
    county = organizations[COUNTY_CODE]
    return DemoCounty(
        county=county,
        county_existed=county_existed,
        organizations_created=organizations_created,
        members_created=members_created,
        organization_count=Organization.objects.filter(path__startswith=county.path).count(),
        member_count=Member.objects.filter(organization__path__startswith=county.path).count(),
        accounts=accounts,
    )


def _members_ensure(*, organization: Organization, demo: DemoOrganization) -> int:
    existing = set(Member.objects.filter(organization=organization).values_list("name", "birth_date"))
    missing = [
        Member(organization=organization, **fields)
        for fields in demo_members(demo)
        if (fields["name"], fields["birth_date"]) not in existing
    ]
    Member.objects.bulk_create(missing)
    return len(missing)


def demo_members(demo: DemoOrganization) -> list[dict]:
    """The members of one demo organization as field values: the same on every call."""
    rng = random.Random(f"{SEED}:{demo.code}")
    mix = ETHNIC_MIXES[_mix_of(demo)]
    retired = demo.sector == S.OTHER
    earliest = EARLIEST_BIRTH_YEAR.get(demo.sector, WORKING_EARLIEST_BIRTH_YEAR)
    names: set[str] = set()
    members = []
    for post in posts_for(demo.kind, demo.size):
        gender = Gender.FEMALE if rng.random() < FEMALE_SHARE[demo.sector] else Gender.MALE
        ethnicity = rng.choices(list(mix), weights=list(mix.values()))[0]
        name = member_name(rng, ethnicity, gender)
        while name in names:
            name = member_name(rng, ethnicity, gender)
        names.add(name)

        if retired:
            birth = date_between(rng, datetime.date(1945, 1, 1), datetime.date(1950, 12, 31))
        elif post == Post.MEMBER:
            birth = date_between(rng, datetime.date(earliest, 1, 1), datetime.date(1990, 12, 31))
        else:
            birth = date_between(rng, datetime.date(max(earliest, 1950), 1, 1), datetime.date(1975, 12, 31))
        # 预备党员 are a few young rank-and-file members who joined in the last year.
        probationary = post == Post.MEMBER and not retired and birth.year >= 1975 and rng.random() < 0.15
        if probationary:
            joined = date_between(rng, years_after(SPEECH_DATE, -1), SPEECH_DATE - datetime.timedelta(days=1))
        else:
            latest = min(years_after(birth, 45), years_after(SPEECH_DATE, -1) - datetime.timedelta(days=1))
            joined = date_between(rng, years_after(birth, 18), latest)
        phone = ""
        if rng.random() < (0.85 if post != Post.MEMBER else 0.65):
            phone = rng.choice(PHONE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(8))
        members.append(
            {
                "name": name,
                "gender": gender,
                "ethnicity": ethnicity,
                "birth_date": birth,
                "joined_date": joined,
                "status": MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                "post": post,
                "phone": phone,
            }
        )
    return members


def posts_for(kind: str, size: int) -> list[str]:
    """The posts of an organization of ``size`` members, secretary first: a committee
    has only its leadership team, a branch mostly plain members."""
    if kind == K.BRANCH:
        deputies = 1 if size >= 15 else 0
        # A branch of fewer than seven members elects no branch committee, only a secretary.
        committee = 0 if size < 7 else 1 if size < 10 else 2 if size < 20 else 3
    else:
        deputies = 2 if size >= 7 else 1
        committee = size - 1 - deputies
    plain = size - 1 - deputies - committee
    return (
        [Post.SECRETARY]
        + [Post.DEPUTY_SECRETARY] * deputies
        + [Post.COMMITTEE_MEMBER] * committee
        + [Post.MEMBER] * plain
    )


def _mix_of(demo: DemoOrganization) -> str:
    while demo.mix is None:
        demo = _BY_CODE[demo.parent_code]
    return demo.mix


def member_name(rng: random.Random, ethnicity: str, gender: str) -> str:
    if ethnicity == "藏族" and rng.random() < 0.5:
        first, second = TIBETAN_NAMES[gender]
        head = rng.choice(first)
        tail = rng.choice([part for part in second if part != head])
        return head + tail
    if ethnicity == "蒙古族" and rng.random() < 0.4:
        return rng.choice(MONGOL_NAMES[gender])
    return rng.choice(SURNAMES[ethnicity]) + rng.choice(GIVEN_NAMES[gender])


def date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, month=3, day=1)


def _office_group_ensure() -> Group:
    """The office's admin rights: the tree, the roster, campaigns and pledges; accounts
    only to look at, since accounts are opened from the organization pages."""
    group, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    wanted = set(
        Permission.objects.filter(content_type__app_label__in=["orgs", "campaign", "pledges"])
        .exclude(content_type__model="user", codename__in=["add_user", "change_user", "delete_user"])
        .values_list("pk", flat=True)
    )
    missing = wanted - set(group.permissions.values_list("pk", flat=True))
    if missing:
        group.permissions.add(*missing)
    return group


def _account_ensure(*, account: DemoAccount, organizations: dict[str, Organization], password: str) -> User:
    organization = organizations[account.organization] if account.organization else None
    member = None
    if account.post:
        member = (
            Member.objects.filter(organization=organization, post=account.post, status=MemberStatus.FULL)
            .order_by("pk")
            .first()
        )
    wanted = {
        "role": account.role,
        "organization": organization,
        "member": member,
        "first_name": account.first_name,
        "is_staff": account.is_staff,
        "is_superuser": account.is_superuser,
    }
    user = User.objects.filter(username=account.username).first()
    if user is None:
        user = User(username=account.username, **wanted)
        user.password = password
        user.save()
    else:
        changed = [field for field, value in wanted.items() if getattr(user, field) != value]
        for field in changed:
            setattr(user, field, wanted[field])
        if changed:
            user.save(update_fields=changed)

    inspected = {organizations[code].pk for code in account.inspected}
    if set(user.inspected_organizations.values_list("pk", flat=True)) != inspected:
        user.inspected_organizations.set(inspected)
    if account.role == Role.OFFICE and not account.is_superuser:
        group = Group.objects.get(name=OFFICE_GROUP)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
    return user


# Roles that act for an organization: file its pledges, review, report, nominate.
ACTING_ROLES = (Role.OFFICE, Role.LEADER, Role.SECRETARY)


@dataclass(frozen=True)
class DemoOfficials:
    # Organization pk -> the account that acts for it.
    by_organization: dict[int, User]
    created: int


@transaction.atomic
def demo_officials_ensure(*, county: Organization) -> DemoOfficials:
    """An account for every party organization of the county that has none acting for
    it: its secretary's, with the role the post calls for, so that the demo's pledges,
    reviews and reports are filed by the people who would file them.

    These accounts get no usable password (the office opens them for real use with
    "reset password" on the organization page) and are not printed: one account per
    role is enough to look around. Existing accounts are preferred and left alone;
    loading twice creates nothing more. Needs an unscoped context.
    """
    organizations = list(
        Organization.objects.filter(path__startswith=county.path)
        .exclude(kind__in=OrganizationKind.mass_organizations())
        .order_by("path")
    )
    by_organization: dict[int, User] = {}
    rank = {role: index for index, role in enumerate(ACTING_ROLES)}
    # A system's office below the county (weisheng) runs its own campaign; in the county's
    # the secretary acts for that organization, as for any other.
    acting = (
        User.objects.filter(organization__in=organizations, role__in=ACTING_ROLES, is_active=True)
        .exclude(Q(role=Role.OFFICE) & ~Q(organization=county))
        .select_related("organization", "member")
    )
    for user in sorted(acting, key=lambda user: (rank[user.role], user.pk)):
        by_organization.setdefault(user.organization_id, user)

    missing = [organization for organization in organizations if organization.pk not in by_organization]
    secretaries = {}
    for member in (
        Member.objects.filter(organization__in=missing, post=Post.SECRETARY, user__isnull=True)
        .select_related("organization")
        .order_by("pk")
    ):
        secretaries.setdefault(member.organization_id, member)
    taken = set(User.objects.filter(username__startswith="dy").values_list("username", flat=True))
    new_users = []
    for organization in missing:
        member = secretaries.get(organization.pk)
        if member is None:
            continue
        role = account_role_for_member(member)
        # The app's own form of username when a member has no free phone number.
        username = f"dy{member.pk}"
        if role not in ACTING_ROLES or username in taken:
            continue
        user = User(username=username, role=role, organization=organization, member=member)
        user.set_unusable_password()
        new_users.append(user)
    User.objects.bulk_create(new_users)
    for user in new_users:
        by_organization[user.organization_id] = user
    return DemoOfficials(by_organization=by_organization, created=len(new_users))
