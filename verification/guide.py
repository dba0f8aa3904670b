"""What the "how to recognise us" block says before an administrator saved one, and which language a reader sees.

The defaults are written in both languages here rather than through the translation catalogue: the block holds
its Japanese and English side by side, an administrator edits each, and the edit page starts from these.
"""

from dataclasses import dataclass

from django.conf import settings

from .models import TOPICS, RecognitionGuide


def _handle() -> str:
    return f"@{settings.X_ACCOUNT_USERNAME}" if settings.X_ACCOUNT_USERNAME else ""


def _signature_example() -> str:
    return f"{settings.REPLY_SIGNATURE_PREFIX}{settings.EMPLOYEE_NUMBER_HINT}"


def default_texts() -> dict[str, str]:
    handle = _handle()
    prefix = settings.REPLY_SIGNATURE_PREFIX
    example = _signature_example()
    return {
        "official_accounts_ja": (
            f"{handle}（サポート窓口の公式アカウント）\nサポートからの返信は、このアカウントからのみお送りします。"
            if handle
            else "サポート窓口の公式アカウントは、当社ウェブサイトに掲載しています。"
        ),
        "official_accounts_en": (
            f"{handle} (our support desk's official account)\nReplies from our support come from this account only."
            if handle
            else "Our support desk's official account is listed on our web site."
        ),
        "how_we_sign_ja": (
            f"当社スタッフの返信の末尾には、{prefix} と社員番号が入ります（例：{example}）。"
            "名前で署名することはありません。番号はこのページで確かめられます。"
        ),
        "how_we_sign_en": (
            f"Every reply from our staff ends with {prefix} and the staff member's number, for example {example}. "
            "We never sign with names. You can check a number on this page."
        ),
        "never_ask_ja": (
            "パスワード、認証コード、クレジットカード番号やセキュリティコードをお尋ねすることはございません。"
            "当社から先にDMをお送りしたり、他のアプリやサイトへの移動やお支払いをお願いしたりすることもございません。"
        ),
        "never_ask_en": (
            "We never ask for your password, a verification code, your card number or its security code. We never "
            "send you a direct message first, and never ask you to pay or to move to another app or site."
        ),
        "report_fake_ja": (
            "返信したりリンクを開いたりせず、X で報告してください（相手のプロフィールの「…」→「報告」→"
            "なりすまし）。" + (f"あわせて {handle} 宛てにお知らせください。" if handle else "")
        ),
        "report_fake_en": (
            "Do not answer it or open its links. Report it on X: on its profile choose “…”, then Report, and say it "
            "pretends to be us." + (f" Then let us know by mentioning {handle}." if handle else "")
        ),
    }


@dataclass(frozen=True)
class Topic:
    label: str
    text: str


@dataclass(frozen=True)
class ShownGuide:
    """The block as one reader sees it: its topics in the reader's language (the other one where an administrator
    left a topic empty in theirs), and which saved version it is (0: the defaults)."""

    topics: list[Topic]
    report_fake: str
    version: int
    saved: RecognitionGuide | None


def shown(saved: RecognitionGuide | None, language: str) -> ShownGuide:
    texts = saved.texts() if saved is not None else default_texts()
    first, second = ("ja", "en") if language.startswith("ja") else ("en", "ja")
    chosen = {stem: texts[f"{stem}_{first}"].strip() or texts[f"{stem}_{second}"].strip() for stem, _label in TOPICS}
    return ShownGuide(
        topics=[Topic(str(label), chosen[stem]) for stem, label in TOPICS if chosen[stem]],
        report_fake=chosen["report_fake"],
        version=saved.version if saved is not None else 0,
        saved=saved,
    )
