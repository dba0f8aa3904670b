"""The reply box counter (static/js/composer.js) must show what the server will count (inbox.composer).

Node runs the script in a bare vm context with a stand-in window and document: no browser needed.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from inbox import composer
from inbox.errors import InvalidReply
from inbox.reply_text import check_reply_text
from inbox.tlds import COUNTRY_TLDS, GENERIC_TLDS

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "composer.js"
SIGNATURE = "^E042"

TEXTS = [
    "",
    "Hello",
    "Thank you for contacting us. We are looking into it.",
    "お問い合わせありがとうございます。",
    "あ" * 140,
    "あ" * 141,
    "Hello 世界",
    "ご注文ありがとうございます。詳しくは https://example.com/orders/12345?lang=ja をご覧ください",
    "https://example.com/very/long/path/that/goes/on/and/on?with=a&query=string",
    "HTTPS://WWW.EXAMPLE.COM/INDEX.HTML",
    "example.com",
    "example.co.jp",
    "www.example.jp/faq と example.net と example.org",
    "詳しくはexample.co.jpへ",
    "t.co/abc https://t.co/abc",
    "file.txt version 1.2.3 e.g. this",
    "foo@example.com #example.com",
    "See https://example.com. (example.com)",
    "https://サポート.jp サポート.jp",
    "👍 👨\u200d👩\u200d👧\u200d👦 🇯🇵 1\ufe0f\u20e3 1\u20e3 👍🏽",
    "🏳️\u200d🌈 ❤️ 🫱🏽\u200d🫲🏿 ©",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "ありがとう🙇\u200d♀️",
    "line one\r\nline two",
    "e\u0301 か\u3099 Cafe\u0301",
    "hello\ufeff",
    "“quoted” — yes… ′″",
    "ÀÉÎõü ΑΒΓ Жук שלום مرحبا ไทย ｱｲｳ",
    "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069",
    "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com",
    "http://" + "あいうえおかきくけこ" * 5 + "あいう.com",
    "ıİſK example.COMı",
]
BODIES = ["Thanks!", "Thank you for waiting.  \n\n", "ok \u3000\r\n", "あ" * 137, "あ" * 138, ""]
# Replies the server refuses whatever their length (inbox.reply_text.check_reply_text), and some it takes.
REPLY_BODIES = [
    "",
    " ",
    "\u3000\r\n",
    "\u200b",
    "\u202e\u2066\u2069",
    "\ufeff",
    "\u3164\u2800",
    "\U000e0001\U000e007f",
    "\x1c\x85\x7f",
    "\u200b \u200d\n",
    "Thanks \ufffd",
    "\ufffd",
    "Thanks!",
    "\u200bThanks",
    "\u0600",
    "ありがとう\u200b",
]

HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const [scriptPath, inputPath] = process.argv.slice(2);
const input = JSON.parse(fs.readFileSync(inputPath, "utf8"));

function element(tag, attributes) {
  const listeners = {};
  const classes = new Set();
  return {
    tagName: tag,
    id: attributes.id || "",
    value: "",
    textContent: "",
    getAttribute: (name) => (name in attributes ? attributes[name] : null),
    hasAttribute: (name) => name in attributes,
    addEventListener: (type, listener) => {
      (listeners[type] = listeners[type] || []).push(listener);
    },
    fire: (type) => (listeners[type] || []).forEach((listener) => listener({ type })),
    classList: {
      toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)),
      contains: (name) => classes.has(name),
    },
  };
}

const signed = element("textarea", {
  id: "reply-body",
  "data-weighted-limit": "280",
  "data-signature": input.signature,
});
const signedCounter = element("span", { "data-weighted-counter-for": "reply-body" });
const plain = element("textarea", { id: "note", "data-weighted-limit": "280" });
const plainCounter = element("span", { "data-weighted-counter-for": "note" });
const elements = [signed, signedCounter, plain, plainCounter];
const document = {
  readyState: "complete",
  addEventListener: () => {},
  querySelectorAll: (selector) => {
    const [, tag, attribute] = selector.match(/^(\w*)\[([\w-]+)\]$/);
    return elements.filter((e) => (!tag || e.tagName === tag) && e.hasAttribute(attribute));
  },
};
const context = vm.createContext({ window: {}, document });
vm.runInContext(fs.readFileSync(scriptPath, "utf8"), context, { filename: scriptPath });
const api = context.window.replydeskComposer;

const initial = signedCounter.textContent;
const typed = (area, counter, values) =>
  values.map((value) => {
    area.value = value;
    area.fire("input");
    return [counter.textContent, counter.classList.contains("over")];
  });
process.stdout.write(JSON.stringify({
  counts: input.texts.map((text) => api.weightedLength(text)),
  valid: input.texts.map((text) => api.isValidPost(text)),
  replies: input.bodies.map((body) => api.replyText(body, input.signature)),
  showsNothing: input.replyBodies.map((body) => api.showsNothing(body)),
  refused: input.replyBodies.map((body) => api.isRefusedReply(body)),
  counterRefused: input.replyBodies.map((body) => {
    signed.value = body;
    signed.fire("input");
    return signedCounter.classList.contains("refused");
  }),
  initial,
  signed: typed(signed, signedCounter, input.bodies),
  plain: typed(plain, plainCounter, input.texts),
}));
"""


@pytest.fixture(scope="module")
def js(tmp_path_factory):
    work = tmp_path_factory.mktemp("composer_js")
    harness, data = work / "harness.js", work / "input.json"
    harness.write_text(HARNESS, encoding="utf-8")
    data.write_text(
        json.dumps({"texts": TEXTS, "bodies": BODIES, "replyBodies": REPLY_BODIES, "signature": SIGNATURE}),
        encoding="utf-8",
    )
    done = subprocess.run(
        [NODE, str(harness), str(SCRIPT), str(data)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@needs_node
@pytest.mark.parametrize("index", range(len(TEXTS)), ids=[repr(text)[:40] for text in TEXTS])
def test_browser_counts_what_the_server_counts(js, index):
    text = TEXTS[index]
    assert js["counts"][index] == composer.weighted_length(text)
    assert js["valid"][index] == composer.is_valid_post(text)


@needs_node
def test_browser_adds_the_signature_as_the_server_does(js):
    assert js["replies"] == [composer.reply_text(body, SIGNATURE) for body in BODIES]


@needs_node
def test_counter_shows_used_over_limit_with_the_signature(js):
    assert js["initial"] == "6 / 280"  # empty box: line break and signature
    expected = [composer.weighted_length(composer.reply_text(body, SIGNATURE)) for body in BODIES]
    assert js["signed"] == [[f"{used} / 280", used > 280] for used in expected]
    assert ["280 / 280", False] in js["signed"]  # 137 Japanese characters and the signature just fit
    assert ["282 / 280", True] in js["signed"]


@needs_node
def test_counter_without_signature_counts_the_text_alone(js):
    assert js["plain"] == [[f"{composer.weighted_length(t)} / 280", composer.weighted_length(t) > 280] for t in TEXTS]


def server_refuses(body: str) -> bool:
    try:
        check_reply_text(body, SIGNATURE)
    except InvalidReply:
        return True
    return False


@needs_node
def test_browser_sees_an_invisible_reply_as_the_server_does(js):
    assert js["showsNothing"] == [composer.shows_nothing(body) for body in REPLY_BODIES]


@needs_node
def test_counter_marks_what_the_server_refuses_whatever_its_length(js):
    # An empty box is not refused yet, only not written; everything else as check_reply_text decides.
    expected = [body != "" and server_refuses(body) for body in REPLY_BODIES]
    assert js["refused"] == expected
    assert js["counterRefused"] == expected
    assert any(expected) and not all(expected)


def js_data(name: str) -> list[str]:
    found = re.search(rf"var {name} = `([^`]*)`;", SCRIPT.read_text(encoding="utf-8"))
    assert found, f"{name} not found in {SCRIPT}"
    return found[1].split()


def test_same_tld_lists_as_the_server():
    assert set(js_data("GENERIC_TLDS")) == GENERIC_TLDS
    assert set(js_data("COUNTRY_TLDS")) == COUNTRY_TLDS


def test_same_pictographs_as_the_server():
    assert js_data("PICTOGRAPHIC_RANGES") == composer.PICTOGRAPHIC_RANGES.split()


def test_same_invisible_characters_as_the_server():
    assert js_data("INVISIBLE_RANGES") == composer.INVISIBLE_RANGES.split()
