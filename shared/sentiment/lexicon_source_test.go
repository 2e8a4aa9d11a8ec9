package sentiment

// This file is the lexicon's source, kept as readable tables in a _test.go
// file so that no binary links it: `go generate ./shared/sentiment` (which
// runs TestLexiconIndexIsGenerated) writes it out as the sorted slice
// literals of lexicon_index.go, which the classifier reads and which need
// no package init (a map literal, this one or any, is built at every cold
// start). Edit here, then regenerate; the test fails while the two differ.
//
// It is data: every word, phrase and emoji the Offline classifier
// knows, and the cue words DetectLanguage counts. Keys are normalized
// (lowercase, no accents; see normalize) and a test holds them to it. One map
// literal per table means a word listed twice fails to compile instead of
// silently taking one of two polarities.
//
// Key forms:
//   - "word": that exact token;
//   - "stem*": any token starting with stem (the longest matching stem wins,
//     and an exact word beats any stem), for inflections such as
//     decepcionado/decepcionada/decepcionante;
//   - "two words" or "three words like this": a phrase, matched before its
//     words, so "bom dia" is a greeting and not praise.
//
// Weights: ±2 strong (péssimo, amazing), ±1.5 clear (gostei, rude), ±1 mild
// or contextual (atrasado, rápido), ±0.5 weak hints. Thanks count as
// positive: in a support chat they are the usual way a customer says the
// outcome was good.

// lexicon maps a token, stem or phrase to its role (the source of lex).
var lexicon = map[string]entry{
	// ---- Portuguese (pt-BR): positive ----
	"obrigado": w(1.5), "obrigada": w(1.5), "obrigadao": w(2), "obrigadaa": w(1.5),
	"brigado": w(1.5), "brigada": w(1.5), "brigadao": w(2), "obg": w(1.5), "obgd": w(1.5),
	"obgda": w(1.5), "obrigad*": w(1.5), "valeu": w(1.5), "vlw": w(1.5), "agradec*": w(1.5),
	"parabens": w(1.5), "amei": w(2), "amo": w(1.5), "adorei": w(2), "ador*": w(2),
	"gostei": w(1.5), "gostou": w(1.5), "gostamos": w(1.5), "gostando": w(1.5), "gostaram": w(1.5),
	"curti": w(1.5), "curtindo": w(1.5), "bom": w(1), "boa": w(1), "bons": w(1), "boas": w(1),
	"otimo": w(2), "otima": w(2), "otimos": w(2), "otimas": w(2), "excelente": w(2), "excelentes": w(2),
	"perfeit*": w(2), "maravilh*": w(2), "incrivel": w(2), "incriveis": w(2), "sensacional": w(2),
	"fantastic*": w(2), "espetacular": w(2), "show": w(1.5), "top": w(1.5), "legal": w(1),
	"lindo": w(1.5), "linda": w(1.5), "lindos": w(1.5), "lindas": w(1.5), "bonito": w(1), "bonita": w(1),
	"rapido": w(1), "rapida": w(1), "rapidos": w(1), "rapidas": w(1), "rapidinho": w(1), "rapidinha": w(1),
	"rapidez": w(1), "rapidamente": w(1), "agil": w(1.5), "agilidade": w(1.5), "eficiente": w(1.5),
	"eficientes": w(1.5), "atencios*": w(1.5), "educad*": w(1), "gentil": w(1.5), "gentis": w(1.5),
	"simpatic*": w(1.5), "prestativ*": w(1.5), "cordial": w(1), "amavel": w(1.5), "amaveis": w(1.5),
	"feliz": w(1.5), "felizes": w(1.5), "satisf*": w(1.5), "contente": w(1.5), "contentes": w(1.5),
	"recomend*": w(1.5), "resolveu": w(1), "resolvido": w(1), "resolvida": w(1), "resolveram": w(1),
	"solucionado": w(1), "funcionou": wn(1, -1.5), "funciona": wn(0.5, -1.5), "funcionando": wn(0.5, -1.5),
	"certinho": w(1), "certinha": w(1), "direitinho": w(1), "ajudou": w(1), "ajudaram": w(1),
	"salvaram": w(1.5), "salvou": w(1.5), "melhor": w(1.5), "melhores": w(1.5), "delicio*": w(2),
	"gostos*": w(1.5), "quentinh*": w(1), "caprich*": w(1.5), "eficaz": w(1), "facil": w(1),
	"tranquilo": w(0.5), "tranquila": w(0.5), "sucesso": w(1), "alivio": w(1),
	"deu certo": w(1.5), "tudo certo": w(1), "nota 10": w(2), "nota dez": w(2), "nota mil": w(2),
	"de parabens": w(2), "bem atendido": w(1.5), "bem atendida": w(1.5), "mal atendido": w(-1.5),
	"mal atendida": w(-1.5),

	// ---- Portuguese (pt-BR): negative ----
	"pessim*": w(-2), "horrivel": w(-2), "horriveis": w(-2), "horroros*": w(-2), "terrivel": w(-2),
	"ruim": w(-1.5), "ruins": w(-1.5), "pior": w(-1.5), "piores": w(-1.5), "mal": w(-1),
	"decep*": w(-2), "chatead*": w(-1.5), "chato": w(-1.5), "chata": w(-1.5), "irritad*": w(-1.5),
	"insatisf*": w(-2), "absurd*": w(-2), "ridicul*": w(-2), "vergonh*": w(-2), "descaso": w(-2),
	"desrespeit*": w(-2), "palhacada": w(-2), "lixo": w(-2), "porcaria": w(-2), "merda": w(-2),
	"bosta": w(-2), "roubo": w(-2), "ladr*": w(-2), "golpe": w(-1.5), "fraude": w(-2),
	"atras*": w(-1), "demor*": w(-1), "lentidao": w(-1), "lento": w(-1), "lenta": w(-1),
	"quebrad*": w(-1.5), "defeit*": w(-1.5), "falh*": w(-1), "errad*": w(-1), "incorret*": w(-1),
	"indevid*": w(-1.5), "reclam*": w(-1), "procon": w(-1.5), "problema": w(-1), "problemas": w(-1),
	"erro": w(-1), "ninguem": negw(-1), "aff": w(-1), "affs": w(-1), "pqp": w(-2), "putz": w(-1),
	"grosso": w(-1.5), "grossa": w(-1.5), "grosseir*": w(-1.5), "raiva": w(-2), "odeio": w(-2),
	"falta": w(-1), "faltando": w(-1), "faltou": w(-1), "faltaram": w(-1), "sumiu": w(-1),
	"extraviad*": w(-1.5), "perdid*": w(-1), "trava": w(-1), "travou": w(-1), "travando": w(-1),
	"caiu": w(-0.5), "pesadelo": w(-2), "burocracia": w(-1), "inaceitavel": w(-2),
	"inadmissivel": w(-2), "falsificad*": w(-1.5), "pirata": w(-1), "cansad*": w(-1), "cansei": w(-1.5),
	"fria": w(-0.5), "frio": w(-0.5), "cade": w(-0.75), "ja faz": w(-0.75), "nunca mais": w(-1.5), "sem resposta": w(-1),
	"sem sinal": w(-1), "sem internet": w(-1), "dinheiro de volta": w(-1), "na minha cara": w(-1.5),
	"nao gosto": w(-1.5), "reclame aqui": w(-1.5), "falta de respeito": w(-2),
	// Expectation verbs: neutral alone ("chegou hoje"), a complaint when
	// negated ("não chegou", "ninguém responde").
	"chegou": wn(0, -1), "chegaram": wn(0, -1), "recebi": wn(0, -1), "recebemos": wn(0, -1),
	"responde": wn(0, -1), "respondeu": wn(0, -1), "respondem": wn(0, -1), "atualiza": wn(0, -1),
	"apareceu": wn(0, -1), "liberaram": wn(0, -1), "resolve": wn(0, -1), "resolvem": wn(0, -1),
	"ajuda": wn(0, -1), "atende": wn(0, -1), "consigo": wn(0, -1), "conseguindo": wn(0, -1),
	"combinad*": wn(0, -1), "resposta": wn(0, -1),

	// ---- Portuguese (pt-BR): neutral phrases that would otherwise score ----
	"bom dia": w(0), "boa tarde": w(0), "boa noite": w(0), "de nada": w(0), "tudo bem": w(0),
	"tudo bom": w(0), "pergunta rapida": w(0),

	// ---- Portuguese (pt-BR): negators, modifiers, clause breaks ----
	"nao": neg(), "n": neg(), "nunca": neg(), "nem": neg(), "jamais": neg(), "nenhum": neg(),
	"nenhuma": neg(), "sem": neg1(), "nada": neg(), "pouco": neg(), "nenhum dos": neg(),
	"nenhuma das": neg(),
	"muito":       around(1.5), "muita": pre(1.5), "mto": around(1.5), "mt": around(1.5), "super": pre(1.5),
	"mega": pre(1.5), "bem": pre(1.3), "bastante": around(1.3), "tao": pre(1.5), "extremamente": pre(2),
	"totalmente": pre(1.5), "realmente": pre(1.3), "completamente": pre(1.5), "demais": post(1.5),
	"mesmo": post(1.2), "muitissimo": around(2), "um pouco": around(0.5), "meio": pre(0.5),
	"mas": only("pt", contrast()), "porem": contrast(), "entretanto": contrast(),

	// ---- Spanish: positive ----
	"gracias": w(1.5), "grax": w(1.5), "graciass": w(1.5), "agradezco": w(1.5), "mil gracias": w(2),
	"muchas gracias": w(2), "felicit*": w(1.5), "encant*": w(2), "gusta": w(1.5), "gusto": w(1.5),
	"gustan": w(1.5), "gustaron": w(1.5), "da gusto": w(1.5), "el gusto": w(0), "bueno": w(0.5),
	"buen": w(1), "buena": w(1), "buenos": w(1), "buenisim*": w(2), "genial": w(2), "geniales": w(2),
	"perfect*": w(2), "increible": w(2), "increibles": w(2), "impecable": w(2), "estupend*": w(2),
	"fenomenal": w(2), "chevere": w(1.5), "bacan*": w(1.5), "crack": w(1.5), "cracks": w(1.5),
	"lujo": w(1.5), "maximo": w(1), "bien": w(1), "rapidisim*": w(1.5), "amable": w(1.5),
	"amables": w(1.5), "atentos": w(1), "atenta": w(1), "atentas": w(1), "atento": w(1),
	"contento": w(1.5), "contenta": w(1.5), "contentos": w(1.5), "recomiend*": w(1.5),
	"resolvieron": w(1), "resuelto": w(1), "resuelta": w(1), "solucionaron": w(1),
	"funciono": wn(1, -1.5), "sirvio": wn(1, -1), "sirve": wn(0.5, -1.5),
	"ayudo": w(1), "ayudaron": w(1), "salvaron": w(1.5), "salvaste": w(1.5), "mejor": w(1.5),
	"mejores": w(1.5), "riquisim*": w(2), "sabros*": w(1.5), "calentit*": w(1), "precios*": w(1.5),
	"bonit*": w(1), "hermos*": w(1.5), "agradecid*": w(1.5), "profesional": w(1), "profesionales": w(1),
	"lo maximo": w(2), "de maravilla": w(2), "de primera": w(1.5), "de diez": w(1.5),
	"de 10": w(1.5), "que bien": w(1.5), "bien atendido": w(1.5), "bien atendida": w(1.5), "sin problema": w(0.5), "un lujo": w(1.5),

	// ---- Spanish: negative ----
	"pesim*": w(-2), "horrible": w(-2), "horribles": w(-2), "horrend*": w(-2), "terrible": w(-2),
	"terribles": w(-2), "malo": w(-1.5), "mala": w(-1.5), "malos": w(-1.5), "malas": w(-1.5),
	"malisim*": w(-2), "peor": w(-1.5), "peores": w(-1.5), "verguenza": w(-2), "vergonzos*": w(-2),
	"molest*": w(-1.5), "enojad*": w(-1.5), "enfadad*": w(-1.5), "harto": w(-1.5), "harta": w(-1.5),
	"desastre": w(-2), "porqueria": w(-2), "mierda": w(-2), "robo": w(-2), "estafa": w(-2),
	"trucho": w(-1.5), "retras*": w(-1), "demora": w(-1), "lentitud": w(-1), "roto": w(-1.5),
	"rota": w(-1.5), "rotos": w(-1.5), "defect*": w(-1.5), "fallad*": w(-1.5), "falla": w(-1),
	"fallo": w(-1), "equivocad*": w(-1), "incorrect*": w(-1), "queja*": w(-1.5), "profeco": w(-1.5),
	"reclamo": w(-1), "nadie": negw(-1), "grosero": w(-1.5), "grosera": w(-1.5), "odio": w(-2),
	"faltaba": w(-1), "faltan": w(-1), "falto": w(-1), "extravi*": w(-1.5), "perdio": w(-1),
	"cuelga": w(-1), "colgo": w(-1), "cayo": w(-0.5), "pesadilla": w(-2), "inaceptable": w(-2),
	"inadmisible": w(-2), "colmo": w(-1.5), "fea": w(-1), "feo": w(-1), "feos": w(-1), "feas": w(-1),
	"nunca mas": w(-1.5), "sin respuesta": w(-1), "sin luz": w(-1), "sin internet": w(-1),
	"sin senal": w(-1), "dinero de vuelta": w(-1), "plata de vuelta": w(-1), "falta de respeto": w(-2),
	"falta de seriedad": w(-2), "que mal": w(-1.5), "mal servicio": w(-1.5),
	"llego": wn(0, -1), "llegaron": wn(0, -1), "recibi": wn(0, -1), "contesta": wn(0, -1),
	"contestan": wn(0, -1), "responden": wn(0, -1), "actualiza": wn(0, -1),
	"aparecio": wn(0, -1), "vino": wn(0, -1), "activaron": wn(0, -1), "resuelve": wn(0, -1),
	"ayuda": wn(0, -1), "puedo": wn(0, -1), "anda": wn(0, -1.5), "acepte": wn(0, -1),
	"respuesta": wn(0, -1), "ya paso": w(-0.75), "conforme": only("es", w(1.5)),
	"conformes": only("es", w(1.5)),

	// ---- Spanish: neutral phrases ----
	"buenos dias": w(0), "buen dia": w(0), "buenas tardes": w(0), "buenas noches": w(0),
	"buenas": w(0), "quedo atento": w(0), "quedo atenta": w(0), "esta bien": w(0.5),
	"pregunta rapida": w(0),

	// ---- Spanish: negators, modifiers, clause breaks ----
	"no": negIn("es en"), "ni": neg(), "jamas": neg(), "ningun": neg(), "ninguna": neg(),
	"ninguno": neg(), "sin": neg1(), "tampoco": neg(), "poco": neg(), "ninguna de": neg(),
	"ninguno de": neg(),
	// "no" before a clitic pronoun is a Spanish negation even when the
	// message is too short for DetectLanguage to tell ("no me gustó").
	"no me": neg(), "no te": neg(), "no se": neg(), "no lo": neg(), "no la": neg(), "no le": neg(),
	"no les": neg(),
	"muy":    pre(1.5), "re": pre(1.5), "tan": pre(1.5), "sumamente": pre(2), "demasiado": pre(1.5),
	"mucho": post(1.5), "muchisimo": around(2), "un poco": around(0.5), "algo": pre(0.5),
	"pero": contrast(), "aunque": boundary(), "sin embargo": contrast(),

	// ---- English: positive ----
	"thanks": w(1.5), "thank": w(1.5), "thx": w(1.5), "thnx": w(1.5), "tks": w(1.5), "ty": w(1.5),
	"tysm": w(2), "appreciat*": w(1.5), "cheers": w(1), "love": w(2), "loved": w(2), "loves": w(2),
	"lovely": w(2), "loving": w(2), "liked": w(1.5), "great": w(1.5), "good": w(1), "nice": w(1),
	"amazing": w(2), "awesome": w(2), "excellent": w(2), "brilliant": w(2), "wonderful": w(2),
	"superb": w(2), "outstanding": w(2), "impress*": w(1.5), "happy": w(1.5), "glad": w(1.5),
	"pleased": w(1.5), "delighted": w(2), "recommend*": w(1.5), "helpful": w(1.5), "friendly": w(1.5),
	"polite": w(1), "professional": w(1), "smooth*": w(1), "easy": w(1), "easier": w(1),
	"fine": w(0.5), "work": wn(0, -1.5), "works": wn(0.5, -1.5), "worked": wn(1, -1.5), "working": wn(0.5, -1.5),
	"fixed": w(1), "solved": w(1), "sorted": w(1), "resolved": w(1), "quick": w(1), "quickly": w(1),
	"fast": w(1), "faster": w(0.5), "early": w(1), "best": w(1.5), "better": w(0.5), "cool": w(1),
	"lifesaver": w(2), "legend": w(1.5), "wow": w(1), "yay": w(1.5), "kind": w(1), "beautiful": w(1.5),
	"top notch": w(2), "made my day": w(2), "well done": w(1.5), "nice job": w(1.5),
	"good job": w(1.5), "great job": w(2), "much appreciated": w(2), "keep it up": w(1.5),
	"as described": w(0.5), "no problem": w(0.5),

	// ---- English: negative ----
	"awful": w(-2), "horrendous": w(-2), "worst": w(-2),
	"worse": w(-1.5), "bad": w(-1.5), "poor": w(-1), "poorly": w(-1), "garbage": w(-2),
	"trash": w(-2), "crap": w(-2), "rubbish": w(-2), "useless": w(-2), "joke": w(-1),
	"broken": w(-1.5), "broke": w(-1), "damaged": w(-1.5), "defective": w(-1.5), "fake": w(-1.5),
	"scam": w(-2), "fraud": w(-2), "theft": w(-2), "ripoff": w(-2), "rip off": w(-2),
	"unhappy": w(-1.5), "disappoint*": w(-2), "frustr*": w(-1.5), "annoy*": w(-1.5),
	"angry": w(-1.5), "upset": w(-1.5), "furious": w(-2), "pissed": w(-2), "mad": w(-1.5),
	"hate": w(-2), "hated": w(-2), "rude": w(-1.5), "unprofessional": w(-2), "unacceptable": w(-2),
	"ridiculous": w(-2), "nightmare": w(-2), "disaster": w(-2), "disgusting": w(-2),
	"dissatisf*": w(-2), "unsatisf*": w(-2), "late": w(-1), "delay*": w(-1), "slow": w(-1),
	"wrong": w(-1), "incorrect": w(-1), "missing": w(-1), "lost": w(-1), "cold": w(-0.5),
	"crash*": w(-1.5), "bug": w(-1), "bugs": w(-1), "buggy": w(-1.5), "error": w(-1),
	"problem": w(-1), "problems": w(-1), "issue": w(-0.5), "issues": w(-0.5), "complain*": w(-1.5),
	"nobody": negw(-1), "no one": negw(-1), "smh": w(-1.5), "wtf": w(-2), "ugh": w(-1.5),
	"argh": w(-1.5), "dropped": w(-0.5), "charged twice": w(-1.5), "money back": w(-1),
	"never again": w(-1.5), "fed up": w(-2), "hung up": w(-1.5), "no response": w(-1),
	"dont like": w(-1.5), "didnt like": w(-1.5), "doesnt like": w(-1.5), "waste of": w(-2),
	"arrived": wn(0, -1), "received": wn(0, -1), "answers": wn(0, -1), "answered": wn(0, -1),
	"responded": wn(0, -1), "showed": wn(0, -1), "came": wn(0, -1), "moved": wn(0, -1),
	"helping": wn(0, -1), "helped": wn(1, -1), "help": wn(0, -1), "active": wn(0, -1),
	"agreed": wn(0, -1), "response": wn(0, -1), "its been": w(-0.75), "wheres my": w(-0.75),

	// ---- English: neutral phrases ----
	"quick question": w(0), "good morning": w(0), "good afternoon": w(0), "good evening": w(0), "good night": w(0),

	// ---- English: negators, modifiers, clause breaks ----
	"not": neg(), "never": neg(), "dont": neg(), "doesnt": neg(), "didnt": neg(), "isnt": neg(),
	"wasnt": neg(), "arent": neg(), "werent": neg(), "cant": neg(), "cannot": neg(), "couldnt": neg(),
	"wont": neg(), "wouldnt": neg(), "shouldnt": neg(), "havent": neg(), "hasnt": neg(),
	"hadnt": neg(), "aint": neg(), "nor": neg(), "without": neg1(), "nothing": neg(), "none": neg(),
	"none of": neg(), "zero": neg(),
	"very": pre(1.5), "so": pre(1.5), "really": pre(1.3), "extremely": pre(2), "totally": pre(1.5),
	"absolutely": pre(1.5), "too": pre(1.3), "highly": pre(1.5), "incredibly": pre(2), "truly": pre(1.3),
	"pretty": pre(1.2), "way": pre(1.3), "such": pre(1.3), "a lot": post(1.5), "so much": post(1.5),
	"a bit": around(0.5), "a little": around(0.5), "kinda": pre(0.5), "slightly": pre(0.5),
	"but": contrast(), "however": contrast(), "though": boundary(), "although": boundary(),

	// ---- Emoji (after normalization, so without variation selectors) ----
	"😍": w(2), "🥰": w(2), "❤": w(2), "💙": w(2), "💚": w(2), "💜": w(2), "😘": w(1.5),
	"😊": w(1.5), "🙂": w(1), "😀": w(1.5), "😃": w(1.5), "😄": w(1.5), "😁": w(1.5), "😋": w(1.5),
	"👍": w(1), "👏": w(1.5), "🙌": w(1.5), "🙏": w(1), "💪": w(1), "🔥": w(1), "✅": w(0.5),
	"🤩": w(2), "😎": w(1), "🎉": w(1.5), "⭐": w(1), "🌟": w(1), "👌": w(1),
	"😡": w(-2), "😠": w(-2), "🤬": w(-2), "😤": w(-1.5), "🙄": w(-1.5), "😒": w(-1.5),
	"😞": w(-1.5), "😔": w(-1.5), "😢": w(-1.5), "😭": w(-1.5), "😩": w(-1.5), "😫": w(-1.5),
	"👎": w(-1.5), "💩": w(-2), "🤦": w(-1.5), "😑": w(-1), "😕": w(-1), "🙁": w(-1),
	"☹": w(-1.5), "😖": w(-1.5), "😣": w(-1.5),
}

// languageCues (the source of cueWords and cueLangs in lexicon_index.go,
// as lexicon is of lex) are frequent function words and chat abbreviations of each
// language, scored by DetectLanguage. Words shared by two languages list
// both and so only separate them from the third.
var languageCues = map[string]string{
	// Portuguese
	"nao": "pt", "voce": "pt", "vc": "pt", "vcs": "pt", "voces": "pt", "meu": "pt", "minha": "pt",
	"meus": "pt", "minhas": "pt", "seu": "pt", "sua": "pt", "um": "pt", "uma": "pt", "do": "pt en",
	"da": "pt", "dos": "pt es", "das": "pt", "na": "pt", "nas": "pt", "ao": "pt", "pelo": "pt",
	"pela": "pt", "isso": "pt", "esse": "pt", "essa": "pt", "muito": "pt", "muita": "pt",
	"obrigado": "pt", "obrigada": "pt", "obg": "pt", "estou": "pt", "to": "pt en", "ta": "pt",
	"sou": "pt", "foi": "pt", "ja": "pt", "ainda": "pt", "tambem": "pt", "tbm": "pt", "mais": "pt",
	"eu": "pt", "ele": "pt", "ela": "pt", "tem": "pt", "tenho": "pt", "agora": "pt", "hoje": "pt",
	"ontem": "pt", "amanha": "pt", "bom": "pt", "boa": "pt", "oi": "pt", "ola": "pt es", "tudo": "pt",
	"quero": "pt", "preciso": "pt", "queria": "pt", "gostaria": "pt", "pq": "pt", "qual": "pt",
	"quando": "pt", "onde": "pt", "cade": "pt", "vou": "pt", "vai": "pt", "fazer": "pt", "faz": "pt",
	"ate": "pt", "ninguem": "pt", "nenhum": "pt", "vlw": "pt", "valeu": "pt", "blz": "pt", "e": "pt",
	"o": "pt", "os": "pt", "com": "pt", "para": "pt es", "pra": "pt", "pro": "pt", "no": "pt es en",
	"nos": "pt es", "de": "pt es", "que": "pt es", "se": "pt es", "me": "pt es en", "por": "pt es",
	"como": "pt es", "nada": "pt es", "aqui": "pt es", "mas": "pt es", "sem": "pt", "nem": "pt",
	"entrega": "pt es", "pedido": "pt es", "chegou": "pt", "recebi": "pt",

	// Spanish
	"el": "es", "los": "es", "las": "es", "la": "es", "y": "es", "en": "es", "con": "es",
	"muy": "es", "pero": "es", "ya": "es", "lo": "es", "le": "es", "les": "es", "su": "es",
	"sus": "es", "del": "es", "al": "es", "mi": "es", "mis": "es", "tu": "es", "yo": "es",
	"usted": "es", "ustedes": "es", "hola": "es", "gracias": "es", "estoy": "es", "esta": "es pt",
	"es": "es", "son": "es", "fue": "es", "tengo": "es", "tiene": "es", "hay": "es", "ahora": "es",
	"hoy": "es", "ayer": "es", "manana": "es", "bueno": "es", "buen": "es", "buena": "es",
	"nadie": "es", "ningun": "es", "quiero": "es", "necesito": "es", "quisiera": "es", "cual": "es",
	"cuando": "es", "donde": "es", "voy": "es", "hacer": "es", "hace": "es", "envio": "es",
	"hasta": "es", "si": "es", "pues": "es", "vez": "es", "otra": "es", "todo": "es pt",
	"dale": "es", "porfa": "es", "vale": "es", "che": "es", "mucho": "es", "muchas": "es",
	"sin": "es", "llego": "es", "porque": "pt es", "puedo": "es", "tienen": "es", "cuanto": "es",
	"nunca": "pt es", "un": "es", "una": "es", "todos": "pt es", "asi": "es", "siempre": "es",
	"tienda": "es", "aca": "es", "sempre": "pt", "loja": "pt", "assim": "pt",

	// English
	"the": "en", "and": "en", "is": "en", "it": "en", "i": "en", "you": "en", "my": "en",
	"of": "en", "for": "en", "on": "en", "in": "en", "this": "en", "that": "en", "with": "en",
	"was": "en", "are": "en", "have": "en", "has": "en", "not": "en", "can": "en", "does": "en",
	"did": "en", "thanks": "en", "thank": "en", "your": "en", "be": "en", "at": "en", "so": "en",
	"what": "en", "how": "en", "when": "en", "where": "en", "why": "en", "please": "en",
	"pls": "en", "will": "en", "would": "en", "just": "en", "been": "en", "get": "en", "got": "en",
	"hi": "en", "hello": "en", "hey": "en", "im": "en", "its": "en", "dont": "en", "didnt": "en",
	"cant": "en", "again": "en", "from": "en", "we": "en", "they": "en", "our": "en", "an": "en",
	"if": "en", "there": "en", "all": "en", "out": "en", "up": "en", "about": "en", "but": "en",
	"or": "en", "yes": "en", "still": "en", "never": "en", "any": "en", "who": "en", "very": "en",
	"really": "en", "ill": "en", "thx": "en", "ty": "en", "a": "en pt es", "u": "en",
	"much": "en", "after": "en", "days": "en", "time": "en", "good": "en", "great": "en",
}

// Constructors keep this file a readable table.
func w(v float64) entry           { return entry{value: v} }
func wn(v, negated float64) entry { return entry{value: v, negated: negated} }
func neg() entry                  { return entry{negator: true} }
func negw(v float64) entry        { return entry{value: v, negator: true} }
func negIn(langs string) entry    { return entry{negator: true, langs: langs} } // langs space-separated
func pre(m float64) entry         { return entry{pre: m} }
func post(m float64) entry        { return entry{post: m} }
func around(m float64) entry      { return entry{pre: m, post: m} }
func neg1() entry                 { return entry{negator: true, narrow: true} }
func boundary() entry             { return entry{boundary: true} }
func contrast() entry             { return entry{boundary: true, contrast: true} }

// only restricts e to the given languages (space-separated), for words whose
// meaning depends on the language: Spanish "conforme" is "satisfied",
// Portuguese "conforme" is "according to".
func only(langs string, e entry) entry {
	e.langs = langs
	return e
}
