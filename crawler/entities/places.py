"""Place names inside the names of languages and species, which name no place.

A model that "supports 119 languages" lists 南岛语系 (the Austronesian family), 巴厘岛语
(Balinese) and 上海话 (Shanghainese); a speech model lists the dialects it speaks. None of
them is news about Bali or Shanghai, so a place followed by a language word is not a mention:
in Chinese a suffix glued to the place (语, 话, 方言, 语系, ...), in English the next word
("Hong Kong Cantonese", "Shanghai dialect"). Species are named the same way (台湾猕猴, the
Formosan macaque; 北京雨燕, the common swift's Beijing subspecies): a short list of the animal
words that follow a place in them.

Words that merely start like a suffix are not one: 语音 ("speech"), 语言 ("language" as in
北京语言大学, a university), 话题 ("topic"), 话剧 ("drama").
"""

from __future__ import annotations

import re

_ZH_LANGUAGE = re.compile(
    r"(?:语系|语族|语支|方言|口音|土话|官话|话(?![剧题筒费语术务])|语(?![音言料义境录调气法速句汇种文]))"
)
_ZH_SPECIES = re.compile(
    r"(?:猿人|猕猴|黑熊|棕熊|雨燕|蓝鹊|白蛾|短毛猫|山羊|水牛|野猪|梅花鹿|鲟|鳄|虎(?![门口]))"
)
_EN_LANGUAGE = re.compile(
    r"[^\S\n]+(?:dialects?|languages?|Mandarin|Cantonese|Hokkien|Sign Language|creole)\b",
    re.IGNORECASE,
)


def names_no_place(text: str, end: int) -> bool:
    """Whether the place name ending at ``end`` is part of a language's or a species' name."""
    return bool(
        _ZH_LANGUAGE.match(text, end)
        or _ZH_SPECIES.match(text, end)
        or _EN_LANGUAGE.match(text, end)
    )
