"""Create the demo desk of `make run`: queues, one account per role and two listening streams, all made through the
services.

Each service call is its own transaction, as in the desk; each step skips what exists, so a seed interrupted
part-way finishes on the next run.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import services
from accounts.models import Employee, Role
from guidelines import selectors as guidelines_selectors
from guidelines import services as guidelines
from inbox import approval_rules, configuration
from inbox.approval_reasons import DEFAULT_KEYWORDS, PersonalData
from inbox.models import ApprovalRuleSet, Department, Priority, Queue, ReplyTemplate, RoutingRule, ServiceLevel
from listening import services as listening
from listening.models import ListeningStream
from verification import guide as recognition
from verification import selectors as check_selectors
from verification import services as check_services

DEMO_PASSWORD = "replydesk-demo"
QUEUES = [
    ("General", "Questions that no rule routes elsewhere."),
    ("Orders & delivery", "Order status, delivery dates, shipping."),
    ("Returns & repairs", "Returns, exchanges, repairs and warranty."),
]
# Queues whose every reply waits for a supervisor's approval (four eyes), besides the approval rules below.
APPROVAL_QUEUES = {"Returns & repairs"}
# The company's own numbers, never a customer's personal data in a reply (the templates give the call centre's).
OWN_NUMBERS = "0120-000-000"
# (name, keywords, queue, priority), in the order they are tried: the first rule with a keyword in the question wins,
# so the narrower rules come first. Keywords match anywhere in the text, folded ("deliver" also finds "delivery",
# "return" "returned"). Payments come before orders because a payment question often quotes its order number (注文番号)
# and belongs in General all the same. tests/demo/test_demo_routing.py routes every question the simulated customers
# ask (demo/fake_x/customers.py).
RULES = [
    ("Broken or unsafe", "broken\nsmoke\nfire\n故障\n発火\n煙", "Returns & repairs", Priority.URGENT),
    (
        "Returns and repairs",
        "return\nrefund\nexchange\ndamaged\nrepair\nwarranty\n返品\n返金\n交換\n傷\n破損\n修理\n保証",
        "Returns & repairs",
        Priority.HIGH,
    ),
    (
        "Payments and points",
        "payment\ninstallment\nreceipt\nポイント\n支払\n払い\n領収書",
        "General",
        Priority.NORMAL,
    ),
    (
        "Orders and delivery",
        "order\ndeliver\nshipping\nshipped\ntracking\n注文\n配送\n配達\n届",
        "Orders & delivery",
        Priority.NORMAL,
    ),
]
# (title, text, queue name or None for every queue)
TEMPLATES = [
    (
        "Call centre (EN)",
        "Thank you for asking. This needs a closer look: please call our support centre at "
        "0120-000-000 (9:00-18:00) and we will help you right away.",
        None,
    ),
    (
        "コールセンター (JA)",
        "お問い合わせありがとうございます。詳しくお調べしますので、サポートセンター"
        "（0120-000-000、9時〜18時）までお電話ください。",
        None,
    ),
    ("Web FAQ (EN)", "Thank you! You will find the details here: https://example.com/support", None),
    ("配送状況 (JA)", "ご注文の配送状況はこちらでご確認いただけます：https://example.com/orders", "Orders & delivery"),
]
# Short service levels for every queue, so that the demo shows overdue questions and warnings within minutes:
# (priority, answer within, warn supervisors after), in minutes.
SERVICE_LEVELS = [(Priority.URGENT, 2, 4), (Priority.HIGH, 4, 8), (Priority.NORMAL, 6, 12), (Priority.LOW, 10, 20)]
# (number, e-mail, role or None for a pending sign-up, queue names)
PEOPLE = [
    ("S001", "supervisor@example.com", Role.SUPERVISOR, ["General", "Orders & delivery", "Returns & repairs"]),
    ("E001", "employee1@example.com", Role.EMPLOYEE, ["General", "Orders & delivery"]),
    ("E002", "employee2@example.com", Role.EMPLOYEE, ["Returns & repairs"]),
    ("C001", "compliance@example.com", Role.COMPLIANCE, []),
    ("P001", "newcomer@example.com", None, []),
    # A member of the refunds team: no queue of their own, only what is escalated to the team.
    ("D001", "refunds@example.com", Role.EMPLOYEE, []),
]
# Departments questions are escalated to: (code, Japanese name, English name, kind, e-mail, acknowledgement ja/en).
DEPARTMENTS = [
    (
        "refunds",
        "返金チーム",
        "Refunds team",
        Department.Kind.IN_DESK,
        "",
        "返金担当より詳しくご案内いたします。DMでご注文番号をお知らせいただけますでしょうか。",
        "Our refunds team will take care of this. Could you send us your order number by DM?",
    ),
    (
        "consultation",
        "お客様相談室",
        "Customer consultation office",
        Department.Kind.OFF_DESK,
        "consultation@example.com",
        "詳しくお伺いしたく、お客様相談室（0120-000-000、平日9–17時）までお問い合わせください。",
        "We would like to hear more: please call our customer consultation office on 0120-000-000 (weekdays 9–17).",
    ),
]
DEPARTMENT_MEMBERS = {"D001": "refunds"}
# Listening streams on what people say about the company (demo/fake_x/customers.py COMPANY, TALK): (name, query,
# language, daily read budget, poll interval in minutes). The account's own posts ({account}) are left out; quotes of
# them are found (they name the company) and handed to the inbox. The fake X adds a post about the company about
# once a minute after a week's backlog, so a 2-minute poll shows hits within a minute or two of `make run`. The budgets
# (at most about $2.50 and $1.50 a day) last some 10 hours of a running demo; then the pages say the stream stopped
# for the day, its budget spent.
STREAMS = [
    ("レプリ電機の評判", "レプリ電機 -from:{account}", "ja", 500, 2),
    ("Repli Denki (English)", '"Repli Denki" -from:{account}', "en", 300, 2),
]
# The desk's social-media guidelines, version 1 (Markdown). E001, the supervisor and the refunds team's member accept
# them; E002 does not, so the demo shows an inbox that is read-only until its employee accepts them.
GUIDELINES_JA = """# X でお客様に返信するときのルール

私たちは会社の公式アカウントとして、誰でも読める場所で返信しています。一つひとつの返信が会社の言葉です。

## 書き方
- すべての返信に自分の署名（^E001 のような番号）が付きます。デスクが自動で付けるので、消さないでください。
- 丁寧に、短く、分かりやすく。お客様の言語（日本語または英語）で返信します。
- 分からないことは推測で答えず、「確認してご連絡します」と伝えて調べます。

## 書いてはいけないこと
- お客様の個人情報（氏名、住所、電話番号、注文番号など）を公開の返信に書かない。
- 個人情報が必要なときは、DM かサポートセンター（0120-000-000）へご案内します。
- 社外秘の情報、未発表の製品、社内の事情。
- 他社やほかのお客様への批判。

## 難しい場面
- **議論しない。** お客様が怒っていても、反論や皮肉で返さず、お詫びと次の一歩を伝えます。
- 苦情、ケガや発火など安全に関わる話、法的な話、報道関係者からの質問は、自分で答えずにエスカレーションします。
- 迷ったらスーパーバイザーに相談してから送ります。

## 最後に
送る前にもう一度読み返してください。公開した返信は、削除しても誰かが保存しているかもしれません。
"""
GUIDELINES_EN = """# How we answer customers on X

We write as the company's official account, in public, where anyone can read it. Every reply speaks for the company.

## How to write
- Every reply carries your signature (your number, such as ^E001). The desk adds it; do not remove it.
- Be polite, short and clear. Answer in the customer's language (Japanese or English).
- Never guess: if you do not know, say that you will find out, and do.

## Never write
- A customer's personal data (name, address, phone number, order number) in a public reply. Ask them to send it by DM
  or to call our support centre (0120-000-000).
- Confidential information, unannounced products, internal matters.
- Criticism of other companies or of other customers.

## Difficult moments
- **Never argue.** However angry the customer, do not answer back or be sarcastic: apologise and say what happens next.
- Complaints, anything about safety (injury, smoke, fire), legal matters and questions from the press are escalated,
  not answered by you.
- When in doubt, ask a supervisor before you send.

## Finally
Read your reply once more before you send it. A public reply may have been saved by someone even after it is deleted.
"""
GUIDELINES_ACCEPTED_BY = ["S001", "E001", "D001"]


class Command(BaseCommand):
    help = "Create demo queues and one account per role (skips what exists). For the embedded desk only."

    def handle(self, *args, **options):
        admin = Employee.objects.filter(employee_number="A001").first()
        if admin is None:
            admin = Employee.objects.create_superuser("A001", "admin@example.com", DEMO_PASSWORD)
        queues = {name: self._queue(name, description, admin) for name, description in QUEUES}
        if not ApprovalRuleSet.objects.exists():
            approval_rules.publish_rules(
                actor=admin,
                keywords="\n".join(DEFAULT_KEYWORDS),
                personal_data=[kind.value for kind in PersonalData],
                allowed=OWN_NUMBERS,
                first_replies=0,
            )
        for position, (name, keywords, queue_name, priority) in enumerate(RULES):
            if not RoutingRule.objects.filter(name=name).exists():
                rule = RoutingRule(
                    name=name, keywords=keywords, queue=queues[queue_name], priority=priority, position=position
                )
                configuration.save_setting(rule, actor=admin)
        for position, (title, text, queue_name) in enumerate(TEMPLATES):
            if not ReplyTemplate.objects.filter(title=title).exists():
                configuration.save_setting(
                    ReplyTemplate(title=title, body=text, queue=queues.get(queue_name), position=position), actor=admin
                )
        for priority, within, warn_after in SERVICE_LEVELS:
            if not ServiceLevel.objects.filter(queue__isnull=True, priority=priority).exists():
                configuration.save_service_level(
                    ServiceLevel(priority=priority, answer_within_minutes=within, warn_after_minutes=warn_after),
                    actor=admin,
                )
        departments = {row[0]: self._department(row, admin) for row in DEPARTMENTS}
        for number, email, role, queue_names in PEOPLE:
            self._person(number, email, role, [queues[name] for name in queue_names], admin)
        for number, code in DEPARTMENT_MEMBERS.items():
            services.join_department(Employee.objects.get(employee_number=number), departments[code], actor=admin)
        account = getattr(settings, "X_ACCOUNT_USERNAME", "") or "replydesk_support"  # scripts/run-desk.sh's
        for name, query, language, budget, interval in STREAMS:
            if not ListeningStream.objects.filter(name=name).exists():
                chosen = listening.StreamSettings(
                    name=name,
                    query=query.format(account=account),
                    language=language,
                    daily_read_budget=budget,
                    poll_interval_minutes=interval,
                )
                listening.create_stream(chosen, actor=admin)
        self._recognition_guide(account, admin)
        self._guidelines(admin)
        self._print_accounts()

    @staticmethod
    def _guidelines(admin: Employee) -> None:
        """Version 1 of the social-media guidelines, accepted by everyone who answers in the demo but E002."""
        if guidelines_selectors.current_version() is None:
            guidelines.publish_version(
                actor=admin,
                body_ja=GUIDELINES_JA,
                body_en=GUIDELINES_EN,
                summary="First version / 初版",
                requires_acknowledgement=True,
                based_on=0,
            )
        version = guidelines_selectors.current_version()
        for number in GUIDELINES_ACCEPTED_BY:
            guidelines.acknowledge(Employee.objects.get(employee_number=number), version.number)

    @staticmethod
    def _department(row: tuple, admin: Employee) -> Department:
        code, name_ja, name_en, kind, email, acknowledgement_ja, acknowledgement_en = row
        existing = Department.objects.filter(code=code).first()
        department = Department(
            code=code,
            name_ja=name_ja,
            name_en=name_en,
            kind=kind,
            email=email,
            acknowledgement_ja=acknowledgement_ja,
            acknowledgement_en=acknowledgement_en,
            accept_within_minutes=10,
            resolve_within_minutes=60,
        )
        return existing or configuration.save_setting(department, actor=admin)

    @staticmethod
    def _queue(name: str, description: str, admin: Employee) -> Queue:
        existing = Queue.objects.filter(name=name).first()
        queue = Queue(name=name, description=description, requires_approval=name in APPROVAL_QUEUES)
        return existing or configuration.save_setting(queue, actor=admin)

    @staticmethod
    def _person(number: str, email: str, role: Role | None, queues: list[Queue], admin: Employee) -> None:
        person = Employee.objects.filter(employee_number=number).first()
        if person is None:
            person = Employee(employee_number=number, email=email)
            person.set_password(DEMO_PASSWORD)
            services.register_employee(person)
        if role is not None and person.status == Employee.Status.PENDING:
            services.approve_employee(person, actor=admin, role=role, queues=queues)

    @staticmethod
    def _recognition_guide(account: str, admin: Employee) -> None:
        """The public check page's "how to recognise us" block, in the demo company's words."""
        if check_selectors.current_guide() is not None:
            return
        texts = recognition.default_texts()
        texts["official_accounts_ja"] = (
            f"@{account}（レプリ電機 サポート窓口）\n当社のサポートからの返信は、このアカウントからのみお送りします。"
            "公式アカウントの一覧は https://example.com/official-accounts に掲載しています。"
        )
        texts["official_accounts_en"] = (
            f"@{account} (Repli Denki support desk)\nReplies from our support come from this account only. Our "
            "official accounts are listed on https://example.com/official-accounts"
        )
        texts["report_fake_ja"] += "\nお電話でのご相談：0120-000-000（9時〜18時）"
        texts["report_fake_en"] += "\nOr call us on 0120-000-000 (9:00–18:00)."
        check_services.update_recognition_guide(actor=admin, texts=texts, based_on=0)

    def _print_accounts(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nDemo accounts (password for all: {DEMO_PASSWORD})"))
        rows = [("A001", "administrator")] + [(n, r.value if r else "pending sign-up") for n, _e, r, _q in PEOPLE]
        for number, role in rows:
            self.stdout.write(f"  {number:6} {role}")
        address = os.environ.get("ADDRESS", "127.0.0.1:8000")  # scripts/run-desk.sh's
        self.stdout.write(f"Sign in at http://{address}/accounts/login/ with the number and the password.\n")
