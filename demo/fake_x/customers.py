"""Simulated customers of an electronics retailer writing to its support account on the fake X.

simulator = CustomerSimulator(fake, seed=7)
simulator.prefill(5)
simulator.step()  # call periodically: a new question, now and then a follow-up in an open conversation
"""

import random
import weakref
from dataclasses import dataclass

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
class SimulatedPost:
    tweet_id: str
    username: str
    text: str
    conversation_id: str
    follow_up: bool


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


class CustomerSimulator:
    """Adds customers' questions to a FakeX, now and then a follow-up in a conversation it started."""

    def __init__(self, fake: FakeX, *, seed: int | None = None, follow_up_rate: float = 0.25):
        self.fake = fake
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not security
        self.follow_up_rate = follow_up_rate
        self._open: dict[str, tuple[Customer, list[str]]] = {}  # conversation id -> (customer, follow-ups left)
        for customer in CUSTOMERS:
            fake.add_customer(customer.username, customer.name)

    def step(self) -> SimulatedPost:
        """One new post mentioning the account: a follow-up with probability `follow_up_rate` when one is due."""
        if self._open and self.rng.random() < self.follow_up_rate:
            return self._follow_up()
        return self._ask()

    def prefill(self, count: int = 5) -> list[SimulatedPost]:
        """`count` new questions (no follow-ups), as a backlog for a fresh inbox."""
        return [self._ask() for _ in range(count)]

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
