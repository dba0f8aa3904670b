/*
 * The counter under the reply box: the weighted length X gives a post (twitter-text v3).
 *
 * Same rules as inbox/composer.py, which the server enforces, so that the number shown is the number the server
 * checks: text normalised to NFC and "\r\n" to "\n"; a URL weighs 23, bare domains with a known TLD included; an
 * emoji weighs 2 however many code points make it; other code points weigh 1 in U+0000-U+10FF, U+2000-U+200D,
 * U+2010-U+201F, U+2032-U+2037 and 2 elsewhere. The URL rules, TLD lists and pictograph ranges are copies of the
 * Python ones, so that browser and server agree whatever Unicode version the browser has. Change both together;
 * tests/inbox/test_composer_js.py runs the two on the same texts.
 *
 * Markup: <textarea id="reply-body" data-weighted-limit="280" data-signature="^E042"> and an element
 * data-weighted-counter-for="reply-body", which gets "used / limit" and the class "over" past the limit. The
 * signature is counted the way the server sends it: reply text without trailing blanks, a line break, signature.
 * The counter also gets the class "refused" when something typed is a reply the server refuses whatever its length
 * (inbox.services.check_reply_text): one that shows nothing (only blanks, zero-width or direction marks: the
 * INVISIBLE_RANGES of inbox/composer.py, copied here), or one holding U+FFFD, the mark of damaged text.
 *
 * TLD lists: twitter-text, Copyright 2011 Twitter, Inc., Apache License 2.0 (see inbox/tlds.py).
 * Pictographs: Extended_Pictographic from Unicode 17.0 emoji-data.txt, Unicode License v3.
 */
(function () {
  "use strict";

  var GENERIC_TLDS = `
aaa aarp abarth abb abbott abbvie abc able abogado abudhabi academy accenture accountant accountants aco active actor
adac ads adult aeg aero aetna afamilycompany afl africa agakhan agency aig aigo airbus airforce airtel akdn alfaromeo
alibaba alipay allfinanz allstate ally alsace alstom americanexpress americanfamily amex amfam amica amsterdam
analytics android anquan anz aol apartments app apple aquarelle arab aramco archi army arpa art arte asda asia
associates athleta attorney auction audi audible audio auspost author auto autos avianca aws axa azure baby baidu
banamex bananarepublic band bank bar barcelona barclaycard barclays barefoot bargains baseball basketball bauhaus
bayern bbc bbt bbva bcg bcn beats beauty beer bentley berlin best bestbuy bet bharti bible bid bike bing bingo bio biz
black blackfriday blanco blockbuster blog bloomberg blue bms bmw bnl bnpparibas boats boehringer bofa bom bond boo
book booking boots bosch bostik boston bot boutique box bradesco bridgestone broadway broker brother brussels budapest
bugatti build builders business buy buzz bzh cab cafe cal call calvinklein cam camera camp cancerresearch canon
capetown capital capitalone car caravan cards care career careers cars cartier casa case caseih cash casino cat
catering catholic cba cbn cbre cbs ceb center ceo cern cfa cfd chanel channel charity chase chat cheap chintai chloe
christmas chrome chrysler church cipriani circle cisco citadel citi citic city cityeats claims cleaning click clinic
clinique clothing cloud club clubmed coach codes coffee college cologne com comcast commbank community company compare
computer comsec condos construction consulting contact contractors cooking cookingchannel cool coop corsica country
coupon coupons courses cpa credit creditcard creditunion cricket crown crs cruise cruises csc cuisinella cymru cyou
dabur dad dance data date dating datsun day dclk dds deal dealer deals degree delivery dell deloitte delta democrat
dental dentist desi design dev dhl diamonds diet digital direct directory discount discover dish diy dnp docs doctor
dodge dog doha domains doosan dot download drive dtv dubai duck dunlop duns dupont durban dvag dvr earth eat eco edeka
edu education email emerck energy engineer engineering enterprises epost epson equipment ericsson erni esq estate
esurance etisalat eurovision eus events everbank exchange expert exposed express extraspace fage fail fairwinds faith
family fan fans farm farmers fashion fast fedex feedback ferrari ferrero fiat fidelity fido film final finance
financial fire firestone firmdale fish fishing fit fitness flickr flights flir florist flowers flsmidth fly foo food
foodnetwork football ford forex forsale forum foundation fox free fresenius frl frogans frontdoor frontier ftr fujitsu
fujixerox fun fund furniture futbol fyi gal gallery gallo gallup game games gap garden gay gbiz gdn gea gent genting
george ggee gift gifts gives giving glade glass gle global globo gmail gmbh gmo gmx godaddy gold goldpoint golf goo
goodhands goodyear goog google gop got gov grainger graphics gratis green gripe grocery group guardian gucci guge
guide guitars guru hair hamburg hangout haus hbo hdfc hdfcbank health healthcare help helsinki here hermes hgtv hiphop
hisamitsu hitachi hiv hkt hockey holdings holiday homedepot homegoods homes homesense honda honeywell horse hospital
host hosting hot hoteles hotels hotmail house how hsbc htc hughes hyatt hyundai ibm icbc ice icu ieee ifm iinet ikano
imamat imdb immo immobilien inc industries infiniti info ing ink institute insurance insure int intel international
intuit investments ipiranga irish iselect ismaili ist istanbul itau itv iveco iwc jaguar java jcb jcp jeep jetzt
jewelry jio jlc jll jmp jnj jobs joburg jot joy jpmorgan jprs juegos juniper kaufen kddi kerryhotels kerrylogistics
kerryproperties kfh kia kim kinder kindle kitchen kiwi koeln komatsu kosher kpmg kpn krd kred kuokgroup kyoto lacaixa
ladbrokes lamborghini lamer lancaster lancia lancome land landrover lanxess lasalle lat latino latrobe law lawyer lds
lease leclerc lefrak legal lego lexus lgbt liaison lidl life lifeinsurance lifestyle lighting like lilly limited limo
lincoln linde link lipsy live living lixil llc llp loan loans locker locus loft lol london lotte lotto love lpl
lplfinancial ltd ltda lundbeck lupin luxe luxury macys madrid maif maison makeup man management mango map market
marketing markets marriott marshalls maserati mattel mba mcd mcdonalds mckinsey med media meet melbourne meme memorial
men menu meo merckmsd metlife miami microsoft mil mini mint mit mitsubishi mlb mls mma mobi mobile mobily moda moe moi
mom monash money monster montblanc mopar mormon mortgage moscow moto motorcycles mov movie movistar msd mtn mtpc mtr
museum mutual mutuelle nab nadex nagoya name nationwide natura navy nba nec net netbank netflix network neustar new
newholland news next nextdirect nexus nfl ngo nhk nico nike nikon ninja nissan nissay nokia northwesternmutual norton
now nowruz nowtv nra nrw ntt nyc obi observer off office okinawa olayan olayangroup oldnavy ollo omega one ong onion
onl online onyourside ooo open oracle orange org organic orientexpress origins osaka otsuka ott ovh page pamperedchef
panasonic panerai paris pars partners parts party passagens pay pccw pet pfizer pharmacy phd philips phone photo
photography photos physio piaget pics pictet pictures pid pin ping pink pioneer pizza place play playstation plumbing
plus pnc pohl poker politie porn post pramerica praxi press prime pro prod productions prof progressive promo
properties property protection pru prudential pub pwc qpon quebec quest qvc racing radio raid read realestate realtor
realty recipes red redstone redumbrella rehab reise reisen reit reliance ren rent rentals repair report republican
rest restaurant review reviews rexroth rich richardli ricoh rightathome ril rio rip rmit rocher rocks rodeo rogers
room rsvp rugby ruhr run rwe ryukyu saarland safe safety sakura sale salon samsclub samsung sandvik sandvikcoromant
sanofi sap sapo sarl sas save saxo sbi sbs sca scb schaeffler schmidt scholarships school schule schwarz science
scjohnson scor scot search seat secure security seek select sener services ses seven sew sex sexy sfr shangrila sharp
shaw shell shia shiksha shoes shop shopping shouji show showtime shriram silk sina singles site ski skin sky skype
sling smart smile sncf soccer social softbank software sohu solar solutions song sony soy space spiegel sport spot
spreadbetting srl srt stada staples star starhub statebank statefarm statoil stc stcgroup stockholm storage store
stream studio study style sucks supplies supply support surf surgery suzuki swatch swiftcover swiss sydney symantec
systems tab taipei talk taobao target tatamotors tatar tattoo tax taxi tci tdk team tech technology tel telecity
telefonica temasek tennis teva thd theater theatre tiaa tickets tienda tiffany tips tires tirol tjmaxx tjx tkmaxx
tmall today tokyo tools top toray toshiba total tours town toyota toys trade trading training travel travelchannel
travelers travelersinsurance trust trv tube tui tunes tushu tvs ubank ubs uconnect unicom university uno uol ups
vacations vana vanguard vegas ventures verisign versicherung vet viajes video vig viking villas vin vip virgin visa
vision vista vistaprint viva vivo vlaanderen vodka volkswagen volvo vote voting voto voyage vuelos wales walmart
walter wang wanggou warman watch watches weather weatherchannel webcam weber website wed wedding weibo weir whoswho
wien wiki williamhill win windows wine winners wme wolterskluwer woodside work works world wow wtc wtf xbox xerox
xfinity xihuan xin xperia xxx xyz yachts yahoo yamaxun yandex yodobashi yoga yokohama you youtube yun zappos zara zero
zip zippo zone zuerich vermögensberater vermögensberatung дети католик ком москва онлайн орг рус сайт קום ابوظبي
اتصالات ارامكو العليان بازار بيتك شبكة عرب كاثوليك كوم موبايلي موقع همراه कॉम नेट संगठन คอม みんな クラウド グーグル
コム ストア セール ファッション ポイント 世界 中信 中文网 企业 佛山 信息 健康 八卦 公司 公益 商城 商店 商标 嘉里
嘉里大酒店 在线 大众汽车 大拿 天主教 娱乐 家電 工行 广东 微博 慈善 我爱你 手机 手表 招聘 政务 政府 新闻 时尚 書籍 机构
淡马锡 游戏 点看 珠宝 移动 组织机构 网址 网店 网站 网络 联通 诺基亚 谷歌 购物 通販 集团 電訊盈科 飞利浦 食品 餐厅
香格里拉 닷넷 닷컴 삼성
`;
  var COUNTRY_TLDS = `
ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz
ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et eu fi fj fk fm fo fr
ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp
ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt
mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw
sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz
ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw ελ ευ бг бел ею мкд мон рф срб укр қаз հայ الاردن
البحرين الجزائر السعودية المغرب امارات ایران بارت بھارت تونس سودان سورية عراق عمان فلسطين قطر مصر مليسيا موريتانيا
پاکستان ڀارت भारत भारतम् भारोत বাংলা ভারত ভাৰত ਭਾਰਤ ભારત ଭାରତ இந்தியா இலங்கை சிங்கப்பூர் భారత్ ಭಾರತ ഭാരതം ලංකා ไทย ລາວ
გე 中国 中國 台湾 台灣 新加坡 澳門 香港 한국
`;
  var PICTOGRAPHIC_RANGES = `
a9 ae 203c 2049 2122 2139 2194-2199 21a9-21aa 231a-231b 2328 23cf 23e9-23f3 23f8-23fa 24c2 25aa-25ab 25b6 25c0
25fb-25fe 2600-2604 260e 2611 2614-2615 2618 261d 2620 2622-2623 2626 262a 262e-262f 2638-263a 2640 2642
2648-2653 265f-2660 2663 2665-2666 2668 267b 267e-267f 2692-2697 2699 269b-269c 26a0-26a1 26a7 26aa-26ab
26b0-26b1 26bd-26be 26c4-26c5 26c8 26ce-26cf 26d1 26d3-26d4 26e9-26ea 26f0-26f5 26f7-26fa 26fd 2702 2705
2708-270d 270f 2712 2714 2716 271d 2721 2728 2733-2734 2744 2747 274c 274e 2753-2755 2757 2763-2764 2795-2797
27a1 27b0 27bf 2934-2935 2b05-2b07 2b1b-2b1c 2b50 2b55 3030 303d 3297 3299 1f004 1f02c-1f02f 1f094-1f09f
1f0af-1f0b0 1f0c0 1f0cf-1f0d0 1f0f6-1f0ff 1f170-1f171 1f17e-1f17f 1f18e 1f191-1f19a 1f1ae-1f1e5 1f201-1f20f
1f21a 1f22f 1f232-1f23a 1f23c-1f23f 1f249-1f25f 1f266-1f321 1f324-1f393 1f396-1f397 1f399-1f39b 1f39e-1f3f0
1f3f3-1f3f5 1f3f7-1f3fa 1f400-1f4fd 1f4ff-1f53d 1f549-1f54e 1f550-1f567 1f56f-1f570 1f573-1f57a 1f587
1f58a-1f58d 1f590 1f595-1f596 1f5a4-1f5a5 1f5a8 1f5b1-1f5b2 1f5bc 1f5c2-1f5c4 1f5d1-1f5d3 1f5dc-1f5de 1f5e1
1f5e3 1f5e8 1f5ef 1f5f3 1f5fa-1f64f 1f680-1f6c5 1f6cb-1f6d2 1f6d5-1f6e5 1f6e9 1f6eb-1f6f0 1f6f3-1f6ff
1f7da-1f7ff 1f80c-1f80f 1f848-1f84f 1f85a-1f85f 1f888-1f88f 1f8ae-1f8af 1f8bc-1f8bf 1f8c2-1f8cf 1f8d9-1f8ff
1f90c-1f93a 1f93c-1f945 1f947-1f9ff 1fa58-1fa5f 1fa6e-1faff 1fc00-1fffd
`;
  var INVISIBLE_RANGES = `
0-20 7f-a0 ad 34f 61c 115f-1160 1680 17b4-17b5 180b-180f 2000-200f 2028-202f 205f-206f 2800 3000 3164 fe00-fe0f feff
ffa0 fff0-fffb 13430-1343f 1bca0-1bca3 1d173-1d17a e0000-e0fff
`;

  var DEFAULT_LIMIT = 280;
  var URL_WEIGHT = 23;
  var EMOJI_WEIGHT = 2;
  var LIGHT_RANGES = [
    [0x0000, 0x10ff],
    [0x2000, 0x200d],
    [0x2010, 0x201f],
    [0x2032, 0x2037],
  ];
  var FORBIDDEN = /[\ufffe\ufeff\uffff]/u;

  // --- URLs: see the comments in inbox/composer.py for why each piece is as it is. ---
  var PUNCTUATION_BUT_HYPHEN_UNDERSCORE = String.raw`!#$%&'()*+,./:;<=>?@\[\\\]\^{|}~`;
  var SPACES = String.raw`\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
  var FORBIDDEN_CLASS = String.raw`\ufffe\ufeff\uffff`;
  var DIRECTIONAL_MARKS = String.raw`\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069`;
  var LATIN_ACCENTS =
    String.raw`\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272` +
    String.raw`\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff`;
  var CYRILLIC = String.raw`\u0400-\u04ff`;

  var NOT_IN_DOMAIN = PUNCTUATION_BUT_HYPHEN_UNDERSCORE + SPACES + FORBIDDEN_CLASS + DIRECTIONAL_MARKS;
  var DOMAIN_CHAR = String.raw`[^\-_` + NOT_IN_DOMAIN + "]";
  var SUBDOMAIN = DOMAIN_CHAR + "(?:[^" + NOT_IN_DOMAIN + "]*" + DOMAIN_CHAR + ")?\\.";
  var DOMAIN_NAME = DOMAIN_CHAR + "(?:[^_" + NOT_IN_DOMAIN + "]*" + DOMAIN_CHAR + ")?\\.";
  var TLD = "(?:" + triePattern(words(GENERIC_TLDS).concat(words(COUNTRY_TLDS))) + "(?=[^0-9a-zA-Z@+-]|$)|[xX][nN]--[0-9a-zA-Z-]+)";
  var DOMAIN = "(?:(?:" + SUBDOMAIN + "){0,125}" + DOMAIN_NAME + TLD + ")";

  var PATH_CHAR = "[a-zA-Z" + CYRILLIC + String.raw`0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&` + LATIN_ACCENTS + "]";
  var PARENTHESISED =
    String.raw`\((?:` + PATH_CHAR + "+|" + PATH_CHAR + String.raw`*\(` + PATH_CHAR + String.raw`+\)` + PATH_CHAR + "*)\\)";
  var PATH_END = "(?:[+\\-a-zA-Z" + CYRILLIC + "0-9=_#/" + LATIN_ACCENTS + "]|" + PARENTHESISED + ")";
  var PATH_SEGMENT =
    "(?:" + PATH_CHAR + "*(?:" + PARENTHESISED + PATH_CHAR + "*)*" + PATH_END + "|@" + PATH_CHAR + "+/)";
  var QUERY_CHAR = String.raw`[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]`;
  var QUERY_END = String.raw`[a-zA-Z0-9\-_&=#/]`;

  // Groups: 1 before, 2 url, 3 protocol, 4 domain, 5 path.
  var URL_RE = new RegExp(
    "([^A-Za-z0-9@＠$#＃" + FORBIDDEN_CLASS + "]|^)" +
      "(([hH][tT][tT][pP][sS]?:\\/\\/)?(" + DOMAIN + ")(?::[0-9]+)?" +
      "(\\/" + PATH_SEGMENT + "*)?(?:\\?" + QUERY_CHAR + "*" + QUERY_END + ")?)",
    "gu"
  );
  var ASCII_DOMAIN_RE = new RegExp("(?:[-a-zA-Z0-9" + LATIN_ACCENTS + "]+\\.)+" + TLD, "gu");
  var TCO_URL_RE = new RegExp(
    "^[hH][tT][tT][pP][sS]?:\\/\\/[tT]\\.[cC][oO]\\/([a-zA-Z0-9]+)(?:\\?" + QUERY_CHAR + "*" + QUERY_END + ")?",
    "u"
  );
  var MAX_TCO_SLUG = 40;
  var MAX_URL_UTF16 = 4096;
  var MAX_LABEL = 63;
  var NOT_BEFORE_BARE_DOMAIN = "-_./";
  var LABEL_SEPARATORS = /[.\u3002\uff0e\uff61]/u;

  // --- Emoji ---
  var PICTOGRAPH = "[" + classFromHexRanges(PICTOGRAPHIC_RANGES) + "]";
  var EMOJI_ELEMENT = PICTOGRAPH + String.raw`[\ufe0f\u{1f3fb}-\u{1f3ff}]?(?:[\u{e0020}-\u{e007e}]+\u{e007f})?`;
  var EMOJI_RE = new RegExp(
    String.raw`[#*0-9]\ufe0f?\u20e3|[\u{1f1e6}-\u{1f1ff}]{2}|` + EMOJI_ELEMENT + "(?:\\u200d" + EMOJI_ELEMENT + ")*",
    "uy"
  );

  // --- What a reply must show ---
  var INVISIBLE_RE = new RegExp("^[" + classFromHexRanges(INVISIBLE_RANGES) + "]*$", "u");
  var REPLACEMENT_CHARACTER = "\ufffd";

  // Python's str.rstrip(): its whitespace, not JavaScript's (which has U+FEFF but not U+001C-U+001F, U+0085).
  var TRAILING_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;

  function words(text) {
    return text.split(/\s+/).filter(Boolean);
  }

  function escapeRegExp(text) {
    return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }

  // Both cases spelt out, no "i" flag: it folds a few letters (ı, İ, ſ, K) differently from Python.
  function anyCase(char) {
    var upper = char.toUpperCase();
    return upper !== char && upper.length === 1 ? "[" + char + upper + "]" : escapeRegExp(char);
  }

  function triePattern(list) {
    var children = new Map();
    var terminal = false;
    list.forEach(function (word) {
      if (!word) {
        terminal = true;
        return;
      }
      var first = String.fromCodePoint(word.codePointAt(0));
      if (!children.has(first)) children.set(first, []);
      children.get(first).push(word.slice(first.length));
    });
    var branches = Array.from(children.keys())
      .sort()
      .map(function (first) {
        return anyCase(first) + triePattern(children.get(first));
      });
    if (!terminal) return branches.length === 1 ? branches[0] : "(?:" + branches.join("|") + ")";
    if (!branches.length) return "";
    return (branches.length === 1 && branches[0].length === 1 ? branches[0] : "(?:" + branches.join("|") + ")") + "?";
  }

  function classFromHexRanges(ranges) {
    return words(ranges)
      .map(function (item) {
        return item
          .split("-")
          .map(function (hex) {
            return "\\u{" + hex + "}";
          })
          .join("-");
      })
      .join("");
  }

  function normalize(text) {
    return text.normalize("NFC").replace(/\r\n/g, "\n");
  }

  function characterWeight(codePoint) {
    for (var i = 0; i < LIGHT_RANGES.length; i++) {
      if (codePoint >= LIGHT_RANGES[i][0] && codePoint <= LIGHT_RANGES[i][1]) return 1;
    }
    return 2;
  }

  // RFC 3492 encoding; only its length matters, for the 63-character limit on a DNS label.
  function punycode(label) {
    var base = 36, tMin = 1, tMax = 26;
    var codePoints = Array.from(label, function (char) {
      return char.codePointAt(0);
    });
    var output = codePoints
      .filter(function (c) {
        return c < 0x80;
      })
      .map(function (c) {
        return String.fromCharCode(c);
      });
    var basic = output.length;
    var handled = basic;
    if (basic) output.push("-");
    var n = 0x80, delta = 0, bias = 72;
    var digit = function (d) {
      return String.fromCharCode(d < 26 ? 97 + d : 22 + d);
    };
    while (handled < codePoints.length) {
      var next = Infinity;
      codePoints.forEach(function (c) {
        if (c >= n && c < next) next = c;
      });
      delta += (next - n) * (handled + 1);
      n = next;
      for (var i = 0; i < codePoints.length; i++) {
        var c = codePoints[i];
        if (c < n) delta++;
        if (c !== n) continue;
        var q = delta;
        for (var k = base; ; k += base) {
          var t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
          if (q < t) break;
          output.push(digit(t + ((q - t) % (base - t))));
          q = Math.floor((q - t) / (base - t));
        }
        output.push(digit(q));
        delta = handled === basic ? Math.floor(delta / 700) : Math.floor(delta / 2);
        delta += Math.floor(delta / (handled + 1));
        for (k = 0; delta > ((base - tMin) * tMax) >> 1; k += base) delta = Math.floor(delta / (base - tMin));
        bias = k + Math.floor(((base - tMin + 1) * delta) / (delta + 38));
        delta = 0;
        handled++;
      }
      delta++;
      n++;
    }
    return output.join("");
  }

  function encodeLabel(label) {
    return /^[\0-\x7e]*$/.test(label) ? label : "xn--" + punycode(label);
  }

  function withinDnsLimits(url, protocol, domain) {
    var labels = domain.split(LABEL_SEPARATORS);
    var encodedLength = labels.length - 1;
    for (var i = 0; i < labels.length; i++) {
      if (labels[i].slice(0, 4).toLowerCase() === "xn--" && !/^[\0-\x7f]*$/.test(labels[i])) return false;
      var encoded = encodeLabel(labels[i]);
      if (encoded.length < 1 || encoded.length > MAX_LABEL) return false;
      encodedLength += encoded.length;
    }
    return protocol.length + url.length + encodedLength - domain.length <= MAX_URL_UTF16;
  }

  // [start, end) of each URL, as UTF-16 indexes into normalised text.
  function urlSpans(text) {
    var spans = [];
    if (text.indexOf(".") < 0) return spans;
    URL_RE.lastIndex = 0;
    var match;
    while ((match = URL_RE.exec(text)) !== null) {
      var before = match[1], url = match[2], protocol = match[3], domain = match[4], path = match[5];
      var urlStart = match.index + before.length;
      var urlEnd = urlStart + url.length;
      if (!withinDnsLimits(url, protocol || "https://", domain)) continue;
      if (protocol) {
        var tco = TCO_URL_RE.exec(url);
        if (tco) {
          if (tco[1].length > MAX_TCO_SLUG) continue;
          urlEnd = urlStart + tco[0].length;
        }
        spans.push([urlStart, urlEnd]);
        continue;
      }
      if (before && NOT_BEFORE_BARE_DOMAIN.indexOf(before) >= 0) continue;
      var found = [];
      var ascii;
      ASCII_DOMAIN_RE.lastIndex = 0;
      while ((ascii = ASCII_DOMAIN_RE.exec(domain)) !== null) {
        found.push([urlStart + ascii.index, urlStart + ascii.index + ascii[0].length]);
      }
      if (found.length && path) found[found.length - 1][1] = urlEnd;
      spans.push.apply(spans, found);
    }
    return spans;
  }

  function weightedLength(text) {
    var normalized = normalize(text);
    var urlEnds = new Map(urlSpans(normalized));
    var length = 0;
    var index = 0;
    while (index < normalized.length) {
      var end = urlEnds.get(index);
      if (end !== undefined) {
        length += URL_WEIGHT;
      } else {
        EMOJI_RE.lastIndex = index;
        var emoji = EMOJI_RE.exec(normalized);
        if (emoji) {
          end = index + emoji[0].length;
          length += EMOJI_WEIGHT;
        } else {
          var codePoint = normalized.codePointAt(index);
          end = index + (codePoint > 0xffff ? 2 : 1);
          length += characterWeight(codePoint);
        }
      }
      index = end;
    }
    return length;
  }

  function isValidPost(text) {
    var length = weightedLength(text);
    return length > 0 && length <= DEFAULT_LIMIT && !FORBIDDEN.test(text);
  }

  function showsNothing(text) {
    return INVISIBLE_RE.test(text);
  }

  // What the server refuses in a reply whatever its length; "" is not refused here, only not sent yet.
  function isRefusedReply(body) {
    return body !== "" && (showsNothing(body) || body.indexOf(REPLACEMENT_CHARACTER) >= 0);
  }

  function replyText(body, signature) {
    return body.replace(TRAILING_WHITESPACE, "") + "\n" + signature;
  }

  function attach(root) {
    var counters = root.querySelectorAll("[data-weighted-counter-for]");
    var areas = root.querySelectorAll("textarea[data-weighted-limit]");
    Array.prototype.forEach.call(areas, function (area) {
      var counter = Array.prototype.find.call(counters, function (element) {
        return element.getAttribute("data-weighted-counter-for") === area.id;
      });
      if (!counter) return;
      var limit = parseInt(area.getAttribute("data-weighted-limit"), 10) || DEFAULT_LIMIT;
      var update = function () {
        var signature = area.getAttribute("data-signature");
        var used = weightedLength(signature === null ? area.value : replyText(area.value, signature));
        counter.textContent = used + " / " + limit;
        counter.classList.toggle("over", used > limit);
        counter.classList.toggle("refused", signature !== null && isRefusedReply(area.value));
      };
      area.addEventListener("input", update);
      update();
    });
  }

  window.replydeskComposer = {
    weightedLength: weightedLength,
    isValidPost: isValidPost,
    replyText: replyText,
    showsNothing: showsNothing,
    isRefusedReply: isRefusedReply,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      attach(document);
    });
  } else {
    attach(document);
  }
})();
