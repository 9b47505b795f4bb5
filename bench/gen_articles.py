"""A synthetic-but-realistic Korean news stream with gold events, for clustering benchmarks and tests.

Every article carries the event it reports (``event``), so pairwise precision/recall can be measured. The
stream has what makes Korean news hard to group:

- syndication: wire stories (연합뉴스/뉴시스/뉴스1) republished by other outlets with edits: another byline
  and dateline, a rewritten headline, a dropped last paragraph, [종합] markers, copyright footers;
- the same article under desktop, mobile (``m.``) and AMP links with tracking parameters;
- the same event written up by different outlets in their own words;
- different events that share vocabulary: the 4th and 5th 경제안보대화 a year apart, two different
  ministerial meetings in one week, this month's and last month's export figures, yesterday's and today's
  market close (same template, other figures and day);
- bad input: empty bodies (title only), login/cookie boilerplate bodies, very long texts, bodies pasted twice.

Deterministic for a given seed. ``python bench/gen_articles.py 20`` prints a sample.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class GenArticle:
    article_id: int
    url: str  # as a feed would give it (mobile/AMP/tracking variants included)
    title: str
    text: str
    published: datetime
    outlet: str
    event: str  # gold: articles with the same event report the same development


@dataclass(frozen=True, slots=True)
class _Outlet:
    name: str
    host: str
    path: str  # article path template with {n}
    wire: bool = False
    mobile: str | None = None  # mobile host serving the same path


OUTLETS = (
    _Outlet("연합뉴스", "www.yna.co.kr", "/view/AKR{n}", True, "m.yna.co.kr"),
    _Outlet("뉴시스", "www.newsis.com", "/view?id=NISX{n}", True),
    _Outlet("뉴스1", "www.news1.kr", "/articles/?{n}", True, "m.news1.kr"),
    _Outlet("경향신문", "www.khan.co.kr", "/economy/economy-general/article/{n}/", False, "m.khan.co.kr"),
    _Outlet("조선일보", "www.chosun.com", "/economy/2024/{n}/", False, "m.chosun.com"),
    _Outlet("중앙일보", "www.joongang.co.kr", "/article/{n}", False, "mobile.joongang.co.kr"),
    _Outlet("동아일보", "www.donga.com", "/news/Economy/article/all/{n}/1"),
    _Outlet("한겨레", "www.hani.co.kr", "/arti/economy/{n}.html", False, "m.hani.co.kr"),
    _Outlet("국민일보", "news.kmib.co.kr", "/article/view.asp?arcid={n}&sid1=eco"),
    _Outlet("세계일보", "www.segye.com", "/newsView/{n}"),
    _Outlet("서울신문", "www.seoul.co.kr", "/news/newsView.php?id={n}", False, "m.seoul.co.kr"),
    _Outlet("한국일보", "www.hankookilbo.com", "/News/Read/A{n}", False, "m.hankookilbo.com"),
    _Outlet("매일경제", "www.mk.co.kr", "/news/economy/{n}", False, "m.mk.co.kr"),
    _Outlet("한국경제", "www.hankyung.com", "/article/{n}", False, "m.hankyung.com"),
    _Outlet("서울경제", "www.sedaily.com", "/NewsView/{n}", False, "m.sedaily.com"),
    _Outlet("이데일리", "www.edaily.co.kr", "/news/read?newsId={n}&mediaCodeNo=257"),
    _Outlet("뉴스핌", "www.newspim.com", "/news/view/{n}", False, "m.newspim.com"),
    _Outlet("전자신문", "www.etnews.com", "/{n}", False, "m.etnews.com"),
    _Outlet("노컷뉴스", "www.nocutnews.co.kr", "/news/{n}", False, "m.nocutnews.co.kr"),
    _Outlet(
        "시사저널", "www.sisajournal.com", "/news/articleView.html?idxno={n}", False, "m.sisajournal.com"
    ),
    _Outlet("아시아경제", "www.asiae.co.kr", "/article/{n}"),
    _Outlet("파이낸셜뉴스", "www.fnnews.com", "/news/{n}"),
)
WIRES = [o for o in OUTLETS if o.wire]

SURNAMES = [
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
    "안",
    "송",
    "류",
    "전",
    "홍",
    "고",
    "문",
    "양",
    "손",
    "배",
    "백",
    "허",
    "유",
    "남",
    "심",
    "노",
]
GIVEN = [
    "민",
    "서",
    "준",
    "지",
    "현",
    "우",
    "도",
    "윤",
    "예",
    "하",
    "수",
    "연",
    "진",
    "성",
    "영",
    "호",
    "석",
    "재",
    "태",
    "경",
    "은",
    "혜",
    "정",
    "동",
    "상",
    "철",
    "희",
    "승",
    "용",
    "기",
    "규",
    "원",
    "형",
    "훈",
    "범",
    "근",
    "덕",
    "창",
    "양",
    "종",
]
KR_OFFICIALS = ["안덕근", "조태열", "왕윤종", "정인교", "장영진", "김현욱", "박성택", "최상목"]
FOREIGN = [
    "지나 러몬도",
    "캐서린 타이",
    "제이크 설리번",
    "토니 블링컨",
    "앨런 에스테베즈",
    "사이토 겐",
    "니시무라 야스토시",
    "가미카와 요코",
    "아키바 다케오",
    "타룬 차브라",
    "재닛 옐런",
    "커트 캠벨",
    "필립 골드버그",
    "다카무라 야스오",
]
MINISTRIES = [
    "산업통상자원부",
    "기획재정부",
    "외교부",
    "과학기술정보통신부",
    "국토교통부",
    "고용노동부",
    "환경부",
    "중소벤처기업부",
    "금융위원회",
    "공정거래위원회",
    "해양수산부",
    "농림축산식품부",
    "보건복지부",
    "국가안보실",
]
KR_PLACES = [
    "서울",
    "부산",
    "세종",
    "인천",
    "대구",
    "광주",
    "대전",
    "울산",
    "제주",
    "수원",
    "창원",
    "평택",
    "청주",
    "전주",
    "포항",
    "구미",
    "천안",
    "여수",
    "목포",
    "강릉",
    "춘천",
    "원주",
    "안산",
    "화성",
    "용인",
    "파주",
    "김해",
    "순천",
]
WORLD_PLACES = [
    "워싱턴",
    "도쿄",
    "샌디에이고",
    "뉴욕",
    "베이징",
    "싱가포르",
    "자카르타",
    "브뤼셀",
    "제네바",
    "런던",
    "파리",
    "하와이",
    "오사카",
    "히로시마",
    "시드니",
    "뉴델리",
    "하노이",
    "방콕",
]
ACTORS = ["한미일", "한미", "한일", "한미일", "한중일", "한·미·일", "한·미"]
MEETINGS = [
    "경제안보대화",
    "산업장관회의",
    "공급망·산업 대화",
    "외교장관회담",
    "정상회의",
    "수출통제 협의",
    "차관급 전략대화",
    "국장급 협의",
    "에너지안보 대화",
    "기술협력위원회",
    "통상장관회담",
    "재무장관회의",
]
TOPICS = [
    "반도체",
    "배터리",
    "핵심광물",
    "수출통제",
    "인공지능(AI)",
    "청정에너지",
    "바이오제약",
    "희토류",
    "수소",
    "양자기술",
    "첨단소재",
    "원전",
    "디지털 인프라",
    "조선",
    "방산",
    "우주항공",
    "사이버 보안",
    "5G 통신망",
]
OUTCOMES = [
    "공동성명을 채택",
    "조기경보시스템(EWS)을 연계",
    "공동투자 방안을 모색",
    "공동연구 과제를 도출",
    "실무협의체를 신설",
    "정보공유 체계를 구축",
    "표준 협력을 강화",
    "민관 합동 포럼을 정례화",
]
COMPANY_HEADS = [
    "한빛",
    "대성",
    "세진",
    "동양",
    "미래",
    "태광",
    "한솔",
    "신영",
    "대한",
    "우진",
    "삼원",
    "금호",
    "동서",
    "한일",
    "청운",
    "제일",
    "보람",
    "해성",
    "경인",
    "대림",
]
COMPANY_TAILS = [
    "전자",
    "화학",
    "바이오",
    "중공업",
    "건설",
    "제약",
    "소재",
    "에너지",
    "정밀",
    "반도체",
    "통신",
    "해운",
    "식품",
    "모터스",
    "로보틱스",
]
PRODUCTS = [
    "2차전지 소재",
    "전력반도체",
    "차량용 배터리",
    "AI 반도체",
    "수소연료전지",
    "바이오시밀러",
    "OLED 패널",
    "LNG 운반선",
    "초고압 변압기",
    "양극재",
    "의약품 원료",
    "산업용 로봇",
]
STATS = [
    ("수출", "산업통상자원부", "억 달러"),
    ("취업자", "통계청", "만 명"),
    ("소비자물가", "통계청", "%"),
    ("산업생산", "통계청", "%"),
    ("경상수지", "한국은행", "억 달러"),
    ("가계대출", "금융위원회", "조 원"),
]
TEAMS = [
    "LG 트윈스",
    "두산 베어스",
    "KIA 타이거즈",
    "삼성 라이온즈",
    "SSG 랜더스",
    "롯데 자이언츠",
    "한화 이글스",
    "NC 다이노스",
    "KT 위즈",
    "키움 히어로즈",
    "울산 HD",
    "전북 현대",
    "FC 서울",
    "포항 스틸러스",
]
PARTIES = ["국민의힘", "더불어민주당", "정의당", "개혁신당", "조국혁신당", "진보당"]
ISSUES = [
    "전세사기 피해 지원",
    "의대 정원",
    "반도체 특별법",
    "금융투자소득세",
    "저출생 대책",
    "노란봉투법",
    "연금 개혁",
    "가상자산 과세",
    "지방 소멸 대응",
    "중대재해처벌법",
    "공공요금 인상",
    "청년 주거 지원",
    "최저임금 제도",
    "AI 기본법",
    "플랫폼 규제",
    "탄소중립 기본법",
    "교권 보호",
    "간호법",
    "상속세 개편",
    "재난지원금",
]
ORG_TAILS = ["협회", "연구원", "재단", "연합회", "학회", "센터", "위원회", "노조", "시민연대", "대학교"]
ROLES = ["회장", "이사장", "원장", "대표", "위원장", "교수", "센터장", "사무총장", "소장", "총장"]
TOPIC_HEADS = [
    "청년",
    "노인",
    "소상공인",
    "농어촌",
    "지방",
    "중소기업",
    "장애인",
    "다문화",
    "1인 가구",
    "플랫폼 노동자",
    "자영업",
    "학교",
    "전통시장",
    "관광",
    "물류",
    "응급의료",
    "어린이집",
    "대중교통",
    "공공임대",
    "해양",
]
TOPIC_TAILS = [
    "일자리",
    "주거",
    "돌봄",
    "안전",
    "소득",
    "교육",
    "의료",
    "디지털 격차",
    "인력난",
    "고립",
    "부채",
    "임금 체불",
    "기후 피해",
    "폐업",
    "인구 감소",
    "교통 사각지대",
    "정신건강",
    "금융 소외",
    "에너지 비용",
    "산업재해",
]
GENERIC_SENTENCES = [
    "현장에서는 지원 확대를 요구하는 목소리가 커지고 있다.",
    "정부는 관련 예산을 늘리는 방안을 검토 중이다.",
    "지자체별로 대응 수준이 달라 형평성 논란도 나온다.",
    "관련 법 개정안은 국회에 계류돼 있다.",
    "업계는 규제 완화가 먼저라는 입장이다.",
    "시민단체는 실태 조사부터 다시 해야 한다고 주장했다.",
    "올해 들어 관련 민원은 크게 늘었다.",
    "전문가들은 중장기 로드맵이 필요하다고 지적했다.",
    "일부 지역에서는 시범사업이 진행되고 있다.",
    "예산 집행률이 낮다는 지적도 이어졌다.",
    "당국은 다음 달까지 개선안을 내놓을 계획이다.",
    "참석자들은 민관 협의체 구성에 공감했다.",
]
INCIDENTS = ["화재", "교통사고", "붕괴 사고", "폭발 사고", "가스 누출", "침수 피해", "정전"]
BOILERPLATE = [
    "로그인이 필요합니다. 회원 전용 서비스입니다. 로그인 후 이용해 주세요.",
    "이 사이트는 쿠키를 사용합니다. 브라우저 설정에서 쿠키를 허용해 주세요. JavaScript가 필요합니다.",
    "요청하신 페이지를 찾을 수 없습니다. 삭제된 기사이거나 주소가 잘못되었습니다.",
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _company(rng: random.Random) -> str:
    return rng.choice(COMPANY_HEADS) + rng.choice(GIVEN) + rng.choice(COMPANY_TAILS)


def _josa(word: str, with_final: str, without_final: str) -> str:
    last = word.rstrip(")")[-1]
    final = "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 != 0
    return word + (with_final if final else without_final)


@dataclass(frozen=True, slots=True)
class _Event:
    key: str
    when: datetime  # KST-naive moment of the event, stored as UTC
    facts: dict[str, str]
    writeups: tuple[Callable[[random.Random, dict[str, str]], tuple[str, list[str]]], ...]


# ---- write-ups: each returns (title, paragraphs) for a fact set, in its own words ---------------------


def _meeting_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['actor']} {f['ord']}{f['meeting']} {f['place']}서 개최…{f['t1']}·{f['t2']} 협력 강화"
    paras = [
        f"{f['ministry']}는 {f['day']}일(현지시간) {f['place']}에서 {f['kr']} {f['kr_title']}과 "
        f"{f['us']} 미국 측 대표, "
        f"{f['jp']} 일본 측 대표가 참석한 가운데 '제{f['n']}차 {f['actor']} {f['meeting']}'를 열었다고 "
        f"밝혔다.",
        f"이번 회의에서 참석자들은 {_josa(f['t1'], '과', '와')} {f['t2']} 분야의 공급망 협력을 강화하고 "
        f"{f['outcome']}하기로 뜻을 모았다.",
        f'{f["kr"]} {f["kr_title"]}은 "{f["t1"]} 공급망 안정은 {f["actor"]} 경제안보 협력의 핵심"이라며 '
        f'"{f["t3"]} 분야까지 '
        '협력을 넓혀 나가겠다"고 말했다.',
        f"다음 회의는 내년 상반기 {f['next_place']}에서 열릴 예정이다.",
    ]
    return title, paras


def _meeting_paper(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['actor']}, '{f['t1']} 공급망' 공동 대응…{f['ord']}{f['meeting']}서 {f['outcome_short']}"
    paras = [
        f"{f['actor']} 3국이 {f['t1']} 공급망 위기에 함께 대응하기로 했다. {f['day']}일 {f['place']}에서 "
        f"열린 "
        f"제{f['n']}차 {f['meeting']}에서다.",
        f"{f['kr']} {f['kr_title']}은 이 자리에서 {f['us']}, {f['jp']} 등 각국 대표와 "
        f"{f['t2']}·{f['t3']} 분야 협력 방안을 "
        f"논의했다. 3국은 {f['outcome']}하는 데 합의한 것으로 알려졌다.",
        "전문가들은 이번 합의가 중국의 수출통제 강화에 대응한 성격이 짙다고 분석했다. 한 통상 전문가는 "
        '"공급망 재편 속도가 '
        '빨라질 것"이라고 내다봤다.',
    ]
    return title, paras


def _meeting_brief(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['kr']} {f['kr_title']}, {f['place']}서 {f['actor']} {f['meeting']} 참석"
    paras = [
        f"{f['kr']} {f['kr_title']}이 {f['day']}일 {f['place']}에서 열린 {f['n']}차 {f['actor']} "
        f"{f['meeting']}에 "
        f"참석해 {f['t1']} 협력 방안을 논의했다고 {f['ministry']}가 전했다.",
        f"회의에는 {f['us']}와 {f['jp']}도 참석했다.",
    ]
    return title, paras


def _corporate_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['company']}, {f['place']}에 {f['amount']}억 원 투자…{f['product']} 공장 짓는다"
    paras = [
        f"{f['company']}는 {f['day']}일 {f['place']}에 {f['amount']}억 원을 들여 {f['product']} 생산 "
        f"공장을 짓는다고 밝혔다.",
        f"새 공장은 {f['year']}년 완공 예정이며 연간 {f['capacity']}만 개 생산 능력을 갖출 계획이다. "
        f"고용 인원은 "
        f"약 {f['jobs']}명이다.",
        f'{f["ceo"]} {f["company"]} 대표는 "{f["product"]} 시장 선점을 위한 결정"이라고 말했다.',
    ]
    return title, paras


def _corporate_paper(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['product']} 승부수 던진 {f['company']}…{f['place']} 신공장에 {f['amount']}억"
    paras = [
        f"{f['company']}가 {f['product']} 사업 확대에 나선다. 회사는 {f['day']}일 {f['place']} 신공장 "
        f"건설 계획을 공개하고 "
        f"총 {f['amount']}억 원을 투입하기로 했다.",
        f"업계에서는 {f['company']}의 이번 투자가 {f['product']} 수요 급증에 대비한 것으로 보고 있다. "
        f"공장이 가동되면 "
        f"일자리 {f['jobs']}개가 새로 생긴다.",
    ]
    return title, paras


def _stat_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['month']}월 {f['stat']} {f['value']}{f['unit']}…전년 대비 {f['change']}% {f['dir']}"
    paras = [
        f"{f['agency']}가 {f['day']}일 발표한 '{f['month']}월 {f['stat']} 동향'에 따르면 {f['month']}월 "
        f"{f['stat']}는 "
        f"{f['value']}{f['unit']}로 지난해 같은 달보다 {f['change']}% {f['dir']}했다.",
        f"품목별로는 {f['t1']}이 {f['change2']}% 늘었고 {f['t2']}는 {f['change3']}% 줄었다.",
        f'{f["agency"]} 관계자는 "{f["t1"]} 업황 개선이 이어지고 있다"고 설명했다.',
    ]
    return title, paras


def _stat_paper(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['t1']} 덕에 {f['month']}월 {f['stat']} {f['change']}% {f['dir']}"
    paras = [
        f"{f['month']}월 {f['stat']}가 {f['t1']} 호조에 힘입어 {f['change']}% {f['dir']}한 것으로 나타났다. "
        f"{f['agency']}는 {f['day']}일 이 같은 내용의 통계를 공개했다.",
        f"규모는 {f['value']}{f['unit']}다. {f['t2']} 부문은 부진했다.",
    ]
    return title, paras


def _market_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"코스피, {f['change']}% {f['dir2']} 마감…{f['index']}선"
    paras = [
        f"{f['day']}일 코스피는 전 거래일보다 {f['points']}포인트({f['change']}%) {f['dir2']}한 "
        f"{f['index']}.{f['frac']}에 "
        "장을 마쳤다.",
        f"유가증권시장에서 외국인은 {f['foreign']}억 원어치를 순매수했고, 기관은 {f['inst']}억 원어치를 "
        f"순매도했다.",
        f"원·달러 환율은 {f['fx']}.{f['frac']}원에 거래를 마쳤다.",
    ]
    return title, paras


def _incident_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['place']} {f['site']}서 {f['incident']}…{f['hurt']}명 부상"
    paras = [
        f"{f['day']}일 오후 {f['hour']}시께 {f['place']} {f['district']}의 한 {f['site']}에서 "
        f"{f['incident']}가 발생해 "
        f"{f['hurt']}명이 다쳤다.",
        f"소방당국은 인력 {f['crew']}명과 장비 {f['trucks']}대를 투입해 약 {f['mins']}분 만에 수습했다.",
        "경찰은 정확한 사고 원인을 조사하고 있다.",
    ]
    return title, paras


def _incident_paper(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['district']} {f['site']} {f['incident']}로 {f['hurt']}명 다쳐"
    paras = [
        f"{f['place']} {f['district']}에 있는 {f['site']}에서 {f['day']}일 {f['incident']}가 나 작업자 "
        f"등 {f['hurt']}명이 "
        "병원으로 옮겨졌다.",
        f"당국은 {f['mins']}분가량 지나 상황을 정리했다고 밝혔다.",
    ]
    return title, paras


def _sports_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['home']}, {f['away']} {f['hs']}-{f['as']} 제압…{f['streak']}연승"
    paras = [
        f"{f['home']}가 {f['day']}일 {f['place']}에서 열린 경기에서 {_josa(f['away'], '을', '를')} "
        f"{f['hs']}-{f['as']}로 꺾고 "
        f"{f['streak']}연승을 달렸다.",
        f"{f['player']}는 결승타를 포함해 {f['hits']}안타를 기록했다.",
    ]
    return title, paras


def _sports_paper(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"'{f['player']} 결승타' {f['home']} {f['streak']}연승 질주"
    paras = [
        f"{f['player']}의 방망이가 불을 뿜었다. {f['home']}는 {f['day']}일 {f['away']}전에서 "
        f"{f['hs']}-{f['as']}로 이겼다.",
        f"이날 승리로 {f['home']}는 {f['streak']}연승을 이어갔다.",
    ]
    return title, paras


def _general_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f'{f["org"]} {f["name"]} {f["role"]} "{f["topic"]} 대책 서둘러야"'
    paras = [
        f"{f['org']} {f['name']} {f['role']}은 {f['day']}일 {f['place']}에서 열린 간담회에서 "
        f'"{f["topic"]} 문제에 대한 '
        f'대책을 서둘러야 한다"고 말했다. 간담회에는 관계자 {f["count"]}명이 참석했다.',
        f'{f["name"]} {f["role"]}은 "현장의 목소리를 제도에 반영해야 한다"고 강조했다. {f["extra"]}',
    ]
    return title, paras


def _general_paper(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f'"{f["topic"]}, 이대로는 안 된다"…{f["name"]} {f["role"]}의 경고'
    paras = [
        f"{f['topic']} 문제가 다시 도마에 올랐다. {f['name']} {f['org']} {f['role']}은 {f['day']}일 "
        f"{f['place']} 간담회에서 "
        f"관계자 {f['count']}명 앞에서 대책 마련을 촉구했다.",
        f"{f['extra']} 전문가들은 제도 보완이 필요하다고 입을 모은다.",
    ]
    return title, paras


def _politics_wire(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"{f['party']} {f['name']} 의원, '{f['issue']}' 법안 대표 발의"
    paras = [
        f"{f['party']} {f['name']} 의원은 {f['day']}일 {f['issue']} 관련 법안을 대표 발의했다고 밝혔다. "
        f"법안에는 같은 당 "
        f"의원 {f['count']}명이 공동 발의자로 이름을 올렸다.",
        f'{f["name"]} 의원은 "{f["issue"]} 문제는 더 미룰 수 없다"며 "{f["rival"]}도 논의에 참여해 '
        f'달라"고 말했다.',
    ]
    return title, paras


def _politics_paper(rng: random.Random, f: dict[str, str]) -> tuple[str, list[str]]:
    title = f"'{f['issue']}' 손보겠다는 {f['name']}…{f['rival']}은 반발"
    paras = [
        f"{f['name']} {f['party']} 의원이 {f['issue']} 개선을 위한 법안을 {f['day']}일 내놓았다. 공동 발의에 "
        f"{f['count']}명이 참여했다.",
        f'{f["rival"]} 측은 "졸속 입법"이라고 비판했다. 지역구인 {f["place"]}에서도 찬반이 엇갈린다.',
    ]
    return title, paras


# ---- events -------------------------------------------------------------------------------------------


def _general_facts(rng: random.Random, day: datetime) -> dict[str, str]:
    return {
        "name": _name(rng),
        "org": rng.choice(COMPANY_HEADS) + rng.choice(GIVEN) + rng.choice(ORG_TAILS),
        "role": rng.choice(ROLES),
        "topic": f"{rng.choice(TOPIC_HEADS)} {rng.choice(TOPIC_TAILS)}",
        "day": str(day.day),
        "place": rng.choice(KR_PLACES),
        "count": str(rng.randint(10, 3000)),
        "extra": " ".join(rng.sample(GENERIC_SENTENCES, 2)),
    }


def _politics_facts(rng: random.Random, day: datetime) -> dict[str, str]:
    return {
        "party": rng.choice(PARTIES),
        "name": _name(rng),
        "issue": rng.choice(ISSUES),
        "day": str(day.day),
        "count": str(rng.randint(5, 120)),
        "place": rng.choice(KR_PLACES),
        "rival": rng.choice(PARTIES),
    }


def _meeting_facts(rng: random.Random, day: datetime, series: tuple[str, str, int]) -> dict[str, str]:
    actor, meeting, n = series
    topics = rng.sample(TOPICS, 3)
    outcome = rng.choice(OUTCOMES)
    return {
        "actor": actor,
        "meeting": meeting,
        "n": str(n),
        "ord": f"{n}차 " if rng.random() < 0.8 else "",
        "place": rng.choice(WORLD_PLACES + ["서울"]),
        "next_place": rng.choice(WORLD_PLACES),
        "day": str(day.day),
        "ministry": rng.choice(MINISTRIES),
        "kr": rng.choice(KR_OFFICIALS),
        "kr_title": rng.choice(["장관", "1차관", "통상교섭본부장", "국가안보실 3차장", "경제안보비서관"]),
        "us": rng.choice(FOREIGN[:6] + FOREIGN[8:]),
        "jp": rng.choice(FOREIGN[5:9]),
        "t1": topics[0],
        "t2": topics[1],
        "t3": topics[2],
        "outcome": outcome,
        "outcome_short": outcome.split("을 ")[-1].split("를 ")[-1],
    }


def _corporate_facts(rng: random.Random, day: datetime) -> dict[str, str]:
    return {
        "company": _company(rng),
        "place": rng.choice(KR_PLACES),
        "amount": f"{rng.randint(30, 40000) * 5:,}",
        "product": rng.choice(PRODUCTS),
        "day": str(day.day),
        "year": str(day.year + rng.randint(1, 3)),
        "capacity": str(rng.randint(5, 900)),
        "jobs": str(rng.randint(50, 2000)),
        "ceo": _name(rng),
    }


def _stat_facts(rng: random.Random, day: datetime, stat: tuple[str, str, str], month: int) -> dict[str, str]:
    topics = rng.sample(TOPICS, 2)
    up = rng.random() < 0.6
    return {
        "stat": stat[0],
        "agency": stat[1],
        "unit": stat[2],
        "month": str(month),
        "day": str(day.day),
        "value": f"{rng.randint(10, 900)}.{rng.randint(0, 9)}",
        "change": f"{rng.randint(1, 30)}.{rng.randint(0, 9)}",
        "dir": "증가" if up else "감소",
        "change2": str(rng.randint(2, 60)),
        "change3": str(rng.randint(2, 40)),
        "t1": topics[0],
        "t2": topics[1],
    }


def _market_facts(rng: random.Random, day: datetime) -> dict[str, str]:
    up = rng.random() < 0.5
    return {
        "day": str(day.day),
        "change": f"{rng.randint(0, 3)}.{rng.randint(1, 99):02d}",
        "dir2": "상승" if up else "하락",
        "index": str(rng.randint(2300, 2900)),
        "frac": f"{rng.randint(0, 99):02d}",
        "points": f"{rng.randint(1, 80)}.{rng.randint(0, 99):02d}",
        "foreign": f"{rng.randint(100, 9000):,}",
        "inst": f"{rng.randint(100, 9000):,}",
        "fx": f"{rng.randint(1250, 1420):,}",
    }


def _incident_facts(rng: random.Random, day: datetime) -> dict[str, str]:
    return {
        "place": rng.choice(KR_PLACES),
        "district": rng.choice(
            ["중구", "동구", "서구", "남구", "북구", "수성구", "해운대구", "연수구", "유성구"]
        ),
        "site": rng.choice(["공장", "아파트 공사현장", "물류창고", "상가 건물", "주택", "터널", "항만"]),
        "incident": rng.choice(INCIDENTS),
        "hurt": str(rng.randint(1, 15)),
        "day": str(day.day),
        "hour": str(rng.randint(1, 11)),
        "crew": str(rng.randint(20, 200)),
        "trucks": str(rng.randint(5, 60)),
        "mins": str(rng.randint(20, 300)),
    }


def _sports_facts(rng: random.Random, day: datetime, home: str, away: str) -> dict[str, str]:
    return {
        "home": home,
        "away": away,
        "hs": str(rng.randint(3, 12)),
        "as": str(rng.randint(0, 2)),
        "streak": str(rng.randint(2, 9)),
        "day": str(day.day),
        "place": rng.choice(KR_PLACES),
        "player": _name(rng),
        "hits": str(rng.randint(2, 4)),
    }


class _Calendar:
    """Makes each day's events; the hard negatives come from recurring series with the same words."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        #: (actor, meeting) → next ordinal and the first day the series may meet again.
        self.series = {(a, m): [rng.randint(1, 4), 0] for m in MEETINGS for a in rng.sample(ACTORS[:4], 2)}
        self.released: set[tuple[str, int]] = set()

    def day(self, day_index: int, moment: datetime) -> Iterator[_Event]:
        rng = self.rng
        market_close = moment.replace(hour=6, minute=40)  # 15:40 KST
        yield _Event(f"market-{day_index}", market_close, _market_facts(rng, market_close), (_market_wire,))
        if rng.random() < 0.7:
            stat = rng.choice(STATS)
            month = (moment.month - 2) % 12 + 1  # last month's figures
            if (stat[0], month) not in self.released:
                self.released.add((stat[0], month))
                yield _Event(
                    f"stat-{stat[0]}-{month}",
                    moment,
                    _stat_facts(rng, moment, stat, month),
                    (_stat_wire, _stat_paper),
                )
        teams = rng.sample(TEAMS, len(TEAMS))  # every team plays at most once a day
        for game in range(len(teams) // 2):
            when = moment + timedelta(hours=10 + rng.randint(0, 3))
            facts = _sports_facts(rng, when, teams[2 * game], teams[2 * game + 1])
            yield _Event(f"sports-{day_index}-{game}", when, facts, (_sports_wire, _sports_paper))
        due = [k for k, (_, free) in self.series.items() if free <= day_index]
        for key in rng.sample(due, min(len(due), rng.randint(2, 6))):
            ordinal, _ = self.series[key]
            self.series[key] = [ordinal + 1, day_index + rng.randint(3, 10)]
            when = moment + timedelta(hours=rng.randint(0, 12))
            yield _Event(
                f"meeting-{key[1]}-{ordinal}",
                when,
                _meeting_facts(rng, when, (*key, ordinal)),
                (_meeting_wire, _meeting_paper, _meeting_brief),
            )

    def filler(self, index: int, when: datetime) -> _Event:
        """The bulk of a day's news: many subjects, each with its own names and figures."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.25:
            return _Event(
                f"corp-{index}", when, _corporate_facts(rng, when), (_corporate_wire, _corporate_paper)
            )
        if kind < 0.28:
            return _Event(
                f"incident-{index}", when, _incident_facts(rng, when), (_incident_wire, _incident_paper)
            )
        if kind < 0.45:
            return _Event(
                f"politics-{index}", when, _politics_facts(rng, when), (_politics_wire, _politics_paper)
            )
        return _Event(f"general-{index}", when, _general_facts(rng, when), (_general_wire, _general_paper))


# ---- articles -----------------------------------------------------------------------------------------


def _byline(rng: random.Random, outlet: _Outlet, text: str) -> str:
    reporter = _name(rng)
    city = rng.choice(["서울", "세종", "워싱턴", "도쿄"])
    if outlet.name == "연합뉴스":
        head = f"({city}=연합뉴스) {reporter} 기자 = "
    elif outlet.wire:
        head = f"[{city}={outlet.name}] {reporter} 기자 = "
    else:
        head = rng.choice([f"[{outlet.name} {reporter} 기자] ", f"{reporter} 기자 = ", ""])
    tail = rng.choice(
        [
            "",
            f"\n\n{reporter.lower()}@example.co.kr",
            f"\n\n<저작권자 ⓒ {outlet.name}, 무단 전재 및 재배포 금지>",
            f"\n\nCopyright ⓒ {outlet.name}. All rights reserved.",
        ]
    )
    return head + text + tail


def _edit_copy(rng: random.Random, title: str, paras: list[str]) -> tuple[str, list[str]]:
    """A republished wire story: trimmed, re-headlined, marked or lightly edited."""
    paras = list(paras)
    roll = rng.random()
    if roll < 0.25 and len(paras) > 2:
        paras = paras[:-1]
    elif roll < 0.45:
        title = (
            rng.choice(["[속보] ", "[종합] ", "", "[단독] "])
            + title
            + rng.choice(["", "(종합)", "(종합2보)"])
        )
    elif roll < 0.6:
        words = title.split()
        title = " ".join(words[1:] + words[:1]) if len(words) > 3 else title
    elif roll < 0.75:
        paras = paras + ["한편 관련 업계는 추가 발표를 주시하고 있다."]
    if rng.random() < 0.3:
        paras[0] = paras[0].replace("밝혔다", "전했다").replace("했다", "했다고 전했다", 1)
    return title, paras


def _url(rng: random.Random, outlet: _Outlet, serial: int, variant: bool) -> str:
    path = outlet.path.format(n=f"{20240000000 + serial}")
    host = outlet.host
    if variant and outlet.mobile and rng.random() < 0.5:
        host = outlet.mobile
    url = f"https://{host}{path}"
    if variant:
        sep = "&" if "?" in url else "?"
        url += rng.choice(
            [
                f"{sep}utm_source=naver&utm_medium=news",
                f"{sep}fbclid=IwAR{serial}",
                f"{sep}outputType=amp",
                "#comments",
            ]
        )
    return url


def generate(
    n: int, *, seed: int = 0, per_day: int = 4000, start: datetime = datetime(2024, 6, 1, tzinfo=UTC)
) -> list[GenArticle]:
    """Exactly ``n`` articles, about ``per_day`` a day, in published order."""
    rng = random.Random(seed)
    calendar = _Calendar(rng)
    articles: list[GenArticle] = []
    day_index = 0
    while len(articles) < n:
        moment = start + timedelta(days=day_index)
        today = len(articles)
        for event in calendar.day(day_index, moment):
            articles.extend(_articles_for(rng, event, len(articles)))
        filler = 0
        while len(articles) - today < per_day and len(articles) < n:
            when = moment + timedelta(seconds=rng.randrange(86400))
            articles.extend(_articles_for(rng, calendar.filler(len(articles) + filler, when), len(articles)))
            filler += 1
        day_index += 1
    articles.sort(key=lambda a: (a.published, a.article_id))
    return [replace(a, article_id=i + 1) for i, a in enumerate(articles[:n])]


def _articles_for(rng: random.Random, event: _Event, serial: int) -> Iterator[GenArticle]:
    writeups = rng.choices([1, 2, 3, 4], weights=[55, 25, 12, 8])[0]
    styles = [event.writeups[i % len(event.writeups)] for i in range(writeups)]
    for style in styles:
        origin = rng.choice(WIRES) if rng.random() < 0.5 else rng.choice(OUTLETS)
        title, paras = style(rng, event.facts)
        when = event.when + timedelta(minutes=rng.randint(20, 30 * 60))
        yield _make(rng, event, origin, title, paras, when, serial, variant=False)
        serial += 1
        copies = rng.choices([0, 1, 2, 4, 8], weights=[45, 20, 15, 12, 8])[0] if origin.wire else 0
        for _ in range(copies):
            outlet = rng.choice([o for o in OUTLETS if o is not origin])
            ctitle, cparas = _edit_copy(rng, title, paras)
            yield _make(
                rng,
                event,
                outlet,
                ctitle,
                cparas,
                when + timedelta(minutes=rng.randint(5, 360)),
                serial,
                variant=False,
            )
            serial += 1
        if rng.random() < 0.15:  # the same article again under its mobile/AMP/tracking link
            yield _make(rng, event, origin, title, paras, when, serial - 1 - copies, variant=True)


def _make(
    rng: random.Random,
    event: _Event,
    outlet: _Outlet,
    title: str,
    paras: list[str],
    when: datetime,
    serial: int,
    *,
    variant: bool,
) -> GenArticle:
    text = _byline(random.Random(serial), outlet, "\n\n".join(paras))
    roll = random.Random(serial * 7 + 1).random()
    if roll < 0.03:
        text = ""  # a feed with titles only
    elif roll < 0.04:
        text = BOILERPLATE[serial % len(BOILERPLATE)]  # broken extraction
    elif roll < 0.045:
        text = "\n\n".join([text] * 40)  # a very long page
    elif roll < 0.055:
        text = f"{text}\n{text}"  # a body pasted twice
    return GenArticle(serial, _url(rng, outlet, serial, variant), title, text, when, outlet.name, event.key)


def main(argv: list[str]) -> None:
    count = int(argv[1]) if len(argv) > 1 else 10
    for article in generate(count):
        print(
            f"#{article.article_id} {article.published:%m-%d %H:%M} {article.outlet} [{article.event}] "
            f"{article.url}"
        )
        print(f"  {article.title}")
        print("  " + article.text[:160].replace("\n", " ") + "\n")


if __name__ == "__main__":
    main(sys.argv)
