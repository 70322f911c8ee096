"""The Norwegian words, names and places the demo data is built from. Plain data, no logic."""

# The lists stay packed, several words a line, so that they read as lists.
# fmt: off

FIRST_NAMES = [
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
    "Hilde", "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nina", "Maria", "Elisabeth", "Kristin",
    "Silje", "Ingeborg", "Camilla", "Hanne", "Tone", "Nora", "Emma", "Sara", "Thea", "Ragnhild",
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Thomas",
    "Hans", "Geir", "Tor", "Morten", "Terje", "Odd", "Erik", "Martin", "Andreas", "Jon",
    "Rune", "Trond", "Anders", "Tore", "Harald", "Espen", "Magnus", "Henrik", "Sindre", "Øyvind",
]

LAST_NAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen",
    "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg",
    "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen",
    "Lie", "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde", "Solheim", "Berge", "Moe",
    "Nygård", "Bakke", "Kristensen", "Fredriksen", "Holm", "Lien", "Hauge", "Christensen",
    "Andresen", "Nielsen", "Knudsen", "Evensen", "Sæther", "Aas", "Myhre", "Hanssen", "Ahmed",
    "Haugland", "Thomassen", "Sivertsen", "Simonsen", "Danielsen", "Berntsen", "Sandvik",
]

# Company names are compounds of these two parts ("Nord" + "vik"), often with an industry word.
NAME_PREFIXES = [
    "Nord", "Sør", "Øst", "Vest", "Fjord", "Fjell", "Berg", "Sol", "Lys", "Stein", "Elv", "Skog",
    "Havn", "Dal", "Strand", "Bjørk", "Furu", "Eik", "Lyng", "Hav", "Kyst", "Tind", "Mo", "Ås",
    "Vår", "Stor", "Lille", "Kvit", "Grøn", "Blå", "Rød", "Sjø", "Snø", "Vind", "Ør", "Haug",
]
NAME_SUFFIXES = [
    "vik", "heim", "berg", "dal", "nes", "lund", "stad", "land", "by", "rud", "haug", "sund",
    "li", "vang", "tun", "bakken", "fjord", "øy", "mark", "voll", "holt", "ås", "strand",
]
INDUSTRIES = [
    "Bygg", "Regnskap", "Eiendom", "Transport", "Elektro", "Rør", "Maskin", "Data", "Consult",
    "Marin", "Handel", "Energi", "Entreprenør", "Revisjon", "Arkitekter", "Media", "Sjømat",
    "Helse", "Tannklinikk", "Invest", "Holding", "Logistikk", "Design", "IT", "Utvikling",
    "Økonomi", "Installasjon", "Betong", "Trelast", "Regnskapskontor", "Eiendomsforvaltning",
    "Kommunikasjon", "Teknikk", "Service", "Bilsenter", "Fysioterapi", "Interiør", "Catering",
]
# Sole proprietors (ENK) carry the owner's name and a trade.
TRADES = [
    "Snekkerverksted", "Rørleggerservice", "Elektro", "Maling", "Regnskap", "Frisør",
    "Fotografi", "Transport", "Tømrer", "Rådgivning", "Hagestell", "Murer", "Design", "Bilverksted",
]
DA_PREFIXES = ["Advokatfirma", "Arkitektkontor", "Revisjonsfirma", "Tannlegene", "Legekontoret"]

# Norwegian branches of foreign companies (NUF).
FOREIGN_PREFIXES = [
    "Svea", "Göta", "Hansa", "Öresund", "Baltic", "Jylland", "Nordic", "Skåne", "Uppsala",
    "Malmö", "Aarhus", "Helsinki", "Lapland", "Bremen", "Kiel",
]
FOREIGN_INDUSTRIES = [
    "Konsult", "Logistik", "Bygg", "Design", "Data", "Shipping", "Energi", "Teknik", "Maskin",
    "Media",
]
FOREIGN_FORMS = [("AB", "SEK"), ("ApS", "DKK"), ("A/S", "DKK"), ("GmbH", "EUR"), ("Oy", "EUR")]

# Real postcodes with their post town and the local two-digit landline prefix.
PLACES = [
    ("0150", "Oslo", "22"), ("0250", "Oslo", "22"), ("0468", "Oslo", "22"), ("0661", "Oslo", "23"),
    ("0484", "Oslo", "23"), ("0192", "Oslo", "22"), ("1366", "Lysaker", "67"),
    ("1337", "Sandvika", "67"), ("1412", "Sofiemyr", "66"), ("1601", "Fredrikstad", "69"),
    ("1706", "Sarpsborg", "69"), ("2004", "Lillestrøm", "63"), ("2317", "Hamar", "62"),
    ("2609", "Lillehammer", "61"), ("2815", "Gjøvik", "61"), ("2212", "Kongsvinger", "62"),
    ("3015", "Drammen", "32"), ("3044", "Drammen", "32"), ("3117", "Tønsberg", "33"),
    ("3256", "Larvik", "33"), ("3510", "Hønefoss", "32"), ("3616", "Kongsberg", "32"),
    ("3724", "Skien", "35"), ("4006", "Stavanger", "51"), ("4307", "Sandnes", "51"),
    ("4514", "Mandal", "38"), ("4608", "Kristiansand S", "38"), ("4836", "Arendal", "37"),
    ("5003", "Bergen", "55"), ("5068", "Bergen", "55"), ("5527", "Haugesund", "52"),
    ("6002", "Ålesund", "70"), ("6413", "Molde", "71"), ("6509", "Kristiansund N", "71"),
    ("6800", "Førde", "57"), ("7010", "Trondheim", "73"), ("7030", "Trondheim", "73"),
    ("7500", "Stjørdal", "74"), ("7713", "Steinkjer", "74"), ("8006", "Bodø", "75"),
    ("8514", "Narvik", "76"), ("8622", "Mo i Rana", "75"), ("9008", "Tromsø", "77"),
    ("9600", "Hammerfest", "78"), ("9900", "Kirkenes", "78"),
]

STREETS = [
    "Storgata", "Kirkegata", "Strandveien", "Industriveien", "Parkveien", "Sjøgata",
    "Fjordveien", "Kongens gate", "Dronningens gate", "Havnegata", "Skolegata", "Torggata",
    "Jernbanegata", "Nygata", "Løkkeveien", "Solheimveien", "Tollbodgata", "Bryggeveien",
    "Kanalveien", "Markveien", "Nedre gate", "Øvre Slottsgate", "Hovedveien", "Stasjonsveien",
    "Fabrikkveien", "Bjørkeveien", "Furuveien", "Lia", "Moloveien", "Sentrumsveien",
]

BANK_PREFIXES = ["1503", "1506", "1254", "3000", "9710", "1822", "3201", "4202", "6003", "9235"]
PRIVATE_MAIL_DOMAINS = ["gmail.com", "online.no", "hotmail.com", "outlook.com", "icloud.com"]

TAGS = ["Offentlig", "Privat", "Referansekunde", "Julekort", "Rammeavtale"]

CONTACT_ROLES = [
    "Daglig leder", "Økonomisjef", "Prosjektleder", "Regnskapsansvarlig", "Innkjøpsansvarlig",
    "Styreleder", "IT-ansvarlig", "Markedssjef", "HR-leder", "Kontorleder",
]

MONTHS = [
    "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "desember",
]
SERVICES = [
    "økonomirådgivning", "ny nettside", "IT-sikkerhet", "årsoppgjøret", "strategiarbeid",
    "lederopplæring", "anbudsprosessen", "prosjektledelse", "skymigrering", "lønnskjøring",
]
NOTES = [
    "Ringte {contact} om fornyelse av rammeavtalen. Ønsker nytt tilbud før {month}.",
    "Møte hos kunden. Gikk gjennom status på prosjektet; de er fornøyde så langt.",
    "Purret på faktura som forfalt for tre uker siden. {contact} lover betaling denne uken.",
    "Kunden har byttet regnskapsfører fra 1. {month}. Fakturaer sendes som før.",
    "{contact} ba om kopi av alle fakturaer for fjoråret.",
    "Sendt tilbud på {service}. Følger opp om to uker.",
    "Takket nei til tilbudet på {service}, for dyrt i år. Ta kontakt igjen etter sommeren.",
    "Ny kontaktperson for faktura er {contact}.",
    "Lunsj med {contact}. Mulig nytt oppdrag innen {service} til høsten.",
    "Kunden ønsker EHF-faktura fra neste måned.",
    "Avtalt at timer føres ukentlig og faktureres månedlig.",
    "Referanse på fakturaen må være bestillingsnummeret fra {contact}.",
    "Julekort sendt.",
    "Kunden har fått ny adresse.",
    "Spurte om rabatt ved forskuddsbetaling. Avslått, men tilbudt 30 dagers betalingsfrist.",
    "Positiv tilbakemelding på sluttrapporten. Kan brukes som referanse.",
    "Kunden vurderer å flytte driften til skyen. Vi bør gi et tilbud.",
    "Telefon fra {contact}: spørsmål om timeoversikten for {month}.",
    "Mottatt signert oppdragsbekreftelse for {service}.",
    "{contact} er ute i permisjon til {month}. Saker går til daglig leder i mellomtiden.",
    "Workshop om {service} gjennomført. Referat sendt til {contact}.",
    "Kunden klaget på at fakturaen manglet timeliste. Sendt på nytt med vedlegg.",
    "Årlig kundemøte avtalt i {month}.",
    "Sjekket kredittverdighet: ingen merknader.",
]

PROJECT_NAMES = [
    "Nytt intranett", "Rammeavtale rådgivning {year}", "Årsoppgjør {year}", "Migrering til skyen",
    "Ny nettside", "Strategiprosess {year}", "Anbudsbistand", "Omorganisering",
    "GDPR-gjennomgang", "Nytt lønnssystem", "ERP-innføring", "Kurs og opplæring {year}",
    "Prosessforbedring", "Sikkerhetsrevisjon {year}", "Markedsanalyse", "Due diligence",
    "Budsjett {year}", "Digitalisering av arkiv", "Kundeportal", "Energirådgivning",
    "Lederutvikling", "Internkontroll {year}", "Bærekraftsrapport {year}", "Ny økonomimodell",
]
TIME_DESCRIPTIONS = [
    "Møte med kunden", "Analyse", "Rapportskriving", "Workshop", "Oppfølging", "Utvikling",
    "Testing", "Prosjektledelse", "Dokumentasjon", "Telefonmøte", "Forberedelse", "Reise",
]
EXPENSES = [
    "Reise Oslo–Bergen", "Hotell", "Programvarelisens", "Kursmateriell", "Taxi",
    "Lunsj under workshop", "Leie av møterom", "Flyreise", "Parkering", "Trykking av rapport",
]
# fmt: on
