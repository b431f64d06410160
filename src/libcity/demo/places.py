"""The geography of the demo city: Guangzhou's districts, streets and towns, and word pools.

Populations are the 2020 census figures; coordinates are approximate centres of each district's
built-up area. Streets and towns (街道, 镇) are the real ones, 177 in all (Guangzhou counts 176
after recent mergers), each with its romanised name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Street:
    zh: str  # 北京街
    pinyin: str  # Beijing

    @property
    def is_town(self) -> bool:
        return self.zh.endswith("镇")

    @property
    def en(self) -> str:
        return f"{self.pinyin} {'Town' if self.is_town else 'Street'}"

    @property
    def short_zh(self) -> str:
        """The name without 街 or 镇 (北京), as it appears in a place name."""
        return self.zh[:-1]


@dataclass(frozen=True)
class District:
    slug: str  # yuexiu
    zh: str  # 越秀
    en: str  # Yuexiu
    residents: int
    latitude: float
    longitude: float
    radius: float  # degrees around the centre in which its units are placed
    streets: tuple[Street, ...]
    # (first birth year, region code): the code a resident ID of someone born that year
    # carries; the county codes changed as counties became districts.
    region_codes: tuple[tuple[int, str], ...]

    @property
    def name_zh(self) -> str:
        return f"{self.zh}区"

    @property
    def name_en(self) -> str:
        return f"{self.en} District"

    def region_code(self, birth_year: int) -> str:
        code = self.region_codes[0][1]
        for first_year, candidate in self.region_codes:
            if birth_year >= first_year:
                code = candidate
        return code


def _pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """``"东风:Dongfeng 光明:Guangming"`` → (("东风", "Dongfeng"), ("光明", "Guangming"))."""
    return tuple((zh, en) for zh, en in (item.split(":") for item in spec.split()))


def _streets(spec: str) -> tuple[Street, ...]:
    """``"北京街:Beijing 人民街:Renmin"`` → streets."""
    pairs = (item.split(":") for item in spec.split())
    return tuple(Street(zh, pinyin.replace("_", " ")) for zh, pinyin in pairs)


# Before 1984 the city proper was one code (440120 市区); the counties had their own.
_CITY = (0, "440120")

DISTRICTS: tuple[District, ...] = (
    District(
        "yuexiu",
        "越秀",
        "Yuexiu",
        1_038_542,
        23.129,
        113.267,
        0.022,
        _streets(
            "北京街:Beijing 人民街:Renmin 光塔街:Guangta 六榕街:Liurong 流花街:Liuhua "
            "东山街:Dongshan 农林街:Nonglin 梅花村街:Meihuacun 黄花岗街:Huanghuagang "
            "华乐街:Huale 建设街:Jianshe 大塘街:Datang 珠光街:Zhuguang 大东街:Dadong "
            "白云街:Baiyun 登峰街:Dengfeng 矿泉街:Kuangquan 洪桥街:Hongqiao"
        ),
        (_CITY, (1984, "440104")),
    ),
    District(
        "haizhu",
        "海珠",
        "Haizhu",
        1_819_960,
        23.084,
        113.317,
        0.035,
        _streets(
            "赤岗街:Chigang 新港街:Xingang 昌岗街:Changgang 江南中街:Jiangnanzhong "
            "滨江街:Binjiang 素社街:Sushe 海幢街:Haichuang 南华西街:Nanhuaxi 龙凤街:Longfeng "
            "沙园街:Shayuan 南石头街:Nanshitou 凤阳街:Fengyang 瑞宝街:Ruibao 江海街:Jianghai "
            "琶洲街:Pazhou 南洲街:Nanzhou 华洲街:Huazhou 官洲街:Guanzhou"
        ),
        (_CITY, (1984, "440105")),
    ),
    District(
        "liwan",
        "荔湾",
        "Liwan",
        1_238_338,
        23.126,
        113.244,
        0.028,
        _streets(
            "沙面街:Shamian 岭南街:Lingnan 华林街:Hualin 多宝街:Duobao 昌华街:Changhua "
            "逢源街:Fengyuan 龙津街:Longjin 金花街:Jinhua 彩虹街:Caihong 南源街:Nanyuan "
            "西村街:Xicun 站前街:Zhanqian 桥中街:Qiaozhong 白鹤洞街:Baihedong 冲口街:Chongkou "
            "花地街:Huadi 石围塘街:Shiweitang 茶滘街:Chajiao 东漖街:Dongjiao 海龙街:Hailong "
            "东沙街:Dongsha 中南街:Zhongnan"
        ),
        (_CITY, (1984, "440103")),
    ),
    District(
        "tianhe",
        "天河",
        "Tianhe",
        2_241_826,
        23.125,
        113.361,
        0.04,
        _streets(
            "五山街:Wushan 员村街:Yuancun 车陂街:Chebei 沙河街:Shahe 石牌街:Shipai "
            "沙东街:Shadong 天河南街:Tianhenan 林和街:Linhe 兴华街:Xinghua 棠下街:Tangxia "
            "天园街:Tianyuan 猎德街:Liede 冼村街:Xiancun 元岗街:Yuangang 黄村街:Huangcun "
            "长兴街:Changxing 龙洞街:Longdong 凤凰街:Fenghuang 前进街:Qianjin 珠吉街:Zhuji "
            "新塘街:Xintang"
        ),
        # Tianhe was carved out of the suburbs (郊区, 440111) in 1985.
        (_CITY, (1984, "440111"), (1985, "440106")),
    ),
    District(
        "baiyun",
        "白云",
        "Baiyun",
        3_740_038,
        23.158,
        113.273,
        0.07,
        _streets(
            "三元里街:Sanyuanli 松洲街:Songzhou 景泰街:Jingtai 同德街:Tongde 黄石街:Huangshi "
            "棠景街:Tangjing 新市街:Xinshi 同和街:Tonghe 京溪街:Jingxi 永平街:Yongping "
            "嘉禾街:Jiahe 均禾街:Junhe 石井街:Shijing 金沙街:Jinsha 云城街:Yuncheng "
            "鹤龙街:Helong 白云湖街:Baiyunhu 石门街:Shimen 龙归街:Longgui 大源街:Dayuan "
            "人和镇:Renhe 太和镇:Taihe 钟落潭镇:Zhongluotan 江高镇:Jianggao"
        ),
        (_CITY, (1984, "440111")),
    ),
    District(
        "huangpu",
        "黄埔",
        "Huangpu",
        1_264_471,
        23.106,
        113.459,
        0.06,
        _streets(
            "黄埔街:Huangpu 红山街:Hongshan 鱼珠街:Yuzhu 大沙街:Dasha 文冲街:Wenchong "
            "穗东街:Suidong 南岗街:Nangang 长洲街:Changzhou 夏港街:Xiagang 萝岗街:Luogang "
            "联和街:Lianhe 永和街:Yonghe 东区街:Dongqu 云埔街:Yunpu 长岭街:Changling "
            "九佛街:Jiufo 龙湖街:Longhu 新龙镇:Xinlong"
        ),
        (_CITY, (1984, "440112")),
    ),
    District(
        "panyu",
        "番禺",
        "Panyu",
        2_658_190,
        22.938,
        113.384,
        0.06,
        _streets(
            "市桥街:Shiqiao 沙头街:Shatou 东环街:Donghuan 桥南街:Qiaonan 小谷围街:Xiaoguwei "
            "大石街:Dashi 洛浦街:Luopu 石壁街:Shibi 钟村街:Zhongcun 大龙街:Dalong "
            "沙湾街:Shawan 南村镇:Nancun 新造镇:Xinzao 化龙镇:Hualong 石楼镇:Shilou 石碁镇:Shiqi"
        ),
        # 番禺县 → 番禺市 (1992) → 番禺区 (2000).
        ((0, "440126"), (1993, "440181"), (2001, "440113")),
    ),
    District(
        "huadu",
        "花都",
        "Huadu",
        1_642_360,
        23.404,
        113.220,
        0.07,
        _streets(
            "新华街:Xinhua 新雅街:Xinya 秀全街:Xiuquan 花城街:Huacheng 狮岭镇:Shiling "
            "花山镇:Huashan 花东镇:Huadong 炭步镇:Tanbu 赤坭镇:Chini 梯面镇:Timian"
        ),
        # 花县 → 花都市 (1993) → 花都区 (2000).
        ((0, "440121"), (1994, "440182"), (2001, "440114")),
    ),
    District(
        "nansha",
        "南沙",
        "Nansha",
        846_135,
        22.801,
        113.525,
        0.06,
        _streets(
            "南沙街:Nansha 珠江街:Zhujiang 龙穴街:Longxue 万顷沙镇:Wanqingsha 横沥镇:Hengli "
            "黄阁镇:Huangge 东涌镇:Dongchong 大岗镇:Dagang 榄核镇:Lanhe"
        ),
        # Part of Panyu until Nansha district was made in 2005.
        ((0, "440126"), (1993, "440181"), (2001, "440113"), (2006, "440115")),
    ),
    District(
        "conghua",
        "从化",
        "Conghua",
        717_630,
        23.548,
        113.586,
        0.07,
        _streets(
            "街口街:Jiekou 城郊街:Chengjiao 江埔街:Jiangpu 温泉镇:Wenquan 良口镇:Liangkou "
            "吕田镇:Lyutian 太平镇:Taiping 鳌头镇:Aotou"
        ),
        # 从化县 → 从化市 (1994) → 从化区 (2014).
        ((0, "440122"), (1995, "440184"), (2015, "440117")),
    ),
    District(
        "zengcheng",
        "增城",
        "Zengcheng",
        1_466_050,
        23.261,
        113.811,
        0.07,
        _streets(
            "荔城街:Licheng 增江街:Zengjiang 朱村街:Zhucun 永宁街:Yongning 荔湖街:Lihu "
            "宁西街:Ningxi 新塘镇:Xintang 石滩镇:Shitan 中新镇:Zhongxin 派潭镇:Paitan "
            "小楼镇:Xiaolou 正果镇:Zhengguo 仙村镇:Xiancun"
        ),
        # 增城县 → 增城市 (1993) → 增城区 (2014).
        ((0, "440125"), (1994, "440183"), (2015, "440118")),
    ),
)

CITY_RESIDENTS = sum(d.residents for d in DISTRICTS)

CENTRAL = {
    "code": "gz-central",
    "name_zh": "广州图书馆",
    "name_en": "Guangzhou Library",
    "latitude": 23.1177,
    "longitude": 113.3249,
    "address_zh": "广州市天河区珠江东路4号",
    "address_en": "4 Zhujiang East Road, Tianhe District, Guangzhou",
}

# Two-character words of Guangzhou place names: neighbourhoods, estates, schools, firms.
WORDS: tuple[tuple[str, str], ...] = _pairs(
    "东风:Dongfeng 光明:Guangming 幸福:Xingfu 和平:Heping 新华:Xinhua 华侨:Huaqiao "
    "荔景:Lijing 锦绣:Jinxiu 翠竹:Cuizhu 金沙:Jinsha 银河:Yinhe 丽江:Lijiang 南湖:Nanhu "
    "北苑:Beiyuan 东湖:Donghu 西华:Xihua 育才:Yucai 兴隆:Xinglong 青松:Qingsong "
    "桂园:Guiyuan 梅园:Meiyuan 松园:Songyuan 龙口:Longkou 凤凰:Fenghuang 瑞安:Rui'an "
    "永安:Yong'an 康乐:Kangle 文德:Wende 明珠:Mingzhu 海湾:Haiwan 江南:Jiangnan "
    "云山:Yunshan 白鹤:Baihe 长寿:Changshou 聚龙:Julong 祥和:Xianghe 怡景:Yijing "
    "嘉禾:Jiahe 宝岗:Baogang 石榴:Shiliu 木棉:Mumian 紫荆:Zijing 榕树:Rongshu "
    "书香:Shuxiang 华景:Huajing 汇景:Huijing 天润:Tianrun 金碧:Jinbi 丰乐:Fengle "
    "晓港:Xiaogang 东晓:Dongxiao 泰宁:Taining 广园:Guangyuan 云景:Yunjing 荔枝:Lizhi "
    "龙津:Longjin 穗园:Suiyuan 越华:Yuehua 骏景:Junjing 南国:Nanguo 丽水:Lishui"
)

# Suffixes that make a community's name from a word: 东风北社区, 锦绣花园社区.
COMMUNITY_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("", ""), ("北", " North"), ("南", " South"), ("东", " East"), ("西", " West"),
    ("新村", " New Village"), ("花园", " Garden"), ("第一", " No. 1"), ("第二", " No. 2"),
    ("中", " Central"),
)  # fmt: skip

ROAD_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("路", "Road"), ("大道", "Avenue"), ("街", "Street"), ("中路", "Middle Road"),
    ("东路", "East Road"), ("西路", "West Road"), ("北路", "North Road"), ("南路", "South Road"),
)  # fmt: skip

# What a firm hosting a micro-branch does: 广州锦绣科技有限公司.
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("科技", "Technology"), ("电子", "Electronics"), ("物流", "Logistics"), ("食品", "Foods"),
    ("医药", "Pharmaceutical"), ("建设", "Construction"), ("纺织", "Textiles"),
    ("汽车", "Automotive"), ("软件", "Software"), ("文化传媒", "Culture and Media"),
    ("地铁运营", "Metro Operations"), ("电力", "Power Supply"),
)  # fmt: skip

SCHOOL_TYPES: tuple[tuple[str, str], ...] = (
    ("小学", "Primary School"), ("中学", "Middle School"), ("实验学校", "Experimental School"),
    ("外国语学校", "Foreign Languages School"), ("职业技术学校", "Vocational School"),
)  # fmt: skip

# Where lockers and 24-hour rooms stand: 地铁东风站, 锦绣广场.
SITES: tuple[tuple[str, str], ...] = (
    ("地铁{w}站", "{w} Metro Station"), ("{w}广场", "{w} Plaza"), ("{w}公园", "{w} Park"),
    ("{w}文化中心", "{w} Cultural Centre"), ("{w}党群服务中心", "{w} Community Service Centre"),
    ("{w}商业街", "{w} Shopping Street"),
)  # fmt: skip

BOOKSTORE_BRANDS: tuple[tuple[str, str], ...] = (
    ("{w}书店", "{w} Books"), ("{w}书城", "{w} Book City"), ("{w}书房", "{w} Reading House"),
)  # fmt: skip
HOTEL_BRANDS: tuple[tuple[str, str], ...] = (
    ("{w}大酒店", "{w} Grand Hotel"), ("{w}宾馆", "{w} Hotel"),
    ("{w}国际酒店", "{w} International Hotel"),
)  # fmt: skip
