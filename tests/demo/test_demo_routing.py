"""The demo's customers land where a person at the desk expects: every question the simulator can ask, with every
product and store it fills in, routed by the rules the demo seed makes."""

import itertools

import pytest
from django.core.management import call_command

from demo.fake_x.customers import PRODUCTS, QUESTIONS, STORES, TOPIC_QUEUES
from inbox.routing import Router


def _asked(question) -> list[str]:
    """The question's text as customers send it, once for each product and store it can name."""
    texts = {
        question.text.format(order="A12-123456", product=product, store=store, days=5)
        for product, store in itertools.product(PRODUCTS[question.lang], STORES[question.lang])
    }
    return sorted(texts)


@pytest.fixture
def router(db, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    return Router()


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q.lang}-{q.topic}-{q.text[:30]}")
def test_each_simulated_question_lands_in_the_queue_of_its_topic(router, question):
    routed = {text: router.route(text).queue.name for text in _asked(question)}
    assert routed == dict.fromkeys(routed, TOPIC_QUEUES[question.topic])


def test_asking_whether_they_deliver_on_weekends_lands_in_orders_and_delivery(router):
    assert router.route("Do you deliver on weekends? I'm not home on weekdays.").queue.name == "Orders & delivery"


def test_a_damaged_camera_to_exchange_lands_in_returns_and_repairs(router):
    text = "届いた一眼レフカメラの箱がつぶれていて、本体にも傷がありました。交換してもらえますか？"
    assert router.route(text).queue.name == "Returns & repairs"


def test_a_payment_question_quoting_its_order_number_stays_in_general(router):
    assert router.route("ポイントが付与されていません。注文番号A12-123456です。").queue.name == "General"


def test_every_topic_the_simulator_asks_about_has_a_queue():
    assert {question.topic for question in QUESTIONS} == TOPIC_QUEUES.keys()
