"""Language codes Wikibase accepts for terms and monolingual text, and the fallback chains.

The codes are MediaWiki's known language names (``includes/languages/data/Names.php``) plus the
few extra term languages Wikibase/Wikidata accept; a code outside the list is refused the way the
recorded wiki refused ``xx-nonexistent`` (``not-recognized-language``) and ``fr-ca``
(``Unrecognized value for parameter "languages"``).
"""

from __future__ import annotations

_NAMES = """
aa aae ab abs ace acf acm ady ady-cyrl aeb aeb-arab aeb-latn af aln als alt am ami an ang ann anp
apc ar arc arn arq ary arz as ase ast atj av avk awa ay az azb ba ban ban-bali bar bat-smg bbc
bbc-latn bcc bci bcl bdr be be-tarask be-x-old bew bg bgc bgn bh bho bi bjn blk bm bn bo bpy bqi br
brh bs btm bto bug bxr ca cbk-zam ccp cdo ce ceb ch chn cho chr chy ckb co cps cpx cpx-hans
cpx-hant cpx-latn cr crh crh-cyrl crh-latn crh-ro cs csb cu cv cy da dag de de-at de-ch de-formal
dga din diq dsb dtp dty dv dz ee efi egl el eml en en-ca en-gb en-x-piglatin eo es es-419
es-formal et eu ext fa fat ff fi fit fiu-vro fj fo fon fr frc frp frr fur fy ga gaa gag gan
gan-hans gan-hant gcf gcr gd gl gld glk gn gom gom-deva gom-latn gor got gpe grc gsw gu guc gur guw
gv ha hak hak-hans hak-hant hak-latn haw he hi hif hif-latn hil hno ho hr hrx hsb hsn ht hu
hu-formal hy hyw hz ia iba ibb id ie ig igl ii ik ike-cans ike-latn ilo inh io is isv-latn it iu
ja jam jbo jut jv ka kaa kab kai kbd kbd-cyrl kbp kcg kea kg kge khw ki kiu kj kjh kjp kk kk-arab
kk-cn kk-cyrl kk-kz kk-latn kk-tr kl km kn ko ko-kp koi kr krc kri krj krl ks ks-arab ks-deva ksh
ksw ku ku-arab ku-latn kum kus kv kw ky la lad lb lbe lez lfn lg li lij liv lki lld lmo ln lo loz
lrc lt ltg lus luz lv lzh lzz mad mag mai map-bms mdf mg mh mhr mi min mk ml mn mnc mnc-latn
mnc-mong mni mnw mo mos mr mrh mrj ms ms-arab mt mui mus mwl my myv mzn na nah nan nan-hant
nan-latn-pehoeji nan-latn-tailo nap nb nds nds-nl ne new ng nia nit niu nl nl-informal nmz nn no
nod nog nov nqo nrm nso nup nv ny nyn nyo nys oc ojb olo om or os pa pag pam pap pcd pcm pdc pdt
pfl pi pih pl pms pnb pnt prg ps pt pt-br pwn qu qug rgn rif rki rm rmc rmy rn ro roa-rup
roa-tara rsk ru rue rup ruq ruq-cyrl ruq-latn rut rw ryu sa sah sat sc scn sco sd sdc sdh se se-fi
se-no se-se sei ses sg sgs sh sh-cyrl sh-latn shi shi-latn shi-tfng shn shy shy-latn si simple sjd
sje sk skr skr-arab sl sli sm sma smn sms sn so sq sr sr-ec sr-el srn sro ss st stq sty su sv sw
syl szl szy ta tay tcy tdd te tet tg tg-cyrl tg-latn th ti tk tl tly tly-cyrl tn to tok tpi tr tru
trv ts tt tt-cyrl tt-latn ttj tum tw ty tyv tzm udm ug ug-arab ug-latn uk ur uz uz-cyrl uz-latn ve
vec vep vi vls vmf vmw vo vot vro wa wal war wls wo wuu wuu-hans wuu-hant xal xh xmf xsy yi yo yrl
yue yue-hans yue-hant za zea zgh zgh-latn zh zh-classical zh-cn zh-hans zh-hant zh-hk zh-min-nan
zh-mo zh-my zh-sg zh-tw zh-yue zu
"""
# Term languages Wikibase adds to MediaWiki's (WikibaseContentLanguages), incl. Wikidata's ``mul``.
_WIKIBASE_EXTRA = "mul und zxx mis en-us sr-cyrl sr-latn de-1901 sv-fi nrf ryu-latn"

KNOWN_LANGUAGES: frozenset[str] = frozenset((_NAMES + " " + _WIKIBASE_EXTRA).split())

# MediaWiki's fallback languages (Messages*.php $fallback) for the codes this project meets;
# every chain then ends with ``mul`` and ``en`` as Wikidata's does.
_FALLBACK: dict[str, tuple[str, ...]] = {
    "frc": ("fr",), "frp": ("fr",), "wa": ("fr",), "br": ("fr",), "oc": ("fr",), "co": ("it",),
    "pcd": ("fr",), "nrm": ("fr",), "gcf": ("fr",), "ht": ("fr",), "lb": ("de",), "gsw": ("de",),
    "de-at": ("de",), "de-ch": ("de",), "de-formal": ("de",), "ksh": ("de",), "bar": ("de",),
    "pt-br": ("pt",), "es-419": ("es",), "es-formal": ("es",), "en-ca": ("en",), "en-gb": ("en",),
    "nl-informal": ("nl",), "li": ("nl",), "vls": ("nl",), "zea": ("nl",), "nb": ("no",), "nn": ("no", "nb"),
    "zh-hans": ("zh",), "zh-hant": ("zh",), "zh-cn": ("zh-hans", "zh"), "zh-tw": ("zh-hant", "zh"),
    "zh-hk": ("zh-hant", "zh"), "sr-ec": ("sr",), "sr-el": ("sr",), "ca": ("oc",), "eu": ("es",),
    "gl": ("pt",), "ast": ("es",), "an": ("es",), "ext": ("es",), "scn": ("it",), "vec": ("it",),
    "lij": ("it",), "pms": ("it",), "nap": ("it",), "sc": ("it",), "fur": ("it",),
}


def is_known_language(code: str) -> bool:
    return code in KNOWN_LANGUAGES


def fallback_chain(code: str) -> list[str]:
    """``code`` first, then MediaWiki's fallbacks, then ``mul`` and ``en`` (no duplicates)."""
    chain = [code, *_FALLBACK.get(code, ())]
    if "-" in code and code.split("-", 1)[0] not in chain:
        chain.append(code.split("-", 1)[0])
    for last in ("mul", "en"):
        if last not in chain:
            chain.append(last)
    return chain
