"""Behavioural tests of the trained classifier: invariance, directional expectations, minimum functionality."""

import pytest

from models.classifier import document, predict

pytestmark = pytest.mark.model


def scores(model, title, text=""):
    (p,) = predict(model.pipeline, [document(title, text)], model.topics)
    return p


INVARIANCE = [
    ("وزير الخارجية السعودي يستقبل نظيره الأردني في الرياض", "وَزِيرُ الخَارِجِيَّةِ السُّعُودِيُّ يَسْتَقْبِلُ نَظِيرَهُ الأُرْدُنِيَّ فِي الرِّيَاضِ"),
    ("مجلس الأمن يعقد جلسة طارئة بشأن السودان", "مجلــس الأمـــن يعقد جلسة طارئة بشأن السودان"),
    ("إعلان هدنة إنسانية في غزة لمدة أسبوع", "اعلان هدنة انسانية في غزة لمدة اسبوع"),
    ("تركيا تفرض عقوبات على شركات إسرائيلية", "تركيا تفرض عقوبات على شركات إسرائيلية!!"),
    ("ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية", "«ارتفاع أسعار النفط» مع تراجع المخزونات الأمريكية..."),
    ("السفارة تدعو رعاياها إلى مغادرة البلاد فوراً", "السفارة تدعو رعاياها إلى مغادرة البلاد فورا"),
]


@pytest.mark.parametrize(("plain", "variant"), INVARIANCE)
def test_invariance_to_diacritics_tatweel_hamza_and_punctuation(champion, plain, variant):
    assert scores(champion, plain).topic == scores(champion, variant).topic


def test_directional_ceasefire_sentence_moves_toward_mediation(champion):
    title = "وزير الخارجية القطري يلتقي نظيره المصري في الدوحة"
    base = scores(champion, title, "بحث الوزيران العلاقات الثنائية وسبل تعزيزها.")
    more = scores(
        champion,
        title,
        "بحث الوزيران العلاقات الثنائية وسبل تعزيزها. وتناول اللقاء جهود الوساطة للتوصل إلى وقف لإطلاق النار وتبادل الأسرى.",
    )
    assert more.scores["mediation_peace"] > base.scores["mediation_peace"]


def test_directional_aid_sentence_moves_toward_humanitarian(champion):
    title = "الأمم المتحدة تحذر من تدهور الأوضاع في السودان"
    base = scores(champion, title, "قال مسؤول أممي إن الوضع يزداد سوءا.")
    more = scores(
        champion,
        title,
        "قال مسؤول أممي إن الوضع يزداد سوءا، مع وصول قوافل الإغاثة والمساعدات الغذائية إلى النازحين في المخيمات.",
    )
    assert more.scores["humanitarian_aid"] > base.scores["humanitarian_aid"]


def test_directional_sport_sentence_moves_toward_other(champion):
    title = "مصر والسعودية"
    base = scores(champion, title, "اتصال هاتفي بين وزيري الخارجية.")
    more = scores(champion, title, "مباراة ودية بين المنتخبين في كرة القدم على ملعب القاهرة الدولي بحضور الجماهير.")
    assert more.scores["other"] > base.scores["other"]


MFT = {
    "bilateral_relations": [
        "ولي العهد يتلقى اتصالاً هاتفياً من الرئيس الفرنسي",
        "سفير اليابان الجديد يقدم أوراق اعتماده إلى أمير الكويت",
        "الرئيس التونسي يستقبل وزير الخارجية الجزائري",
    ],
    "multilateral_diplomacy": [
        "انطلاق أعمال القمة العربية في بغداد",
        "الجمعية العامة للأمم المتحدة تصوت على مشروع قرار",
        "وزراء خارجية مجلس التعاون الخليجي يعقدون اجتماعهم الدوري",
    ],
    "conflict_security": [
        "غارات جوية تستهدف مواقع في ريف إدلب",
        "مقتل خمسة جنود في هجوم بطائرة مسيرة",
        "الدفاعات الجوية تعترض صاروخا باليستيا",
    ],
    "mediation_peace": [
        "إعلان وقف إطلاق النار في السودان برعاية سعودية أمريكية",
        "جولة جديدة من مفاوضات السلام في الدوحة",
        "تبادل الأسرى بين روسيا وأوكرانيا بوساطة إماراتية",
    ],
    "economic_diplomacy": [
        "توقيع اتفاقية تجارة حرة بين دول الخليج والمملكة المتحدة",
        "اللجنة الاقتصادية المشتركة بين مصر والأردن تعقد دورتها العاشرة",
        "أوبك+ تتفق على تمديد خفض الإنتاج حتى نهاية العام",
    ],
    "humanitarian_aid": [
        "مركز الملك سلمان للإغاثة يوزع سلالا غذائية في اليمن",
        "وصول قافلة مساعدات إنسانية إلى النازحين في دارفور",
        "الأونروا تحذر من نفاد الغذاء في مخيمات اللاجئين",
    ],
    "disputes_sanctions": [
        "واشنطن تفرض عقوبات جديدة على طهران",
        "الجزائر تستدعي سفيرها لدى فرنسا للتشاور",
        "الخارجية تستدعي السفير وتسلمه مذكرة احتجاج",
    ],
    "consular_affairs": [
        "السفارة تدعو المواطنين إلى تجنب السفر إلى لبنان",
        "إلغاء التأشيرة بين البلدين اعتبارا من الشهر المقبل",
        "إجلاء 300 مواطن من السودان عبر ميناء بورتسودان",
    ],
    "international_law_rights": [
        "محكمة العدل الدولية تصدر تدابير مؤقتة في قضية الإبادة",
        "المحكمة الجنائية الدولية تصدر مذكرة توقيف",
        "مجلس حقوق الإنسان يعتمد قرارا بتشكيل لجنة تحقيق دولية",
    ],
    "other": [
        "ارتفاع أسعار الذهب في السوق المحلية",
        "المنتخب الوطني يتأهل إلى نهائيات كأس العالم",
        "توقعات بأمطار غزيرة على المناطق الشمالية",
    ],
}


@pytest.mark.parametrize(("topic", "headline"), [(t, h) for t, hs in MFT.items() for h in hs])
def test_minimum_functionality_on_short_headlines(champion, topic, headline):
    result = scores(champion, headline)
    top3 = sorted(result.scores, key=result.scores.get, reverse=True)[:3]
    assert topic in top3, (topic, result.topic, top3)


def test_minimum_functionality_accuracy_on_headlines(champion):
    pairs = [(t, h) for t, hs in MFT.items() for h in hs]
    correct = sum(scores(champion, h).topic == t for t, h in pairs)
    assert correct / len(pairs) >= 0.7, f"{correct}/{len(pairs)} headlines classified right"
