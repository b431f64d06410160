"""What the demo city's books look like: Chinese Library Classification classes with title
patterns, subjects and publishers, author name pools and the publishers' real ISBN prefixes.

Pure data. Titles are invented from the patterns; class numbers, publishers, their places and
their ISBN registrant codes are real.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _w(spec: str) -> tuple[str, ...]:
    return tuple(spec.split())


@dataclass(frozen=True)
class Publisher:
    name: str
    place: str
    prefix: str  # the registrant code after 978-7: "02", "115", "5360"


# The publishers (Chinese name → place, registrant code).
PUBLISHERS: dict[str, Publisher] = {
    p.name: p
    for p in (
        Publisher("人民文学出版社", "北京", "02"),
        Publisher("科学出版社", "北京", "03"),
        Publisher("高等教育出版社", "北京", "04"),
        Publisher("商务印书馆", "北京", "100"),
        Publisher("中华书局", "北京", "101"),
        Publisher("人民美术出版社", "北京", "102"),
        Publisher("人民音乐出版社", "北京", "103"),
        Publisher("人民教育出版社", "北京", "107"),
        Publisher("生活·读书·新知三联书店", "北京", "108"),
        Publisher("中国农业出版社", "北京", "109"),
        Publisher("机械工业出版社", "北京", "111"),
        Publisher("中国建筑工业出版社", "北京", "112"),
        Publisher("人民交通出版社", "北京", "114"),
        Publisher("人民邮电出版社", "北京", "115"),
        Publisher("人民卫生出版社", "北京", "117"),
        Publisher("外文出版社", "北京", "119"),
        Publisher("电子工业出版社", "北京", "121"),
        Publisher("化学工业出版社", "北京", "122"),
        Publisher("广东人民出版社", "广州", "218"),
        Publisher("北京大学出版社", "北京", "301"),
        Publisher("清华大学出版社", "北京", "302"),
        Publisher("中山大学出版社", "广州", "306"),
        Publisher("人民体育出版社", "北京", "5009"),
        Publisher("解放军出版社", "北京", "5065"),
        Publisher("中国环境出版集团", "北京", "5111"),
        Publisher("中国中医药出版社", "北京", "5132"),
        Publisher("外语教学与研究出版社", "北京", "5135"),
        Publisher("中国轻工业出版社", "北京", "5184"),
        Publisher("世界图书出版公司", "北京", "5192"),
        Publisher("法律出版社", "北京", "5197"),
        Publisher("中国地图出版社", "北京", "5204"),
        Publisher("作家出版社", "北京", "5212"),
        Publisher("中国法制出版社", "北京", "5216"),
        Publisher("中信出版社", "北京", "5217"),
        Publisher("中国金融出版社", "北京", "5220"),
        Publisher("少年儿童出版社", "上海", "5324"),
        Publisher("上海译文出版社", "上海", "5327"),
        Publisher("浙江少年儿童出版社", "杭州", "5342"),
        Publisher("广东科技出版社", "广州", "5359"),
        Publisher("花城出版社", "广州", "5360"),
        Publisher("岭南美术出版社", "广州", "5362"),
        Publisher("二十一世纪出版社", "南昌", "5391"),
        Publisher("新世纪出版社", "广州", "5405"),
        Publisher("上海外语教育出版社", "上海", "5446"),
        Publisher("译林出版社", "南京", "5447"),
        Publisher("接力出版社", "南宁", "5448"),
        Publisher("广东经济出版社", "广州", "5454"),
        Publisher("广州出版社", "广州", "5462"),
        Publisher("广东教育出版社", "广州", "5548"),
        Publisher("青岛出版社", "青岛", "5552"),
        Publisher("广东旅游出版社", "广州", "5570"),
        Publisher("暨南大学出版社", "广州", "5668"),
        Publisher("华东师范大学出版社", "上海", "5760"),
    )
}
# How the publishers of English-language books print their names.
PUBLISHERS_EN: dict[str, tuple[str, str]] = {
    "外语教学与研究出版社": ("Foreign Language Teaching and Research Press", "Beijing"),
    "外文出版社": ("Foreign Languages Press", "Beijing"),
    "世界图书出版公司": ("World Publishing Corporation", "Beijing"),
    "上海外语教育出版社": ("Shanghai Foreign Language Education Press", "Shanghai"),
    "人民邮电出版社": ("Posts & Telecom Press", "Beijing"),
    "机械工业出版社": ("China Machine Press", "Beijing"),
    "清华大学出版社": ("Tsinghua University Press", "Beijing"),
    "译林出版社": ("Yilin Press", "Nanjing"),
    "广东人民出版社": ("Guangdong People's Publishing House", "Guangzhou"),
}
# Publishers with the widest ISBN ranges, for when a class's own publishers run out of numbers
# (only at city scale).
FALLBACK_PUBLISHERS = ("人民文学出版社", "科学出版社", "高等教育出版社", "商务印书馆",
                       "广东人民出版社", "人民邮电出版社", "中山大学出版社")  # fmt: skip

# --- authors ----------------------------------------------------------------------------------

# Surnames across China, most frequent first (weights are rough shares).
SURNAMES: tuple[tuple[str, int], ...] = tuple(
    (s, w)
    for group, w in (
        ("王 李 张 刘 陈", 7), ("杨 黄 赵 吴 周", 4), ("徐 孙 马 朱 胡 郭 何 高 林 罗", 2),
        ("郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 "
         "任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 方 白 邹 孟 熊 秦 邱 江 尹 薛 段 "
         "雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 麦 关 欧阳 司徒", 1),
    )
    for s in group.split()
)  # fmt: skip
GIVEN = _w(
    "伟 强 杰 俊 浩 明 志 建 文 华 国 军 涛 斌 鹏 辉 宇 轩 睿 晨 博 嘉 铭 锦 健 永 荣 勇 峰 海 "
    "新 东 源 乐 立 平 晓 林 海 云 松 卫 红 丽 敏 静 婷 芳 娟 燕 玲 霞 雪 颖 琳 欣 怡 诗 雨 佳 "
    "慧 洁 萍 梅 思 彤 悦 瑶 雅 妍 秀 桂 春 秋 冬 远 航 帆 宁 安 颂 德 仁 义 礼 智 信 达 岚"
)
# The class number and subject of a novel by the author's country.
NOVELS_BY_COUNTRY = {"美": ("I712.45", "美国"), "英": ("I561.45", "英国"),
                     "法": ("I565.45", "法国"), "日": ("I313.45", "日本")}  # fmt: skip
# Authors who write in other languages, as their names are transliterated in Chinese, by
# the country given in brackets in the statement of responsibility.
FOREIGN_AUTHORS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "美": (_w("约翰 玛丽 詹姆斯 艾米丽 托马斯 安娜 大卫 苏珊 彼得 凯瑟琳 迈克尔 丹尼尔 劳拉"),
          _w("史密斯 布朗 琼斯 米勒 戴维斯 威尔逊 泰勒 安德森 怀特 哈里斯 马丁 汤普森 卡特")),
    "英": (_w("乔治 伊丽莎白 查尔斯 夏洛特 亨利 艾玛 威廉 露西 爱德华 简"),
          _w("格林 霍尔 伍德 克拉克 刘易斯 沃克 罗宾逊 贝克 斯科特 埃文斯")),
    "法": (_w("让 玛丽 皮埃尔 索菲 路易 克莱尔 雅克 卡米尔"),
          _w("杜邦 马丁 贝尔纳 勒费弗尔 莫罗 福尼耶 吉拉尔 罗兰")),
    "日": (_w("健一 美雪 浩二 直子 阳子 拓也 由纪 翔太 真理子 和也"),
          _w("渡边 铃木 佐藤 高桥 田中 山本 中村 小林 加藤 吉田")),
}  # fmt: skip
ENGLISH_AUTHORS = (
    _w("Emily James Sarah Thomas Laura Daniel Anna Michael Grace Peter Helen David Ruth Mark"),
    _w("Carter Walker Bennett Hughes Morgan Fletcher Palmer Lawson Reid Hayes Porter Ellis "
       "Chan Wong Lee Lam"),
)  # fmt: skip
# Bodies that compile books (local documents, textbooks, encyclopedias).
BODIES = {
    "local": ("广州市地方志编纂委员会办公室", "广州市政协文史资料委员会", "广州市文化广电旅游局",
              "广州博物馆", "广州图书馆地方文献部"),
    "school": ("本书编写组", "广东省教育研究院", "小学教材研究所"),
    "encyclopedia": ("少儿百科编委会", "本书编委会", "科普创作编写组"),
}  # fmt: skip

# --- classes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shelf:
    """One CLC class and how the demo makes its books."""

    clc: tuple[str, ...]  # the class numbers used, the first the commonest
    caption: str
    weight: float  # share of the records
    titles: tuple[str, ...]  # patterns; {slot} from ``words`` (or COMMON_WORDS)
    words: dict[str, tuple[str, ...]]
    subjects: tuple[tuple[str, ...], ...]
    publishers: tuple[str, ...]
    credits: tuple[str, ...] = ("author",)  # how the statement of responsibility reads
    since: int = 1985
    prices: tuple[int, int] = (22, 58)
    item_type: str = "book"
    format: str = "book"
    language: str = "chi"
    few_copies: bool = False  # periodicals, audio-visual: one to three copies
    units: str = "general"  # which stock table (``STOCK``) spreads its copies
    body: str = ""  # key into BODIES for "body" credits
    extra: dict = field(default_factory=dict)


COMMON_WORDS: dict[str, tuple[str, ...]] = {
    "ed": _w("2 2 3 3 4 5 6"),
    "n": _w("10 12 20 30 50 60 100 101 120 365"),
    "district": _w("越秀 海珠 荔湾 天河 白云 黄埔 番禺 花都 南沙 从化 增城"),
    "old_place": _w("西关 东山 沙面 北京路 上下九 长堤 珠江南岸 六榕 光孝 陈家祠 小北 十三行 "
                    "恩宁路 荔枝湾 黄埔古港 沙湾古镇 南海神庙"),
    "lingnan": _w("岭南 珠江 南粤 羊城 花城 穗港 五羊 木棉 广府"),
}  # fmt: skip

SHELVES: tuple[Shelf, ...] = (
    Shelf(
        ("I247.5", "I247.7"), "当代中国小说", 12,
        ("{place}{story}", "{image}{story}", "{image}的{season}", "{place}的{image}",
         "{place}{image}", "{image}与{image2}", "{season}{image}", "在{place}的{season}"),
        {"place": _w("岭南 珠江 西关 东山 老城 南方 江南 小镇 山城 河畔 海边 村口 渡口 骑楼下 "
                     "巷子里 北方 天边 故乡 城南 城北"),
         "story": _w("往事 岁月 人家 故事 风云 春秋 记事 烟雨 长歌 旧梦 传 笔记 纪事 年代"),
         "image": _w("木棉 榕树 骑楼 凤凰花 荔枝 白兰花 月光 灯火 潮声 晚风 炊烟 青瓦 码头 "
                     "老屋 雨季 红棉 茶楼 渔火 帆影 稻田 蝉鸣 星河 归途 远方"),
         "image2": _w("少年 故人 归人 远行者 守望者 女儿 父亲 外婆 摆渡人 船家"),
         "season": _w("春天 夏天 秋天 冬天 雨季 黄昏 清晨 午后 四月 十月 旧年")},
        (("长篇小说", "中国", "当代"), ("中篇小说", "小说集", "中国", "当代"),
         ("短篇小说", "小说集", "中国", "当代")),
        ("人民文学出版社", "花城出版社", "作家出版社", "广东人民出版社", "人民文学出版社"),
        ("author", "author", "author", "two"), prices=(26, 68),
    ),
    Shelf(
        ("I267", "I266"), "散文", 6,
        ("{city}街巷记忆", "行走{place}", "{image}集", "{season}的{image}", "{image}随笔",
         "{place}笔记", "{image}与{season}", "一个人的{place}", "{place}草木记"),
        {"city": _w("广州 羊城 老广州 岭南 花城"),
         "place": _w("岭南 江南 西关 珠江 山野 小城 故乡 城市 南方 旧时光"),
         "image": _w("茶 书 雨 花 树 灯 河 风 云 饭 味 光 影 茶香 书香 乡愁 烟火 人间"),
         "season": _w("春天 夏天 秋天 冬天 雨季 黄昏 清晨")},
        (("散文集", "中国", "当代"), ("随笔", "作品集", "中国", "当代")),
        ("花城出版社", "人民文学出版社", "生活·读书·新知三联书店", "作家出版社", "广东人民出版社"),
        ("author", "author", "two"), prices=(25, 59),
    ),
    Shelf(
        ("I287.45", "I287.7", "I287.8"), "中国儿童文学", 6,
        ("{animal}的{adventure}", "小{animal}{action}", "{kid}和{animal}", "会{verb}的{thing}",
         "{kid}的{adventure}", "{animal}{kid}{action}"),
        {"animal": _w("熊猫 兔子 狐狸 小鸭 猫头鹰 刺猬 松鼠 小象 企鹅 海豚 小鹿 青蛙 蚂蚁 蜗牛"),
         "adventure": _w("大冒险 奇遇记 秘密 森林之旅 夏天 新朋友 魔法书 第一次旅行 星空梦"),
         "action": _w("去上学 找妈妈 学游泳 过生日 开书店 种太阳 去旅行 不怕黑"),
         "kid": _w("小米 豆豆 阿宝 朵朵 乐乐 小满 丁丁 糖糖"),
         "verb": _w("唱歌 飞 说话 笑 画画 做梦 跳舞"),
         "thing": _w("雨伞 书包 小树 石头 云朵 风筝 铅笔 房子")},
        (("儿童故事", "中国", "当代"), ("童话", "中国", "当代"), ("图画故事", "中国", "当代")),
        ("接力出版社", "浙江少年儿童出版社", "少年儿童出版社", "二十一世纪出版社", "新世纪出版社"),
        ("author", "author", "two"), prices=(15, 39), item_type="children", units="children",
    ),
    Shelf(
        ("I712.45", "I561.45", "I313.45", "I565.45"), "外国小说（译本）", 3,
        ("{image}之{noun}", "{noun}的{image}", "最后的{noun}", "{image}", "{noun}与{noun2}"),
        {"image": _w("夜 雪 海 光 河 风 雾 岛 山 星"),
         "noun": _w("女儿 旅人 钟表匠 图书馆 花园 灯塔 信使 守夜人 画家 远方"),
         "noun2": _w("猫 玫瑰 海鸥 回声 谎言 记忆")},
        (("长篇小说", "美国", "现代"), ("长篇小说", "英国", "现代"), ("长篇小说", "日本", "现代"),
         ("长篇小说", "法国", "现代")),
        ("译林出版社", "上海译文出版社", "人民文学出版社"),
        ("translated",), prices=(32, 69), extra={"by_country": True},
    ),
    Shelf(
        ("K296.51", "K296.5", "K295.1"), "地方史志（广东）", 4,
        ("{district}{place_kind}", "广州{old_place}{story}", "{lingnan}{thing}史话",
         "{district}村落文化", "羊城{thing}", "广府{custom}", "{old_place}街巷记忆",
         "广州市{district}区志（{era}）", "{lingnan}{thing}图录"),
        {"place_kind": _w("掌故 旧事 风物 史话 地名故事 古村落 老街"),
         "story": _w("往事 旧影 百年 记忆 变迁"),
         "thing": _w("骑楼 祠堂 茶楼 老字号 码头 书院 古道 侨乡 碉楼 龙舟 醒狮"),
         "custom": _w("民俗 饮食文化 方言 粤剧 节庆 家训 童谣"),
         "era": _w("1991-2000 2001-2010 2011-2020")},
        (("地方史", "广州"), ("地方志", "广州"), ("民俗", "广东"), ("建筑史", "广州")),
        ("广东人民出版社", "广州出版社", "花城出版社", "中山大学出版社", "暨南大学出版社",
         "广东旅游出版社"),
        ("author", "body", "editor"), prices=(38, 128), item_type="local", units="local",
        body="local",
    ),
    Shelf(
        ("K820", "K825.6", "K826.1"), "人物传记", 4,
        ("{hero}传", "{hero}的一生", "{field}人生：{hero}评传", "{field}的{hero}",
         "我的{kin}{hero}", "{hero}画传"),
        {"hero": (),  # a person's name, made by the maker
         "field": _w("诗意 学者 匠心 行者 守望 寻梦 科学"),
         "kin": _w("父亲 母亲 祖父 老师")},
        (("传记", "中国"), ("作家", "传记", "中国", "现代"), ("科学家", "传记", "中国")),
        ("人民文学出版社", "中华书局", "生活·读书·新知三联书店", "广东人民出版社"),
        ("author",), prices=(32, 78),
    ),
    Shelf(
        ("TP311.561", "TP312", "TP311.13"), "程序设计", 5,
        ("{lang}编程实战：从入门到项目", "{lang}程序设计教程（第{ed}版）", "深入理解{topic}",
         "{topic}实战指南", "零基础学{lang}", "{lang}数据分析与可视化", "{lang}高效开发手册",
         "图解{topic}", "{lang}与{topic}"),
        {"lang": _w("Python Java C++ Go Rust JavaScript Kotlin TypeScript C#"),
         "topic": _w("数据结构 算法 微服务 数据库系统 Web开发 设计模式 并发编程 软件测试 "
                     "Linux系统编程 分布式系统 编译原理")},
        (("程序设计",), ("软件工具", "程序设计"), ("数据库系统",)),
        ("人民邮电出版社", "机械工业出版社", "清华大学出版社", "电子工业出版社"),
        ("author", "two", "editor"), since=2003, prices=(49, 128),
    ),
    Shelf(
        ("TP18", "TP181", "TP391.1"), "人工智能", 3,
        ("{ai}：原理与实践", "动手学{ai}", "{ai}导论", "图解{ai}", "{ai}入门与应用",
         "{ai}实战（第{ed}版）"),
        {"ai": _w("机器学习 深度学习 神经网络 强化学习 知识图谱 自然语言处理 计算机视觉 "
                  "生成式人工智能 大语言模型 智能机器人")},
        (("人工智能",), ("机器学习",), ("自然语言处理",)),
        ("人民邮电出版社", "机械工业出版社", "清华大学出版社", "电子工业出版社", "科学出版社"),
        ("author", "two", "editor"), since=2012, prices=(59, 128),
    ),
    Shelf(
        ("G624.5", "G624.4", "G623.2"), "小学教育", 4,
        ("小学{subject}{kind}", "{grade}年级{subject}同步练习", "小学生{skill}训练",
         "{subject}思维{n}讲", "小学{subject}知识大全"),
        {"subject": _w("语文 数学 英语 科学 作文 古诗词 阅读"),
         "kind": _w("学习方法 基础训练 阅读指导 一本通 核心素养读本"),
         "grade": _w("一 二 三 四 五 六"),
         "skill": _w("作文 阅读理解 口算 书法 思维导图 专注力")},
        (("小学", "教学参考资料"), ("作文课", "小学", "教学参考资料"), ("数学课", "小学")),
        ("广东教育出版社", "人民教育出版社", "新世纪出版社", "华东师范大学出版社"),
        ("editor", "body", "author"), prices=(15, 36), item_type="children", units="children",
        body="school",
    ),
    Shelf(
        ("H319.4", "H319.9", "H311"), "英语学习", 4,
        ("英语{skill}{n}天突破", "{exam}词汇精讲", "实用英语{scene}口语", "{exam}真题详解",
         "英语{skill}一本通", "轻松学英语：{scene}篇"),
        {"skill": _w("语法 听力 阅读 写作 口语 词汇"),
         "exam": _w("大学英语四级 大学英语六级 雅思 托福 中考英语 高考英语"),
         "scene": _w("旅游 职场 商务 生活 社交 留学")},
        (("英语", "自学参考资料"), ("英语", "语法"), ("英语", "口语")),
        ("外语教学与研究出版社", "上海外语教育出版社", "商务印书馆", "世界图书出版公司"),
        ("editor", "author", "two"), prices=(22, 59),
    ),
    Shelf(
        ("R212", "R24", "R247.1"), "中医", 3,
        ("{season}养生{kind}", "中医{topic}{kind}", "图解{topic}", "{organ}调养{n}讲",
         "岭南{topic}", "家庭{topic}手册"),
        {"season": _w("四季 春季 夏季 秋季 冬季"),
         "kind": _w("指南 宝典 全书 手册 百问"),
         "topic": _w("经络养生 食疗 艾灸 推拿 针灸 凉茶 药膳 体质调理"),
         "organ": _w("脾胃 肝胆 肺 心血管 睡眠")},
        (("中医学", "养生"), ("食物疗法",), ("针灸疗法",)),
        ("人民卫生出版社", "中国中医药出版社", "广东科技出版社"),
        ("author", "editor"), prices=(28, 68),
    ),
    Shelf(
        ("J222.7", "J212", "J222"), "中国画", 2,
        ("{hero}画集", "{subject}技法", "岭南画派{kind}", "中国画{subject}入门", "{subject}画谱"),
        {"hero": (),
         "subject": _w("山水 花鸟 人物 工笔 写意 梅兰竹菊 水墨"),
         "kind": _w("精品集 研究 名家作品选 百年")},
        (("中国画", "作品集", "中国", "现代"), ("中国画", "绘画技法")),
        ("岭南美术出版社", "人民美术出版社", "广东人民出版社"),
        ("author", "editor"), prices=(48, 128), extra={"hero_paints": True},
    ),
    Shelf(
        ("F832", "F830.59", "F832.48"), "金融", 3,
        ("{topic}的逻辑", "中国{topic}{kind}", "{n}堂{topic}课", "个人理财{kind}",
         "看懂{topic}", "{topic}简史"),
        {"topic": _w("金融 货币 银行 投资 资本市场 保险 数字人民币 财富管理"),
         "kind": _w("研究 报告 通识 新论 入门")},
        (("金融", "中国"), ("投资", "基本知识"), ("家庭管理", "财务管理")),
        ("中信出版社", "中国金融出版社", "机械工业出版社", "广东经济出版社"),
        ("author", "two", "editor"), prices=(39, 88),
    ),
    Shelf(
        ("D920.5", "D923.04", "D922.5"), "法律普及", 2,
        ("{topic}法律常识{n}问", "以案说法：{topic}", "民法典{topic}解读", "{group}法律知识读本",
         "{topic}纠纷处理指南"),
        {"topic": _w("婚姻家庭 劳动合同 房屋买卖 消费维权 交通事故 物业 继承 网络安全"),
         "group": _w("老年人 青少年 农民工 社区 企业")},
        (("法律", "基本知识", "中国"), ("民法", "法典", "中国")),
        ("法律出版社", "中国法制出版社"),
        ("editor", "author"), prices=(25, 58),
    ),
    Shelf(
        ("Z228.1", "Z228.2"), "少儿百科", 4,
        ("{topic}百科全书", "少儿{topic}大百科", "十万个为什么：{topic}篇", "我的第一本{topic}书",
         "{topic}知识小百科", "给孩子的{topic}"),
        {"topic": _w("恐龙 宇宙 海洋 动物 植物 地球 人体 交通工具 昆虫 天气 发明 中国历史")},
        (("科学知识", "儿童读物"), ("百科全书", "儿童读物")),
        ("接力出版社", "少年儿童出版社", "浙江少年儿童出版社", "新世纪出版社"),
        ("body", "editor"), prices=(18, 78), item_type="children", units="children",
        body="encyclopedia",
    ),
    Shelf(
        ("S68", "S682", "S688"), "园艺", 1.5,
        ("{plant}栽培{kind}", "阳台{garden}", "家庭{garden}{kind}", "{region}常见花卉图鉴",
         "一看就懂的{plant}养护"),
        {"plant": _w("兰花 多肉植物 月季 盆景 绿萝 三角梅 年桔"),
         "kind": _w("技术 指南 图解 手册"),
         "garden": _w("种菜 花园 园艺 绿植"),
         "region": _w("岭南 华南 广东")},
        (("观赏园艺",), ("花卉", "观赏园艺")),
        ("中国农业出版社", "广东科技出版社", "化学工业出版社"),
        ("author", "editor"), prices=(29, 59),
    ),
    Shelf(
        ("TS972.1", "TS972.12", "TS972.182"), "烹饪", 2,
        ("{cuisine}家常菜{n}例", "{region}{snack}", "老广{dish}", "一学就会的{dish}",
         "{cuisine}烹饪技法"),
        {"cuisine": _w("粤菜 潮汕菜 客家菜 川菜 湘菜 家常"),
         "region": _w("广府 顺德 潮汕 岭南"),
         "snack": _w("小吃 早茶点心 老火汤 糖水"),
         "dish": _w("煲汤 点心 烧腊 糖水 早餐 快手菜")},
        (("菜谱", "广东"), ("烹饪", "方法")),
        ("中国轻工业出版社", "青岛出版社", "广东科技出版社", "化学工业出版社"),
        ("author", "editor"), prices=(28, 59),
    ),
    Shelf(
        ("O1", "O13", "O21"), "数学", 2,
        ("{topic}（第{ed}版）", "{topic}学习指导", "{topic}{n}讲", "从{a}到{b}：{topic}漫谈",
         "{topic}习题精解"),
        {"topic": _w("高等数学 线性代数 概率论与数理统计 数学分析 离散数学 数论 趣味数学"),
         "a": _w("算术 计数 直觉"), "b": _w("微积分 概率 几何 无穷")},
        (("高等数学", "高等学校", "教材"), ("数学", "普及读物")),
        ("高等教育出版社", "科学出版社", "清华大学出版社", "北京大学出版社"),
        ("editor", "two", "author"), prices=(29, 69),
    ),
    Shelf(
        ("B84", "B842.6", "B848.4"), "心理学", 3,
        ("{topic}心理学", "走出{emotion}", "{emotion}的{n}个答案", "与{emotion}和解",
         "看见{self}", "{self}的力量"),
        {"topic": _w("积极 社会 发展 儿童 亲子 情绪 职场"),
         "emotion": _w("焦虑 抑郁 孤独 拖延 内耗 压力"),
         "self": _w("自己 内心 习惯 专注 温柔")},
        (("心理学", "通俗读物"), ("情绪", "自我控制", "通俗读物")),
        ("中信出版社", "北京大学出版社", "机械工业出版社", "广东人民出版社"),
        ("author", "translated", "author"), prices=(35, 69),
    ),
    Shelf(
        ("K928.9", "K928.965"), "旅游地理", 2.5,
        ("{region}自助游", "行走{region}", "{region}{kind}", "{region}古村落之旅",
         "带着孩子游{region}"),
        {"region": _w("广东 广州 粤港澳大湾区 岭南 海南 云南 江南 西北 潮汕"),
         "kind": _w("旅游地图册 攻略 深度游 美食地图 徒步指南")},
        (("旅游指南", "广东"), ("旅游指南", "中国")),
        ("广东旅游出版社", "中国地图出版社", "广东人民出版社"),
        ("editor", "author", "body"), prices=(28, 68), body="local",
    ),
    Shelf(
        ("N49", "P1-49", "Q95-49"), "科普读物", 2.5,
        ("{topic}的故事", "身边的{topic}", "{topic}简史", "给大家的{topic}课", "{topic}{n}问"),
        {"topic": _w("星空 宇宙 天气 昆虫 鸟类 微生物 材料 能源 细胞 基因 时间")},
        (("自然科学", "普及读物"), ("天文学", "普及读物"), ("动物", "普及读物")),
        ("科学出版社", "人民邮电出版社", "广东科技出版社", "商务印书馆"),
        ("author", "translated", "two"), prices=(32, 78),
    ),
    Shelf(
        ("C93", "F272.9", "C912.1"), "管理与励志", 2.5,
        ("{topic}的{n}个法则", "高效{topic}", "{topic}：从0到1", "重新定义{topic}", "{topic}笔记"),
        {"topic": _w("管理 领导力 沟通 时间管理 团队 决策 创业 思考")},
        (("管理学", "通俗读物"), ("成功心理", "通俗读物")),
        ("中信出版社", "机械工业出版社", "北京大学出版社"),
        ("author", "translated"), prices=(39, 79),
    ),
    Shelf(
        ("G258.2", "G252.17", "G25"), "图书馆学", 0.8,
        ("公共图书馆{topic}研究", "全民阅读{kind}", "图书馆{topic}实务", "城市书房{kind}"),
        {"topic": _w("服务 总分馆制 阅读推广 馆藏建设 数字化 志愿服务"),
         "kind": _w("理论与实践 案例集 发展报告 研究")},
        (("公共图书馆", "图书馆服务", "研究", "中国"), ("读书活动", "研究", "中国")),
        ("中山大学出版社", "广东人民出版社", "北京大学出版社"),
        ("author", "editor", "two"), prices=(45, 98),
    ),
    Shelf(
        ("TU-092.965", "TU252", "TU241"), "建筑", 0.8,
        ("岭南建筑{kind}", "{place}建筑史", "图说{thing}", "{thing}营造"),
        {"kind": _w("研究 图志 艺术 考察"), "place": _w("广州 岭南 广府 侨乡"),
         "thing": _w("骑楼 民居 园林 祠堂 镬耳屋 西关大屋")},
        (("建筑史", "广东"), ("民居", "建筑艺术", "广东")),
        ("中国建筑工业出版社", "华东师范大学出版社", "岭南美术出版社"),
        ("author", "two"), prices=(58, 128),
    ),
    Shelf(
        ("G84", "G85", "G811.7"), "体育", 0.8,
        ("{sport}入门与提高", "{sport}技巧图解", "跟冠军学{sport}", "全民健身{kind}"),
        {"sport": _w("乒乓球 羽毛球 篮球 足球 游泳 太极拳 跑步 龙舟"),
         "kind": _w("指南 读本 手册")},
        (("体育运动", "基本知识"), ("球类运动", "基本知识")),
        ("人民体育出版社", "广东科技出版社"),
        ("author", "editor"), prices=(25, 49),
    ),
    Shelf(
        ("X24", "X705", "X321"), "环境保护", 0.6,
        ("垃圾分类{kind}", "{topic}与我们", "绿色{topic}", "低碳{topic}"),
        {"kind": _w("指南 知识读本 百问"), "topic": _w("生活 城市 家园 出行 校园")},
        (("环境保护", "普及读物"), ("垃圾处理", "普及读物")),
        ("中国环境出版集团", "化学工业出版社"),
        ("editor", "body"), prices=(19, 45), body="encyclopedia",
    ),
    Shelf(
        ("E29", "E892", "E92"), "军事", 0.6,
        ("{war}史话", "中国古代{thing}", "{thing}图鉴", "兵器与{thing}"),
        {"war": _w("虎门销烟 鸦片战争 甲午海战 抗日战争 北伐"),
         "thing": _w("兵器 战舰 城防 兵法 海防")},
        (("战争史", "中国"), ("武器", "普及读物")),
        ("解放军出版社", "中华书局"),
        ("author", "editor"), prices=(35, 78),
    ),
    Shelf(
        ("U469.11", "U491", "V2"), "交通与航空", 0.6,
        ("{thing}的秘密", "图解{thing}", "{thing}驾驶与保养", "中国{thing}发展史"),
        {"thing": _w("汽车 新能源汽车 高铁 地铁 飞机 航天器 船舶")},
        (("交通运输", "普及读物"), ("汽车", "基本知识")),
        ("人民交通出版社", "机械工业出版社", "化学工业出版社"),
        ("author", "editor"), prices=(32, 79),
    ),
    # Bound volumes of magazines: one to three copies, at the larger libraries.
    Shelf(
        ("I2", "N4", "Z228", "R1", "TP3", "G2"), "期刊合订本", 1.2,
        ("{magazine}（{year}年合订本）", "{magazine}（{year}年{half}半年合订本）"),
        {"magazine": _w("羊城文艺 岭南科普 少年知识画报 家庭医学 电脑编程技巧 南方阅读 "
                        "珠江文学 广州文博 少儿科学画刊 图书馆论坛"),
         "half": _w("上 下")},
        (("期刊", "汇编"),),
        ("广东人民出版社", "花城出版社", "广东科技出版社", "新世纪出版社"),
        ("body",), prices=(60, 128), item_type="periodical", format="serial",
        few_copies=True, units="periodical", body="local",
    ),
    # Recordings: Cantonese opera and songs, spoken English with discs.
    Shelf(
        ("J643.65", "J825.65", "H319.9"), "音像制品", 0.8,
        ("粤曲{kind}精选（CD）", "{singer}{kind}（DVD）", "英语{skill}（附光盘）",
         "岭南{music}（CD）"),
        {"kind": _w("名家 经典 传统 粤韵"),
         "singer": _w("粤剧名段 粤语童谣 广东音乐 岭南古琴 粤曲小调"),
         "skill": _w("听力训练 口语跟读 情景会话"),
         "music": _w("丝竹 古琴 童谣 琵琶")},
        (("粤剧", "选集"), ("民族音乐", "广东"), ("英语", "听说教学")),
        ("广东人民出版社", "人民音乐出版社", "外语教学与研究出版社"),
        ("body", "editor"), since=1995, prices=(20, 68), item_type="audio_visual",
        format="audio_visual", few_copies=True, units="periodical", body="local",
    ),
)  # fmt: skip

# English-language books (item type "foreign"): originals and reprints published in China.
ENGLISH_SHELVES: tuple[Shelf, ...] = (
    Shelf(
        ("I561.45", "I712.45"), "English fiction", 1.2,
        ("The {adj} {noun}", "{noun} of the {place}", "A {noun} in {season}", "The Last {noun}"),
        {"adj": _w("Silent Distant Hidden Golden Broken Quiet Bright Secret"),
         "noun": _w("Harbour Lantern Orchard Letter River Garden Lighthouse Bridge Journey"),
         "place": _w("South Delta Islands Hills Sea City"),
         "season": _w("Spring Summer Autumn Winter")},
        (("英语", "小说", "英国", "现代"), ("英语", "小说", "美国", "现代")),
        ("外语教学与研究出版社", "世界图书出版公司", "译林出版社"),
        ("english",), prices=(35, 98), item_type="foreign", language="eng", units="foreign",
    ),
    Shelf(
        ("K296.51", "K928.965"), "Guangzhou in English", 0.5,
        ("Guangzhou: {topic}", "Canton {topic}", "Walking the {place} of Guangzhou",
         "Lingnan {topic}"),
        {"topic": ("A City Guide", "Old Streets", "Food and Tea", "Arcades and Teahouses",
                   "Gardens and Ancestral Halls", "Then and Now"),
         "place": _w("Streets Arcades Markets Waterfronts")},
        (("地方史", "广州", "英文"), ("旅游指南", "广州", "英文")),
        ("外文出版社", "广东人民出版社"),
        ("english",), prices=(48, 128), item_type="foreign", language="eng", units="foreign",
    ),
    Shelf(
        ("TP311.561", "TP18"), "Computing in English", 0.6,
        ("{topic} in Practice", "Learning {topic}", "{topic}: A Hands-on Guide",
         "Programming {topic} ({ord} ed.)"),
        {"topic": ("Python", "Rust", "Go", "Algorithms", "Databases", "Machine Learning",
                   "Deep Learning", "Data Science"),
         "ord": _w("2nd 3rd 4th")},
        (("程序设计", "英文"), ("人工智能", "英文")),
        ("人民邮电出版社", "机械工业出版社", "清华大学出版社"),
        ("english",), since=2005, prices=(69, 128), item_type="foreign", language="eng",
        units="foreign",
    ),
    Shelf(
        ("H319.4",), "Graded readers", 0.7,
        ("{adj} Tales for Young Readers", "The {noun} Reader, Level {n}", "Stories of the {noun}"),
        {"adj": _w("Classic Short Funny Animal Ocean"),
         "noun": _w("Garden Forest River City Island"),
         "n": _w("1 2 3 4 5 6")},
        (("英语", "语言读物"),),
        ("外语教学与研究出版社", "上海外语教育出版社"),
        ("english",), prices=(15, 45), item_type="foreign", language="eng", units="foreign",
    ),
)  # fmt: skip

# How each kind of book is spread over the kinds of units: the share of copies per tier
# (split within a tier by the residents each unit serves) and per kind of service point
# (split evenly). Lockers and van stops hold no stock.
STOCK: dict[str, dict[str, float]] = {
    "general": {"central": 25, "district": 35, "branch": 22, "community": 8,
                "study_room_24h": 4, "school_library": 2, "micro_branch": 2.5,
                "partner_space": 1.5},
    "children": {"central": 12, "district": 26, "branch": 20, "community": 14,
                 "study_room_24h": 6, "school_library": 14, "micro_branch": 5,
                 "partner_space": 3},
    "local": {"central": 50, "district": 38, "branch": 12},
    "foreign": {"central": 55, "district": 35, "branch": 7, "partner_space": 3},
    "periodical": {"central": 45, "district": 40, "branch": 15},
}  # fmt: skip
STOCK_KINDS = ("study_room_24h", "school_library", "micro_branch", "partner_space")

# Copies per record: most editions have one to four, a few are bought by the dozen.
COPIES: tuple[tuple[int, float], ...] = (
    (1, 24), (2, 19), (3, 15), (4, 11), (5, 8), (6, 6), (8, 5.5), (10, 4.5), (12, 3),
    (15, 2), (20, 1.4), (30, 0.6),
)  # fmt: skip
FEW_COPIES: tuple[tuple[int, float], ...] = ((1, 6), (2, 3), (3, 1))
