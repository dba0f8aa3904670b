"""Simulated customers of an electronics retailer (レプリ電機, Repli Denki) writing to its support account on the
fake X, and people talking about the company on X without @mentioning it (what listening hears).

simulator = CustomerSimulator(fake, seed=7)
simulator.prefill(5)
simulator.prefill_talk(days=7)  # a week of backdated talk about the company, for listening's volume chart
simulator.step()  # call periodically: a new question, now and then a follow-up in an open conversation
simulator.maybe_talk()  # call periodically: now and then a post about the company, occasionally a quote of the account
"""

import random
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .server import FakeX


@dataclass(frozen=True)
class Customer:
    username: str
    name: str
    lang: str  # "ja" or "en"


@dataclass(frozen=True)
class Question:
    lang: str
    topic: str  # order, delivery, return, repair, warranty, store, payment: its queue is TOPIC_QUEUES[topic]
    text: str  # may use {order}, {product}, {store}, {days}
    follow_ups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Talk:
    """A post about the company that does not @mention its account: listening finds it, the mentions timeline does
    not. As a quote of one of the account's posts (Announcement.quotes) it summons the account: a question too."""

    lang: str
    topic: str  # delivery, order, return, repair, warranty, payment, broken or store (no routing rule's keywords)
    text: str  # may use {company}, {product}, {store}


@dataclass(frozen=True)
class Announcement:
    """A post of the account's own (made outside the desk), and what customers write when they quote it."""

    lang: str
    text: str
    quotes: tuple[Talk, ...]


@dataclass(frozen=True)
class SimulatedPost:
    tweet_id: str
    username: str
    text: str
    conversation_id: str
    follow_up: bool
    # "mention" (a question or its follow-up), "talk" (about the company, no @mention) or "quote" (of the account's
    # post, which summons the account).
    kind: str = "mention"


# The demo desk's queue (demo/management/commands/seed_demo.py QUEUES) for each topic: where a person at the desk would
# look for such a question, and where the seed's routing rules put it.
TOPIC_QUEUES = {
    "order": "Orders & delivery",
    "delivery": "Orders & delivery",
    "return": "Returns & repairs",
    "repair": "Returns & repairs",
    "warranty": "Returns & repairs",
    "store": "General",
    "payment": "General",
}

# The company's name as people write it: what the demo's listening streams (seed_demo STREAMS) listen for.
COMPANY = {"ja": "レプリ電機", "en": "Repli Denki"}

CUSTOMERS = [
    Customer("tanaka_yuki", "田中 優希", "ja"),
    Customer("sato_hiroshi88", "佐藤 浩", "ja"),
    Customer("mika_suzuki", "鈴木 美香", "ja"),
    Customer("kenta_w", "渡辺 健太", "ja"),
    Customer("aoi_takahashi", "高橋 葵", "ja"),
    Customer("ryo_ito_tech", "伊藤 亮", "ja"),
    Customer("nakamura_sakura", "中村 さくら", "ja"),
    Customer("kobayashi_dai", "小林 大輔", "ja"),
    Customer("emily_parker", "Emily Parker", "en"),
    Customer("jdoe_builds", "John Doe", "en"),
    Customer("priya_sharma", "Priya Sharma", "en"),
    Customer("marco_rossi_io", "Marco Rossi", "en"),
    Customer("sarah_k_chen", "Sarah Chen", "en"),
    Customer("tom_oconnor", "Tom O'Connor", "en"),
    Customer("lena_fischer", "Lena Fischer", "en"),
]

# People who talk about the company without being its customers at the desk.
BYSTANDERS = [
    Customer("gadget_neko", "ガジェット猫", "ja"),
    Customer("hana_kurashi", "はな｜暮らしの記録", "ja"),
    Customer("shinjuku_walker", "新宿さんぽ", "ja"),
    Customer("techie_mo", "Mo", "en"),
    Customer("tokyo_expat_jen", "Jen in Tokyo", "en"),
]

PRODUCTS = {
    "ja": ["ワイヤレスイヤホン", "4Kテレビ", "ノートパソコン", "ドラム式洗濯機", "電子レンジ"]
    + ["ロボット掃除機", "一眼レフカメラ"],
    "en": ["wireless earbuds", "4K TV", "laptop", "robot vacuum", "mirrorless camera", "soundbar", "gaming monitor"],
}
STORES = {
    "ja": ["新宿店", "梅田店", "名古屋駅前店", "札幌店"],
    "en": ["Shinjuku", "Umeda", "Nagoya Station", "Sapporo"],
}

QUESTIONS = [
    # --- Japanese ------------------------------------------------------------------------------------------
    Question(
        "ja",
        "delivery",
        "注文番号{order}の{product}がまだ届きません。配送状況を確認していただけますか？",
        ("追跡番号を見ても「輸送中」のまま3日経っています。", "本日届きました。ありがとうございました！"),
    ),
    Question("ja", "delivery", "お届け日時の変更はできますか？{days}日後の午前中に変更したいです(注文番号{order})。"),
    Question("ja", "delivery", "離島への配送は対応していますか？送料はいくらかかりますか？"),
    Question(
        "ja",
        "order",
        "注文確認メールが届きません。注文は完了しているのでしょうか？",
        ("迷惑メールフォルダにもありませんでした。登録アドレスは変えていません。",),
    ),
    Question("ja", "order", "{order}の注文をキャンセルしたいです。まだ発送前だと思います。"),
    Question("ja", "order", "{product}を2台注文したのですが、1台に変更できますか？"),
    Question(
        "ja",
        "return",
        "届いた{product}の箱がつぶれていて、本体にも傷がありました。交換してもらえますか？",
        ("写真を撮ってあります。どこに送ればいいですか？",),
    ),
    Question("ja", "return", "未開封の{product}を返品したいです。購入から{days}日経っていますが大丈夫ですか？"),
    Question("ja", "return", "店舗で買った商品をオンラインで返品することはできますか？"),
    Question(
        "ja",
        "repair",
        "{product}の電源が入らなくなりました。修理の受付はどうすればいいですか？",
        ("保証書が見当たらないのですが、購入履歴で大丈夫でしょうか？", "修理期間はどのくらいかかりますか？"),
    ),
    Question("ja", "repair", "修理に出している{product}の進捗を知りたいです。受付番号は{order}です。"),
    Question("ja", "warranty", "延長保証に入っているか確認したいです。{product}を昨年購入しました。"),
    Question(
        "ja",
        "warranty",
        "{product}の画面に線が出るようになりました。保証期間内なら無償修理になりますか？",
        ("購入は1年半前で、5年延長保証に入っています。",),
    ),
    Question("ja", "store", "{store}の年末年始の営業時間を教えてください。"),
    Question("ja", "store", "{store}で{product}の在庫はありますか？今日取りに行きたいです。"),
    Question("ja", "store", "{store}に駐車場はありますか？買い物すると無料になりますか？"),
    Question("ja", "payment", "クレジットカードの分割払いは何回まで選べますか？"),
    Question(
        "ja",
        "payment",
        "ポイントが付与されていません。注文番号{order}です。",
        ("付与予定日はいつ頃でしょうか？",),
    ),
    Question("ja", "payment", "コンビニ払いの期限が過ぎてしまいました。注文はどうなりますか？"),
    Question("ja", "payment", "領収書を会社名で発行してもらうことはできますか？"),
    # --- English -------------------------------------------------------------------------------------------
    Question(
        "en",
        "delivery",
        "My order {order} ({product}) was supposed to arrive yesterday but hasn't. Can you check where it is?",
        ("The tracking page hasn't updated in 3 days.", "It just arrived, thanks for the help!"),
    ),
    Question("en", "delivery", "Can I change the delivery address for order {order}? It hasn't shipped yet."),
    Question("en", "delivery", "Do you deliver on weekends? I'm not home on weekdays."),
    Question(
        "en",
        "order",
        "I was charged twice for order {order}. Can someone look into this?",
        ("Both charges are still showing on my card statement today.",),
    ),
    Question("en", "store", "Is the {product} going to be back in stock soon? It's been sold out online for weeks."),
    Question("en", "order", "How do I cancel order {order}? I can't find the option in my account."),
    Question(
        "en",
        "return",
        "The {product} I received doesn't turn on. How do I return it for a refund?",
        ("Do I need the original box? I already threw it away.",),
    ),
    Question("en", "return", "What's your return window for opened items? I bought a {product} {days} days ago."),
    Question("en", "return", "I returned a {product} two weeks ago and still haven't received my refund."),
    Question(
        "en",
        "repair",
        "My {product} screen cracked. Do you offer repairs, and how much does it cost?",
        ("It's out of warranty, bought about 3 years ago.",),
    ),
    Question("en", "repair", "How long does a repair usually take? Mine has been in for {days} days (ticket {order})."),
    Question("en", "warranty", "Does the extended warranty cover accidental damage on a {product}?"),
    Question(
        "en",
        "warranty",
        "Can I add an extended warranty to a {product} I bought last month?",
        ("I bought it in the {store} store, not online, if that matters.",),
    ),
    Question("en", "store", "What are the opening hours of the {store} store on public holidays?"),
    Question("en", "order", "Can I pick up an online order at the {store} store? Order {order}."),
    Question("en", "store", "Does anyone at the {store} store speak English? I need help choosing a {product}."),
    Question("en", "payment", "Do you accept Apple Pay in stores and online?"),
    Question(
        "en",
        "payment",
        "My card was declined at checkout but the bank says everything is fine. Any idea why?",
        ("I tried another card and got the same error.",),
    ),
    Question("en", "payment", "Can I pay for a {product} in installments with a foreign credit card?"),
    Question("en", "payment", "Do you issue tax-free receipts for tourists? I'm visiting from abroad."),
]


# What people say about the company without @mentioning it. The topics match the demo's routing rules' keywords
# (seed_demo RULES), so that listening tags each hit as the inbox would route it (tests/demo/test_demo_talk.py).
TALK = [
    # --- Japanese ------------------------------------------------------------------------------------------
    Talk("ja", "delivery", "{company}で頼んだ{product}、もう届いた。早すぎてびっくり"),
    Talk("ja", "delivery", "{company}の配送、また遅れてる…週末に使いたかったのに"),
    Talk("ja", "order", "{company}のサイト、注文ボタンを押したらエラー。ちゃんと買えてるのかな"),
    Talk("ja", "return", "{company}、返品を店頭で受け付けてくれて助かった"),
    Talk("ja", "repair", "{company}に{product}の修理を頼んだら1週間で戻ってきた。対応が丁寧だった"),
    Talk("ja", "warranty", "{company}の延長保証に入っておいてよかった。{product}が映らなくなったけど無料で直った"),
    Talk("ja", "payment", "{company}、今週はポイント還元10%らしい。{product}買い替えようかな"),
    Talk("ja", "payment", "{company}{store}、レジで使える支払い方法がもう少し増えるといいのに"),
    Talk("ja", "broken", "{company}で買った{product}から焦げ臭いにおいがして煙が出た。怖くてもう使えない"),
    Talk("ja", "store", "{company}{store}の店員さん、{product}選びの相談に30分も付き合ってくれた。神対応"),
    Talk("ja", "store", "{company}{store}、週末は混みすぎてレジに20分並んだ"),
    # --- English -------------------------------------------------------------------------------------------
    Talk("en", "delivery", "Ordered a {product} from {company} on Monday, delivered Tuesday morning. Impressive."),
    Talk("en", "delivery", "Third time this month my {company} delivery is late. Not great."),
    Talk("en", "order", "The {company} app lost my order at checkout, had to place it all over again."),
    Talk("en", "return", "Returning a {product} at {company} {store} took two minutes, no questions asked."),
    Talk("en", "repair", "{company}'s repair service had my {product} back in a week. Solid."),
    Talk("en", "warranty", "Glad I took {company}'s extended warranty: my {product} died and they replaced it free."),
    Talk("en", "payment", "{company} finally takes contactless payment in its stores. About time."),
    Talk("en", "broken", "My {product} from {company} started to smoke last night. Unplugged it, but that was scary."),
    Talk("en", "store", "The staff at {company} {store} spent half an hour helping me pick a {product}. Great shop."),
    Talk("en", "store", "{company} {store} is packed this weekend, the queue for the tills goes round the floor."),
]

# The account's own posts that customers quote: a quote summons the account (X lets it reply), so the listening poll
# also hands it to the inbox, where it becomes a question.
ANNOUNCEMENTS = [
    Announcement(
        "ja",
        "【{company}】冬のセールを本日から開催します。対象商品はポイント10倍です。",
        (
            Talk("ja", "payment", "{company}のセール、ネットで買ってもポイント10倍になりますか？"),
            Talk("ja", "store", "{company}{store}でもこのセールやってますか？"),
        ),
    ),
    Announcement(
        "en",
        "{company}'s winter sale starts today: 10x points on selected items, in stores and online.",
        (
            Talk("en", "payment", "Do {company}'s 10x points also apply when I pay in installments?"),
            Talk("en", "store", "Is the {company} {store} store part of this sale too?"),
        ),
    ),
]


class CustomerSimulator:
    """Adds customers' questions to a FakeX, now and then a follow-up in a conversation it started."""

    def __init__(
        self,
        fake: FakeX,
        *,
        seed: int | None = None,
        follow_up_rate: float = 0.25,
        talk_rate: float = 0.5,
        quote_rate: float = 0.15,
    ):
        self.fake = fake
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not security
        self.follow_up_rate = follow_up_rate
        self.talk_rate = talk_rate  # how often maybe_talk() posts
        self.quote_rate = quote_rate  # how often that post is a quote of the account's post
        self._open: dict[str, tuple[Customer, list[str]]] = {}  # conversation id -> (customer, follow-ups left)
        self._announced: dict[int, str] = {}  # index in ANNOUNCEMENTS -> the account's post
        for customer in CUSTOMERS + BYSTANDERS:
            fake.add_customer(customer.username, customer.name)

    def step(self) -> SimulatedPost:
        """One new post mentioning the account: a follow-up with probability `follow_up_rate` when one is due."""
        if self._open and self.rng.random() < self.follow_up_rate:
            return self._follow_up()
        return self._ask()

    def prefill(self, count: int = 5) -> list[SimulatedPost]:
        """`count` new questions (no follow-ups), as a backlog for a fresh inbox."""
        return [self._ask() for _ in range(count)]

    def maybe_talk(self) -> SimulatedPost | None:
        """Now and then (`talk_rate`) a post about the company that does not @mention the account; of those, a few
        (`quote_rate`) quote one of the account's posts instead. None when nobody talks this time."""
        if self.rng.random() >= self.talk_rate:
            return None
        if self.rng.random() < self.quote_rate:
            return self.quote()
        return self.talk()

    def talk(self, *, at: datetime | None = None) -> SimulatedPost:
        """A post about the company by a customer or a bystander, without @mentioning the account; `at` backdates it."""
        person = self.rng.choice(CUSTOMERS + BYSTANDERS)
        said = self.rng.choice([t for t in TALK if t.lang == person.lang])
        text = self._fill(said.text, person.lang)
        tweet_id = self.fake.post_as(person.username, text, lang=person.lang, at=at)
        return SimulatedPost(tweet_id, person.username, text, tweet_id, follow_up=False, kind="talk")

    def quote(self) -> SimulatedPost:
        """A customer's quote of one of the account's posts (posted first when the account has not posted it yet)."""
        customer = self.rng.choice(CUSTOMERS)
        index = self.rng.choice([i for i, a in enumerate(ANNOUNCEMENTS) if a.lang == customer.lang])
        announcement = ANNOUNCEMENTS[index]
        quoted = self._announced.get(index)
        if quoted is None:
            quoted = self._announced[index] = self.fake.post_as_account_directly(
                self._fill(announcement.text, announcement.lang)
            )
        text = self._fill(self.rng.choice(announcement.quotes).text, customer.lang)
        tweet_id = self.fake.quote(customer.username, text, quoting=quoted)
        return SimulatedPost(tweet_id, customer.username, text, tweet_id, follow_up=False, kind="quote")

    def prefill_talk(self, days: int = 7, *, per_day: tuple[int, int] = (2, 8)) -> list[SimulatedPost]:
        """Talk about the company over the last `days` days (at most recent search's 7), a different amount each day,
        backdated so that X's counts (listening's volume chart) have a week to show. Oldest first."""
        now = datetime.now(UTC)
        moments = []
        for day in range(min(days, 7)):
            # Day 6 stops an hour short of 7 days: recent search would soon forget the oldest posts.
            newest = now - timedelta(days=day, minutes=5)
            oldest = now - timedelta(days=day + 1) + (timedelta(hours=1) if day == 6 else timedelta())
            span = (newest - oldest).total_seconds()
            moments += [
                oldest + timedelta(seconds=self.rng.uniform(0, span)) for _ in range(self.rng.randint(*per_day))
            ]
        return [self.talk(at=moment) for moment in sorted(moments)]

    def _ask(self) -> SimulatedPost:
        customer = self.rng.choice(CUSTOMERS)
        question = self.rng.choice([q for q in QUESTIONS if q.lang == customer.lang])
        text = self._fill(question.text, customer.lang)
        tweet_id = self.fake.mention(customer.username, text)
        if question.follow_ups:
            self._open[tweet_id] = (customer, [self._fill(f, customer.lang) for f in question.follow_ups])
        return SimulatedPost(tweet_id, customer.username, text, tweet_id, follow_up=False)

    def _follow_up(self) -> SimulatedPost:
        conversation_id = self.rng.choice(sorted(self._open))
        customer, left = self._open[conversation_id]
        text = left.pop(0)
        if not left:
            del self._open[conversation_id]
        thread = self.fake.conversation(conversation_id)
        if not thread:  # the customer deleted the question
            return self._ask()
        # Reply to the account's latest answer when there is one, else to the customer's own latest post.
        answers = [t for t in thread if t.author_id == self.fake.account_id]
        parent = answers[-1] if answers else thread[-1]
        tweet_id = self.fake.mention(customer.username, text, in_reply_to=parent.id)
        return SimulatedPost(tweet_id, customer.username, text, conversation_id, follow_up=True)

    def _fill(self, template: str, lang: str) -> str:
        prefix = self.rng.choice("ABCDEFGHJK")
        return template.format(
            company=COMPANY[lang],
            order=f"{prefix}{self.rng.randint(10, 99)}-{self.rng.randint(100000, 999999)}",
            product=self.rng.choice(PRODUCTS[lang]),
            store=self.rng.choice(STORES[lang]),
            days=self.rng.randint(3, 20),
        )


_simulators: "weakref.WeakKeyDictionary[FakeX, CustomerSimulator]" = weakref.WeakKeyDictionary()


def simulate_customer(fake: FakeX, *, seed: int | None = None) -> SimulatedPost:
    """Call periodically: adds one customer post to `fake` (one simulator per FakeX, created on first call)."""
    simulator = _simulators.get(fake)
    if simulator is None:
        simulator = _simulators[fake] = CustomerSimulator(fake, seed=seed)
    return simulator.step()
