"""Full names for ISO codes: the customer `address` block spells out what the top-level fields abbreviate
("US" -> "United States", "CA" -> "California"). Country names from tzdata's public-domain iso3166.tab."""

from __future__ import annotations


def _table(text: str) -> dict[str, str]:
    return dict(pair.split(":", 1) for pair in text.split("|"))


COUNTRIES = _table(
    "AD:Andorra|AE:United Arab Emirates|AF:Afghanistan|AG:Antigua & Barbuda|AI:Anguilla|AL:Albania|AM:Armenia|"
    "AO:Angola|AQ:Antarctica|AR:Argentina|AS:Samoa (American)|AT:Austria|AU:Australia|AW:Aruba|AX:Åland Islands|"
    "AZ:Azerbaijan|BA:Bosnia & Herzegovina|BB:Barbados|BD:Bangladesh|BE:Belgium|BF:Burkina Faso|BG:Bulgaria|"
    "BH:Bahrain|BI:Burundi|BJ:Benin|BL:St Barthelemy|BM:Bermuda|BN:Brunei|BO:Bolivia|BQ:Caribbean NL|BR:Brazil|"
    "BS:Bahamas|BT:Bhutan|BV:Bouvet Island|BW:Botswana|BY:Belarus|BZ:Belize|CA:Canada|CC:Cocos (Keeling) Islands|"
    "CD:Congo (Dem. Rep.)|CF:Central African Rep.|CG:Congo (Rep.)|CH:Switzerland|CI:Côte d'Ivoire|CK:Cook Islands|"
    "CL:Chile|CM:Cameroon|CN:China|CO:Colombia|CR:Costa Rica|CU:Cuba|CV:Cape Verde|CW:Curaçao|CX:Christmas Island|"
    "CY:Cyprus|CZ:Czechia|DE:Germany|DJ:Djibouti|DK:Denmark|DM:Dominica|DO:Dominican Republic|DZ:Algeria|"
    "EC:Ecuador|EE:Estonia|EG:Egypt|EH:Western Sahara|ER:Eritrea|ES:Spain|ET:Ethiopia|FI:Finland|FJ:Fiji|"
    "FK:Falkland Islands|FM:Micronesia|FO:Faroe Islands|FR:France|GA:Gabon|GB:United Kingdom|GD:Grenada|GE:Georgia|"
    "GF:French Guiana|GG:Guernsey|GH:Ghana|GI:Gibraltar|GL:Greenland|GM:Gambia|GN:Guinea|GP:Guadeloupe|"
    "GQ:Equatorial Guinea|GR:Greece|GS:South Georgia & the South Sandwich Islands|GT:Guatemala|GU:Guam|"
    "GW:Guinea-Bissau|GY:Guyana|HK:Hong Kong|HM:Heard Island & McDonald Islands|HN:Honduras|HR:Croatia|HT:Haiti|"
    "HU:Hungary|ID:Indonesia|IE:Ireland|IL:Israel|IM:Isle of Man|IN:India|IO:British Indian Ocean Territory|"
    "IQ:Iraq|IR:Iran|IS:Iceland|IT:Italy|JE:Jersey|JM:Jamaica|JO:Jordan|JP:Japan|KE:Kenya|KG:Kyrgyzstan|"
    "KH:Cambodia|KI:Kiribati|KM:Comoros|KN:St Kitts & Nevis|KP:North Korea|KR:South Korea|KW:Kuwait|"
    "KY:Cayman Islands|KZ:Kazakhstan|LA:Laos|LB:Lebanon|LC:St Lucia|LI:Liechtenstein|LK:Sri Lanka|LR:Liberia|"
    "LS:Lesotho|LT:Lithuania|LU:Luxembourg|LV:Latvia|LY:Libya|MA:Morocco|MC:Monaco|MD:Moldova|ME:Montenegro|"
    "MF:St Martin (French)|MG:Madagascar|MH:Marshall Islands|MK:North Macedonia|ML:Mali|MM:Myanmar (Burma)|"
    "MN:Mongolia|MO:Macau|MP:Northern Mariana Islands|MQ:Martinique|MR:Mauritania|MS:Montserrat|MT:Malta|"
    "MU:Mauritius|MV:Maldives|MW:Malawi|MX:Mexico|MY:Malaysia|MZ:Mozambique|NA:Namibia|NC:New Caledonia|NE:Niger|"
    "NF:Norfolk Island|NG:Nigeria|NI:Nicaragua|NL:Netherlands|NO:Norway|NP:Nepal|NR:Nauru|NU:Niue|NZ:New Zealand|"
    "OM:Oman|PA:Panama|PE:Peru|PF:French Polynesia|PG:Papua New Guinea|PH:Philippines|PK:Pakistan|PL:Poland|"
    "PM:St Pierre & Miquelon|PN:Pitcairn|PR:Puerto Rico|PS:Palestine|PT:Portugal|PW:Palau|PY:Paraguay|QA:Qatar|"
    "RE:Réunion|RO:Romania|RS:Serbia|RU:Russia|RW:Rwanda|SA:Saudi Arabia|SB:Solomon Islands|SC:Seychelles|SD:Sudan|"
    "SE:Sweden|SG:Singapore|SH:St Helena|SI:Slovenia|SJ:Svalbard & Jan Mayen|SK:Slovakia|SL:Sierra Leone|"
    "SM:San Marino|SN:Senegal|SO:Somalia|SR:Suriname|SS:South Sudan|ST:Sao Tome & Principe|SV:El Salvador|"
    "SX:St Maarten (Dutch)|SY:Syria|SZ:Eswatini (Swaziland)|TC:Turks & Caicos Is|TD:Chad|TF:French S. Terr.|"
    "TG:Togo|TH:Thailand|TJ:Tajikistan|TK:Tokelau|TL:East Timor|TM:Turkmenistan|TN:Tunisia|TO:Tonga|TR:Turkey|"
    "TT:Trinidad & Tobago|TV:Tuvalu|TW:Taiwan|TZ:Tanzania|UA:Ukraine|UG:Uganda|UM:US minor outlying islands|"
    "US:United States|UY:Uruguay|UZ:Uzbekistan|VA:Vatican City|VC:St Vincent|VE:Venezuela|VG:Virgin Islands (UK)|"
    "VI:Virgin Islands (US)|VN:Vietnam|VU:Vanuatu|WF:Wallis & Futuna|WS:Samoa (western)|YE:Yemen|YT:Mayotte|"
    "ZA:South Africa|ZM:Zambia|ZW:Zimbabwe"
)
US_STATES = _table(
    "AL:Alabama|AK:Alaska|AZ:Arizona|AR:Arkansas|CA:California|CO:Colorado|CT:Connecticut|DE:Delaware|"
    "DC:District of Columbia|FL:Florida|GA:Georgia|HI:Hawaii|ID:Idaho|IL:Illinois|IN:Indiana|IA:Iowa|KS:Kansas|"
    "KY:Kentucky|LA:Louisiana|ME:Maine|MD:Maryland|MA:Massachusetts|MI:Michigan|MN:Minnesota|MS:Mississippi|"
    "MO:Missouri|MT:Montana|NE:Nebraska|NV:Nevada|NH:New Hampshire|NJ:New Jersey|NM:New Mexico|NY:New York|"
    "NC:North Carolina|ND:North Dakota|OH:Ohio|OK:Oklahoma|OR:Oregon|PA:Pennsylvania|RI:Rhode Island|"
    "SC:South Carolina|SD:South Dakota|TN:Tennessee|TX:Texas|UT:Utah|VT:Vermont|VA:Virginia|WA:Washington|"
    "WV:West Virginia|WI:Wisconsin|WY:Wyoming"
)


def country_name(code: str | None) -> str | None:
    return COUNTRIES.get(code.upper(), code) if code else None


def state_name(country: str | None, state: str | None) -> str | None:
    if state and country and country.upper() == "US":
        return US_STATES.get(state.upper(), state)
    return state
