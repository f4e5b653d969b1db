"""Fixed expected segmentations: any drift in tokens (dictionary edit, library upgrade, code
change) fails here first, before it silently mismatches an existing index."""

from __future__ import annotations

import pytest

from analyzers.normalize import normalize
from analyzers.pipeline import Analyzer
from analyzers.resources import load
from analyzers.segment import Segmenter


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("居民身份证首次申领", "居民 身份 身份证 居民身份证 首次 申领 首次申领"),
        ("临时身份证有效期三个月", "临时 身份 有效 效期 身份证 有效期 身份证有效期 3 3个月"),
        ("医疗保障局发布新政策", "医疗 保障 保障局 医疗保障 医疗保障局 发布 新 政策"),
        ("异地就医备案怎么办理", "异地 就医 备案 异地就医 异地就医备案 办理"),
        (
            "住房公积金提取需要哪些材料",
            "住房 公积 积金 提取 公积金 住房公积金 公积金提取 住房公积金提取 材料",
        ),
        ("随迁子女入学报名", "随迁 子女 随迁子女 入学 学报 报名 入学报名"),
        ("灵活就业人员缴纳社会保险", "灵活 就业 人员 灵活就业 灵活就业人员 缴纳 社会 保险 社会保险"),
        ("居住证签注每年一次", "居住 签注 居住证 居住证签注 每年 一次"),
        ("新生儿出生登记", "新生 生儿 出生 登记 新生儿 出生登记 新生儿出生登记"),
        ("户口迁移证明", "户口 迁移 证明 户口迁移 迁移证明 户口迁移证明"),
        (
            "城乡居民基本医疗保险参保缴费",
            "城乡 乡居 居民 基本 医疗 保险 城乡居民 医疗保险 基本医疗保险 城乡居民基本医疗保险"
            " 参保 缴费 参保缴费",
        ),
        ("公共租赁住房轮候", "公共 租赁 住房 租赁住房 公共租赁住房 轮候"),
        ("拨打12345政务服务便民热线", "拨打 12345 政务 服务 政务服务 便民 热线 便民热线"),
        ("社保咨询请拨打12333", "社保 咨询 拨打 12333"),
        ("做B超可以医保报销吗", "做 b超 医保 报销 医保报销"),
        ("2024年起执行新标准", "2024 2024年 起 执行 新 标准"),
        ("年满16周岁应当申领身份证", "年满 16 16周岁 应当 申领 身份 身份证"),
        ("出生医学证明补发", "出生 医学 证明 出生医学证明 补发"),
        ("预防接种证遗失补办", "预防 接种 接种证 预防接种 预防接种证 遗失 补办"),
        ("家庭医生签约服务", "家庭 医生 签约 服务 家庭医生 签约服务 家庭医生签约 家庭医生签约服务"),
        ("门诊慢特病待遇", "门诊 门诊慢特病 待遇"),
        ("生育津贴申领", "生育 津贴 生育津贴 申领"),
        ("积分落户申请条件", "积分 落户 积分落户 申请 条件 申请条件"),
        ("租赁合同备案", "租赁 合同 备案 租赁合同 合同备案 租赁合同备案"),
        (
            "职工基本医疗保险个人账户",
            "职工 基本 医疗 保险 职工基本 医疗保险 基本医疗保险 职工基本医疗保险 个人 账户 个人账户",
        ),
        ("失业保险金领取", "失业 保险 保险金 失业保险 失业保险金 领取"),
        ("高校毕业生就业创业补贴", "高校 毕业 业生 毕业生 高校毕业生 就业 创业 补贴 创业补贴"),
        ("国家助学贷款申请", "国家 助学 贷款 助学贷款 国家助学贷款 申请"),
        ("义务教育阶段学校招生", "义务 教育 义务教育 阶段 学校 招生"),
        ("公积金贷款额度计算", "公积 积金 公积金 贷款 款额 额度 贷款额 贷款额度 计算"),
        ("不动产权证书办理", "不动 动产 产权 权证 证书 不动产 产权证 不动产权证 不动产权证书 办理"),
        ("最低生活保障申请", "最低 生活 保障 最低生活保障 申请"),
        ("残疾人两项补贴", "残疾 两项 补贴 残疾人 两项补贴 残疾人两项补贴"),
        ("驾驶证到期换证", "驾驶 驾驶证 到期 换证"),
        ("个人所得税专项附加扣除", "个人 所得 所得税 个人所得 个人所得税 专项 附加 扣除 专项附加扣除"),
        ("营业执照办理流程", "营业 执照 营业执照 办理 流程 办理流程"),
        ("老年人健康体检免费", "老年 健康 康体 体检 老年人 健康体检 老年人健康体检 免费"),
        ("犬伤门诊在哪里", "犬伤 门诊 犬伤门诊"),
        ("狂犬病疫苗接种", "狂犬 病疫 疫苗 狂犬病 病疫苗 狂犬病疫苗 接种"),
        ("婚姻登记需要户口本", "婚姻 登记 婚姻登记 户口 户口本"),
    ],
)
def test_index_tokens_are_fixed(analyzer: Analyzer, text: str, tokens: str) -> None:
    assert analyzer.index_tokens(text) == tokens.split()


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("请拨打12345热线", "12345"),
        ("请拨打12345热线", "12345热线"),
        ("人社咨询12333", "12333"),
        ("做Ｂ超要空腹吗", "b超"),
        ("2024年起施行", "2024年"),
        ("2024年起施行", "2024"),  # the bare number too, so "2024" finds "2024年"
        ("年满16周岁", "16周岁"),
        ("hpv疫苗预约", "hpv疫苗"),
        ("下载苏服办app", "app"),
        ("ct检查报告", "ct"),
    ],
)
def test_ascii_and_numbers_survive_intact(analyzer: Analyzer, text: str, kept: str) -> None:
    assert kept in analyzer.index_tokens(text)


@pytest.mark.parametrize(
    ("text", "absent"),
    [("请问身份证怎么补办呢", "呢"), ("我想问一下医保的报销", "的"), ("公积金吗", "吗")],
)
def test_stopwords_are_not_indexed(analyzer: Analyzer, text: str, absent: str) -> None:
    assert absent not in analyzer.index_tokens(text)


def test_search_mode_includes_every_dictionary_subword(analyzer: Analyzer) -> None:
    tokens = analyzer.index_tokens("城乡居民基本医疗保险")
    for sub in ("医疗", "保险", "医疗保险", "基本医疗保险", "城乡居民", "城乡居民基本医疗保险"):
        assert sub in tokens


@pytest.mark.parametrize(
    ("sentence", "name", "shared"),
    [("用锡康码登记", "锡康码", {"锡康", "康码"}), ("怎样用音悦台打榜", "音悦台", {"音悦"})],
)
def test_a_made_up_word_shares_character_pairs_with_its_other_cuts(
    analyzer: Analyzer, sentence: str, name: str, shared: set[str]
) -> None:
    """jieba glues an unknown name to a neighbour in one sentence (用锡康码) and not in another."""
    in_sentence, alone = set(analyzer.index_tokens(sentence)), set(analyzer.index_tokens(name))
    assert name not in in_sentence  # the cut differs: this is the case the pairs exist for
    assert shared <= in_sentence & alone


def test_dictionary_words_get_no_character_pairs(analyzer: Analyzer) -> None:
    assert "民身" not in analyzer.index_tokens("居民身份证") and "住证" not in analyzer.index_tokens("居住证")


def test_punctuation_never_becomes_a_token(analyzer: Analyzer) -> None:
    tokens = analyzer.index_tokens("《居民身份证法》第二十条：（一）……【注意】！")
    assert tokens and all(any(ch.isalnum() for ch in t) for t in tokens)


def test_same_text_gives_same_tokens_in_any_spelling(analyzer: Analyzer) -> None:
    assert analyzer.index_tokens("身分證ＡＢＣ") == analyzer.index_tokens("身分证abc")


SAMPLE = [
    "居民身份证有效期满前三个月内，可向户籍所在地公安派出所申请换领新证。",
    "职工办理异地就医备案后，在就医地定点医疗机构住院可以直接结算，报销比例按参保地政策执行。",
    "进城务工人员随迁子女申请义务教育阶段入学，需要提供居住证、劳动合同和社会保险缴纳证明。",
    "灵活就业人员可以按月缴存住房公积金，缴存满6个月后可申请公积金贷款，额度最高60万元。",
    "新生儿出生后一个月内，凭出生医学证明和父母的居民户口簿到派出所办理出生登记。",
    "公共租赁住房实行轮候制度，轮候期间家庭收入、住房情况发生变化的应当及时申报。",
    "被犬只咬伤后应尽快到犬伤处置门诊冲洗伤口，并按程序接种狂犬病疫苗，必要时注射免疫球蛋白。",
    "拨打12345政务服务便民热线或12333人社热线咨询，B超、CT检查费用按医保目录报销。",
    "2024年起，城乡居民基本医疗保险个人缴费标准为每人每年380元，困难群众由医疗救助资助参保。",
    "高校毕业生在苏州落户，可以选择人才集体户或者单位集体户，落户后可申请人才公寓和租房补贴。",
    "住房租赁合同网签备案后，承租人可以凭备案证明申请提取住房公积金支付房租。",
    "个人所得税专项附加扣除包括子女教育、继续教育、大病医疗、住房贷款利息、住房租金和赡养老人。",
]


@pytest.fixture(scope="module")
def both_backends() -> tuple[Segmenter, Segmenter]:
    data = load(None)
    return Segmenter(data, "rjieba"), Segmenter(data, "jieba")


@pytest.mark.parametrize("text", SAMPLE)
def test_rjieba_gives_the_same_tokens_as_jieba(both_backends: tuple[Segmenter, Segmenter], text: str) -> None:
    """Why rjieba may be used at all: identical tokens with our dictionary (and ~10x faster).

    Known difference outside this sample: a decimal glued to letters ("2.5m") stays one token
    in rjieba but is split by jieba; such runs do not occur in policy text worth matching on.
    """
    fast, reference = both_backends
    normalized = normalize(text)
    assert fast.search_tokens(normalized) == reference.search_tokens(normalized)
    assert fast.spans(normalized) == reference.spans(normalized)


def test_a_unit_seen_alone_still_joins_a_later_number() -> None:
    """Words' index tokens are remembered per segmenter; a unit must never be (it depends on the
    word before it), or 月 seen alone once would stop 12 + 月 from becoming 12月 ever after."""
    segmenter = Segmenter(load(None))
    assert segmenter.search_tokens("月") == ["月"]
    for _ in range(2):  # the second time from the remembered words
        assert segmenter.search_tokens("2024年12月25日起施行") == [
            "2024",
            "2024年",
            "12",
            "12月",
            "25",
            "日起",
            "施行",
        ]
        assert segmenter.search_tokens("期满前3个月内") == ["期满", "前", "3", "3个月", "内"]
