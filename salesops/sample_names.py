"""Vocabulary of the sample company: people, places, company names, products.

Plain data for `salesops.sample`; every Chinese word carries its pinyin so the
generator can make plausible e-mail addresses.
"""

from __future__ import annotations

# fmt: off

# (city, pinyin, region, area code)
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("上海", "sh", "华东", "021"),
    ("苏州", "sz", "华东", "0512"),
    ("杭州", "hz", "华东", "0571"),
    ("南京", "nj", "华东", "025"),
    ("无锡", "wx", "华东", "0510"),
    ("宁波", "nb", "华东", "0574"),
    ("合肥", "hf", "华东", "0551"),
    ("北京", "bj", "华北", "010"),
    ("天津", "tj", "华北", "022"),
    ("石家庄", "sjz", "华北", "0311"),
    ("济南", "jn", "华北", "0531"),
    ("青岛", "qd", "华北", "0532"),
    ("太原", "ty", "华北", "0351"),
    ("广州", "gz", "华南", "020"),
    ("深圳", "szn", "华南", "0755"),
    ("东莞", "dg", "华南", "0769"),
    ("佛山", "fs", "华南", "0757"),
    ("厦门", "xm", "华南", "0592"),
    ("武汉", "wh", "华中", "027"),
    ("长沙", "cs", "华中", "0731"),
    ("成都", "cd", "西南", "028"),
    ("重庆", "cq", "西南", "023"),
)

# Regions the sales teams cover; leads elsewhere go to the nearest team.
TEAM_OF_REGION = {"华东": "华东团队", "华北": "华北团队", "华南": "华南团队", "华中": "华南团队", "西南": "华南团队"}

BRANDS: tuple[tuple[str, str], ...] = (
    ("华东", "huadong"), ("恒通", "hengtong"), ("精工", "jinggong"), ("瑞丰", "ruifeng"),
    ("宏达", "hongda"), ("博远", "boyuan"), ("鼎盛", "dingsheng"), ("天成", "tiancheng"),
    ("华瑞", "huarui"), ("联创", "lianchuang"), ("新源", "xinyuan"), ("永信", "yongxin"),
    ("金石", "jinshi"), ("海川", "haichuan"), ("凯德", "kaide"), ("明阳", "mingyang"),
    ("安泰", "antai"), ("富达", "fuda"), ("远航", "yuanhang"), ("嘉禾", "jiahe"),
    ("盛世", "shengshi"), ("同创", "tongchuang"), ("立新", "lixin"), ("万邦", "wanbang"),
    ("卓越", "zhuoyue"), ("华信", "huaxin"), ("东升", "dongsheng"), ("润泽", "runze"),
    ("中联", "zhonglian"), ("启航", "qihang"), ("德利", "deli"), ("兴业", "xingye"),
)

# (name part, pinyin, industry)
TRADES: tuple[tuple[str, str, str], ...] = (
    ("精密机械", "jm", "机械制造"),
    ("智能装备", "zb", "机械制造"),
    ("电子科技", "dz", "电子"),
    ("半导体", "bd", "电子"),
    ("汽车零部件", "qp", "汽车零部件"),
    ("医疗器械", "yl", "医疗器械"),
    ("新材料", "xc", "新材料"),
    ("化工", "hg", "化工"),
    ("食品", "sp", "食品饮料"),
    ("物流", "wl", "物流"),
    ("新能源", "ny", "能源"),
    ("纺织", "fz", "纺织"),
    ("电气设备", "dq", "电气设备"),
    ("环保科技", "hb", "环保"),
)

SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司")

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"),
)
GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
    ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("军", "jun"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("丽", "li"),
    ("强", "qiang"), ("婷", "ting"), ("建国", "jianguo"), ("志强", "zhiqiang"), ("海燕", "haiyan"),
    ("晓东", "xiaodong"), ("文博", "wenbo"), ("雪梅", "xuemei"), ("国庆", "guoqing"), ("红梅", "hongmei"),
)
CONTACT_TITLES = ("采购经理", "设备部主任", "IT总监", "生产副总", "总经理", "工程部经理", "信息化负责人")
# The decision role a contact with each title plays in a purchase.
ROLE_OF_TITLE = {
    "总经理": "decision_maker", "生产副总": "decision_maker", "IT总监": "influencer",
    "信息化负责人": "influencer", "采购经理": "gatekeeper", "设备部主任": "user", "工程部经理": "user",
    "财务经理": "gatekeeper", "车间主任": "user", "质量部经理": "other", "总经理助理": "other",
}
# Titles of the further contacts met during a deal, per decision role.
TITLES_OF_ROLE = {
    "decision_maker": ("总经理", "生产副总"), "influencer": ("IT总监", "信息化负责人"),
    "user": ("车间主任", "设备部主任", "工程部经理"), "gatekeeper": ("采购经理", "财务经理"),
    "other": ("质量部经理", "总经理助理"),
}

# (rep name, team, region, monthly target in yuan, active); the first of a team leads it.
REPS: tuple[tuple[str, str, str, int | None, bool], ...] = (
    ("陈思远", "华东团队", "华东", 350000, True),
    ("李晓梅", "华东团队", "华东", 280000, True),
    ("王浩然", "华东团队", "华东", 260000, True),
    ("赵志刚", "华北团队", "华北", 350000, True),
    ("刘佳怡", "华北团队", "华北", 280000, True),
    ("孙鹏", "华北团队", "华北", 250000, True),
    ("黄俊杰", "华南团队", "华南", 350000, True),
    ("林雨欣", "华南团队", "华南", 280000, True),
    ("吴嘉豪", "华南团队", "华南", 260000, True),
    ("郑凯", "华北团队", "华北", None, False),  # left in spring; keeps his closed records
)
SALES_DIRECTOR = "周建华"
FINANCE_USER = "何静"
LEGAL_REVIEWER = "宋文博"
# People beside the sales teams: (name, team, role). The director heads the sales teams.
STAFF: tuple[tuple[str, str, str], ...] = (
    (SALES_DIRECTOR, "销售管理部", "director"),
    (FINANCE_USER, "财务部", "finance"),
    (LEGAL_REVIEWER, "法务部", "legal"),
)

PRODUCTS: tuple[str, ...] = (
    "MES生产执行系统", "智能仓储系统", "设备联网改造", "质量追溯平台", "数控机床采购",
    "自动化产线改造", "能源管理系统", "工业机器人集成", "视觉检测设备", "冷链监控系统",
    "PLC控制柜升级", "厂区安防改造",
)
DELIVERY_STEPS: tuple[str, ...] = ("设备到货", "安装调试", "软件部署", "培训与上线", "二期设备到货")

DISQUALIFY_REASONS = (
    "预算不足", "无实际需求", "多次联系不上", "已选择其他供应商", "重复线索", "非目标行业", "项目无限期搁置",
)
LOST_REASONS = (
    ("价格高于竞争对手", "汇川技术"),
    ("选择了竞争对手方案", "西门子"),
    ("项目预算取消", None),
    ("技术方案不满足现场要求", "施耐德电气"),
    ("客户内部决策延期后取消", None),
    ("交付周期无法满足", "ABB"),
    ("客户转向自研", None),
    ("价格高于竞争对手", "埃斯顿"),
)
REJECT_NOTES = ("客户要求进一步降价", "客户调整采购范围", "价格未获客户认可")
WRITE_OFF_REASON = "尾款争议，经总监审批核销"

# Follow-ups (跟进记录): (type, summary, next step) per occasion; the first matching the record's situation.
LEAD_FOLLOW = {
    "attempt": (("call", "电话未接通，已发短信介绍公司", "再次电话联系"),
                ("call", "前台转接未果，留了联系方式", "换个时间再打")),
    "contacted": (("call", "首次电话沟通，客户介绍了现状和痛点", "发送产品资料和案例"),
                  ("wechat", "加了微信，发送了公司介绍", "约电话详细沟通")),
    "nurture": (("wechat", "微信发送行业案例，客户表示有兴趣", "约时间上门拜访"),
                ("email", "邮件发送产品白皮书", "电话确认客户反馈"),
                ("call", "电话回访，客户在内部评估", "两周后再跟进")),
    "qualified": (("visit", "上门拜访，确认预算、时间和决策流程", "安排方案交流"),
                  ("meeting", "与客户技术负责人会谈，需求基本明确", "准备初步方案")),
    "converted": (("meeting", "需求确认，转为商机推进", None),),
}
OPP_FOLLOW = {
    "needs_analysis": (("visit", "现场调研，梳理产线和设备现状", "整理需求清单"),
                       ("meeting", "需求研讨会，明确项目范围", "确认需求文档")),
    "solution": (("meeting", "方案交流会，客户认可总体思路", "细化技术方案"),),
    "demo": (("demo", "为客户技术团队做产品演示", "收集演示反馈"),),
    "proposal": (("email", "提交报价和技术方案", "电话确认报价反馈"),
                 ("meeting", "报价讲解会", "跟进客户内部审批")),
    "negotiation": (("meeting", "商务谈判，讨论价格和付款条款", "确认合同条款"),
                    ("visit", "拜访采购部，推动合同流程", "跟进合同评审")),
    "follow": (("call", "电话跟进项目进展", "约下次会面"),
               ("wechat", "微信沟通技术细节", "补充技术资料"),
               ("visit", "拜访客户，了解决策进度", "跟进内部审批")),
    "won": (("visit", "合同签署，感谢客户", None),),
    "lost": (("call", "客户反馈不再推进", None),),
}
CASH_FOLLOW = {
    "reminder": (("reminder", "发送催款函，提醒款项已到期", "确认付款计划"),
                 ("reminder", "电话催款，客户财务称在走付款流程", "跟进付款进度"),
                 ("visit", "拜访客户财务，沟通付款安排", "确认到账时间")),
    "paid": (("call", "确认回款到账，感谢客户", None),),
    "written_off": (("meeting", "尾款无法收回，报总监审批核销", None),),
}
ACCOUNT_FOLLOW = (
    ("visit", "客户回访，了解设备使用情况", "跟进新需求"),
    ("call", "电话回访，客户满意度良好", "季度回访"),
    ("wechat", "微信问候，分享行业新品信息", "约下次拜访"),
    ("meeting", "客户年度业务交流", "整理客户新需求"),
    ("other", "寄送节日礼品和新品手册", "电话回访"),
)
CONTRACT_FOLLOW = {
    "review": ("meeting", "内部合同评审会", "跟进评审意见"),
    "accepted": ("visit", "现场验收，客户签署验收单", None),
}
TERMINATE_REASON = "客户预算冻结，项目取消"
# fmt: on
