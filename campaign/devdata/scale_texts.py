"""Words for the generated data set (campaign.devdata.scale): names of places, units and the
sentences pledges, progress, reviews and reports are made of.

They read like what branches wrote in 2010, so pages and exports of a generated
province look like the real thing; none of it is shown by the app as its own text.
Lists that the SQL picks from by index (``pool[k]``) are plain tuples here.
"""

# Place names for townships, villages and communities: two characters each.
PLACE_CHARACTERS = "红湾皇城康乐明花马蹄白银祁丰大河泉水西柳东庄金滩双海前南北沟杨哥赛鼎德合隆许三营盘长青新华永安"

# A county is named after a place too; a province of many counties numbers them.
COUNTY_SUFFIXES = ("县", "县", "县", "自治县", "市")

# Township-level organizations of a county, with how often each appears.
# (profile, kind, sector, name pattern); {place} is filled with a place name.
TOWNSHIP_PROFILES = (
    ("town", "committee", "rural", "{place}镇党委", 40),
    ("xiang", "committee", "rural", "{place}乡党委", 22),
    ("street", "working", "community", "{place}街道党工委", 8),
    ("education", "committee", "institution", "县教育系统党委", 5),
    ("health", "general_branch", "institution", "县卫生系统党总支", 4),
    ("police", "committee", "organ", "县公安局党委", 3),
)
# The first two township-level organizations of every county are its clusters.
ORGAN_CLUSTER = ("organs", "working", "organ", "县直机关工委")
ENTERPRISE_CLUSTER = ("enterprises", "working", "enterprise", "非公企业工委")

# What a township-level organization has below it: sector of a branch, with weights.
BRANCH_SECTORS = {
    "town": {"rural": 70, "community": 12, "organ": 8, "institution": 4, "enterprise": 3, "other": 3},
    "xiang": {"rural": 82, "organ": 8, "institution": 5, "other": 5},
    "street": {"community": 80, "enterprise": 10, "organ": 5, "other": 5},
    "organs": {"organ": 75, "institution": 12, "other": 13},
    "enterprises": {"enterprise": 100},
    "education": {"institution": 100},
    "health": {"institution": 100},
    "police": {"organ": 100},
}
# How likely a child of a township-level organization is a 党总支 with branches of its own.
GENERAL_BRANCH_SHARE = {
    "town": 0.04,
    "xiang": 0.03,
    "street": 0.06,
    "organs": 0.12,
    "enterprises": 0.08,
    "education": 0.15,
    "health": 0.15,
    "police": 0.1,
}
# Profiles whose organizations hold 党委 of their own (e.g. a bureau's committee under
# the organ cluster), which then hold general branches and branches.
NESTED_COMMITTEES = {"organs": 0.06, "education": 0.05}

BUREAUS = (
    "县委办公室",
    "县政府办公室",
    "县发展和改革局",
    "县财政局",
    "县民族宗教事务局",
    "县人力资源和社会保障局",
    "县国土资源局",
    "县住房和城乡建设局",
    "县交通运输局",
    "县水务局",
    "县农牧局",
    "县林业局",
    "县畜牧兽医局",
    "县商务局",
    "县文化体育广播电视局",
    "县统计局",
    "县审计局",
    "县环境保护局",
    "县安全生产监督管理局",
    "县工商行政管理局",
    "县地方税务局",
    "县粮食局",
)
INSTITUTIONS = ("中心小学", "中学", "幼儿园", "卫生院", "人民医院", "疾病预防控制中心", "畜牧兽医站", "农技推广站")
ENTERPRISES = ("矿业", "水电开发", "建材", "农牧业开发", "商贸", "运输", "乳业", "旅游开发", "民族服饰")
BRANCH_NAMES = {
    "rural": "{place}村党支部",
    "community": "{place}社区党支部",
    "organ": "{bureau}党支部",
    "institution": "{place}{institution}党支部",
    "enterprise": "{place}{enterprise}有限责任公司党支部",
    "other": "{place}离退休干部党支部",
}
GENERAL_BRANCH_NAMES = {
    "rural": "{place}村党总支",
    "community": "{place}社区党总支",
    "organ": "{bureau}党总支",
    "institution": "{place}{institution}党总支",
    "enterprise": "{place}{enterprise}集团党总支",
    "other": "{place}离退休干部党总支",
}
NESTED_COMMITTEE_NAMES = {"organs": "{bureau}党委", "education": "{place}中学党委"}
MASS_ORGANIZATIONS = (("youth", "{parent}团委"), ("women", "{parent}妇联"), ("union", "{parent}工会"))

# ---------------------------------------------------------------------------
# Pledges: one pool per standard dimension (五个好 for organizations, 五带头 for members),
# each the same length so the SQL can index pool[dimension * length + k].
# ---------------------------------------------------------------------------

ORGANIZATION_TARGETS = (
    # 领导班子好
    "班子成员每季度开展一次谈心谈话，年内创建“五好”党组织",
    "班子成员联系点全覆盖，每人帮扶困难群众2户以上",
    "落实“三会一课”制度，班子民主生活会每半年召开一次",
    "班子成员年内撰写调研报告不少于2篇",
    # 党员队伍好
    "年内发展党员2名，培养入党积极分子3名",
    "党员集中培训每季度不少于1次，参训率达到95%以上",
    "设立党员示范岗5个，党员亮身份、作表率",
    "流动党员全部纳入管理，联系率100%",
    # 工作机制好
    "建立党务、村务公开制度，每季度公开一次",
    "完善民主议事规则，重大事项“四议两公开”",
    "建立群众诉求办理台账，办结率达到95%以上",
    "健全党员设岗定责制度，每名党员认领岗位1个",
    # 工作业绩好
    "年内完成农牧民人均纯收入增长10%以上",
    "新建或改造便民服务点1处，年内投入使用",
    "完成年度重点工作任务12项，群众满意率90%以上",
    "引进或扶持致富项目2个，带动30户增收",
    # 群众反映好
    "全年走访群众100户以上，收集意见建议全部回复",
    "群众评议满意率达到95%以上",
    "开展志愿服务活动每月不少于1次",
    "信访事项按期办结率100%，无越级上访",
)
MEMBER_TARGETS = (
    # 带头学习提高
    "全年读书4本以上，撰写学习心得4篇",
    "参加党校或远程教育培训不少于40学时",
    "学习掌握1项实用技术，年内带动2户群众应用",
    "每月参加一次支部集中学习，全年不缺席",
    # 带头争创佳绩
    "本职工作年度考核达到优秀等次",
    "年内完成岗位目标任务并超额10%",
    "提出合理化建议3条以上，被采纳1条",
    "年内办结本岗位业务件数比上年增长15%",
    # 带头服务群众
    "结对帮扶困难群众1户，每月走访1次",
    "年内为群众办实事好事5件以上",
    "参加志愿服务活动不少于12次",
    "帮助1户群众发展养殖或种植增收",
    # 带头遵纪守法
    "全年无违纪违法行为，按时足额交纳党费",
    "带头遵守村规民约，调解邻里纠纷2起以上",
    "宣传法律法规不少于4次，带动家庭成员守法",
    "严格执行廉洁自律各项规定，年内无投诉",
    # 带头弘扬正气
    "带头移风易俗，红白喜事简办",
    "主动劝阻不文明行为，年内不少于5次",
    "带头参加公益活动，全年捐款捐物2次以上",
    "带头维护民族团结，参与化解矛盾纠纷",
)
POOL_WIDTH = 4  # phrases per dimension in the two pools above

WORKS = (
    "制定工作计划，明确责任人和完成时限，每月检查进度",
    "召开专题会议研究部署，分解任务到人",
    "建立工作台账，逐项对照落实",
    "结合“三会一课”推进，定期通报完成情况",
    "深入群众走访调研，找准问题逐项解决",
    "与结对单位共同推进，争取上级项目支持",
    "组织党员分片包干，按月汇报进展",
    "利用远程教育站点开展培训，跟踪学用效果",
)
# Practical things for the masses, by sector.
PRACTICAL_THINGS = {
    "rural": ("硬化村组道路2公里", "新修人畜饮水工程1处", "组织牧民参加技能培训2期", "协调发放草原补奖资金"),
    "community": ("为空巢老人上门服务每月2次", "设立社区便民服务站", "开展社区环境整治4次", "帮助下岗职工再就业10人"),
    "organ": (
        "推行一站式服务，办事时限压缩三分之一",
        "公开办事流程和投诉电话",
        "为联系村办实事2件",
        "实行首问负责和限时办结",
    ),
    "institution": ("开展送医送教下乡活动4次", "为困难学生减免费用", "设立便民服务窗口", "开展健康义诊6次"),
    "enterprise": ("安置当地农牧民就业20人", "开展安全生产培训4次", "资助贫困学生5名", "帮扶所在村修建道路1公里"),
    "other": ("组织老党员讲传统4次", "看望生病困难老党员", "参与社区治安巡逻", "为青少年讲革命故事"),
}
MEASURABLE_RESULTS = (
    "年底前完成，群众满意率达到90%以上",
    "按时完成，有照片和台账佐证",
    "完成情况在公开栏公示，接受群众监督",
    "年底前验收，形成书面总结",
    "每季度报送一次进展，年底全部完成",
    "受益群众不少于50户",
)
OPINION_SUMMARIES = (
    "群众希望修好进村道路，解决雨雪天出行难",
    "牧民反映饮水困难，希望新建水井",
    "居民建议增设便民服务点和健身器材",
    "群众希望村务更加公开，财务每季度公布",
    "办事群众反映手续多、跑路多，建议简化流程",
    "群众希望多组织实用技术培训",
    "老党员建议加强对年轻党员的教育",
    "群众反映部分干部作风不实，希望多下基层",
)
PROGRESS_PARTIAL = (
    "已召开专题会议部署，正在按计划推进",
    "已完成前期调研，项目资金已落实",
    "已完成约一半工作量，预计按期完成",
    "已走访群众30户，收集意见建议12条",
    "已组织党员集中学习两次，心得正在撰写",
    "工程已开工，完成路基施工",
)
PROGRESS_DONE = (
    "已全部完成，相关照片和台账已存档",
    "经验收合格，已在公开栏公示",
    "已按期完成，群众反映良好",
    "已完成并形成书面总结，报上级党组织",
)
ASSESSMENT_COMMENTS = (
    "承诺事项基本兑现，群众满意",
    "承诺事项全部兑现，成效明显，建议表彰",
    "部分事项未按期完成，需限期整改",
)

# ---------------------------------------------------------------------------
# Rectification, supervision, reviews
# ---------------------------------------------------------------------------

PROBLEM_CATEGORIES = ("思想作风", "服务群众", "制度落实", "基础设施", "廉洁自律", "组织生活")
PROBLEMS = (
    "“三会一课”制度落实不经常，组织生活不够规范",
    "党员教育管理松散，流动党员联系不够",
    "村务公开不及时，群众意见较大",
    "服务群众意识不强，办事效率不高",
    "便民服务设施不完善，群众办事不方便",
    "少数党员发挥作用不明显，示范带动能力弱",
)
MEASURES = (
    "制定整改方案，明确责任人，限期整改到位",
    "建立健全制度，每月检查落实情况",
    "开展专项整治，整改结果向群众公开",
    "加强学习教育，开展批评与自我批评",
)
RESULTS = (
    "已整改到位，群众满意",
    "制度已建立并落实，经复查合格",
    "整改结果已在公开栏公示",
)
SUPERVISION_NOTES = (
    "请于督办时限内完成，每半月报告一次进展",
    "列入挂牌督办，由上级党组织跟踪问效",
    "限期完成，逾期将予以通报",
)
FOLLOW_UP_NOTES = (
    "已实地查看，工作正在推进",
    "电话了解进展，已完成大部分工作",
    "督促加快进度，确保按期完成",
)
CLOSING_NOTES = ("已按期完成，予以销号", "经复查合格，同意销号")
REVIEW_ACHIEVEMENTS = (
    "能够认真履行职责，承诺事项推进有力",
    "学习积极主动，工作思路清晰",
    "服务群众热情，办实事成效明显",
    "班子团结协作，工作机制健全",
    "带头作用发挥好，群众评价较高",
)
REVIEW_PROBLEMS = (
    "个别承诺事项进度滞后",
    "联系群众不够经常",
    "工作创新不足，办法不多",
    "制度执行不够严格",
    "",
)
REVIEW_DIRECTIONS = (
    "进一步加大推进力度，确保承诺按期兑现",
    "多深入群众，及时回应群众诉求",
    "加强学习，提高履职能力",
    "健全制度，抓好落实",
)

# ---------------------------------------------------------------------------
# Information reports and models
# ---------------------------------------------------------------------------

REPORT_TITLES = (
    "扎实开展公开承诺活动",
    "组织党员开展志愿服务",
    "召开群众评议通报会",
    "开展领导点评工作",
    "创先争优活动取得阶段性成效",
    "为群众办实事见实效",
    "开展“党员示范岗”创建活动",
    "举办实用技术培训班",
    "深入开展结对帮扶",
    "落实“三会一课”制度",
)
REPORT_SENTENCES = (
    "近日，该支部组织全体党员召开专题会议，对创先争优活动进行再动员、再部署。",
    "活动中，党员们佩戴党徽、亮明身份，主动为群众排忧解难。",
    "截至目前，已为群众办理实事好事十余件，受到群众好评。",
    "会上，支部书记通报了上半年承诺践诺情况，群众代表进行了现场评议。",
    "通过开展活动，进一步密切了党群干群关系，增强了基层党组织的凝聚力。",
    "下一步，将继续深化公开承诺，推动创先争优活动常态化。",
    "此次培训共有一百余名农牧民参加，发放技术资料三百余份。",
    "各结对单位深入村组，帮助协调解决实际困难。",
)
MODEL_DEEDS = (
    "该同志扎根基层二十年，带领群众发展特色养殖，年人均增收两千元。",
    "该支部坚持“三会一课”，创新服务方式，群众满意率连续两年达到98%。",
    "该同志在抗灾救灾中冲锋在前，组织转移群众三百余人。",
    "该支部推行党员设岗定责，为群众办实事五十余件。",
    "该同志爱岗敬业，主动承担急难险重任务，多次受到表彰。",
)
NOMINATION_OPINIONS = ("同意推荐", "事迹突出，同意上报", "经研究，同意推荐为典型")
DECLINE_OPINIONS = ("事迹材料不够充分，暂不确定", "本季度名额已满，请下季度再报")
BALLOT_COMMENTS = ("希望多为群众办实事", "工作扎实，群众认可", "希望加强与群众的联系", "服务态度好")
RETURN_REASON = "承诺事项不够具体，请补充完成时限和可衡量的成效后重新提交。"
ROUND_BRIEFING = "通报了本半年度公开承诺践诺、为群众办实事和整改落实情况。"
