package geo

import (
	"regexp"
	"strings"
	"sync"
)

// This file is the general path of StateOf: a port of the part of
// nyaruka/phonenumbers' Parse(phone, "BR") (itself a port of Google's
// libphonenumber) that decides a number's country calling code and national
// significant number, for default region Brazil only. The library decodes
// the metadata of every region at package init, 8–15 ms of each cold start
// of whatever links it; the debit needs one region and one answer (55 or
// not, and the first two national digits), so it carries only Brazil's
// metadata and the library's parsing patterns, copied verbatim below and
// compiled on first use. The product's phones are E.164 (contract.Validate),
// which the fast path answers without any of this.
//
// The port covers ASCII input, every spelling phonenumbers accepts in it:
// formatting, extensions, vanity letters, RFC 3966 ("tel:",
// ";phone-context=", ";isub="), the international (IDD) and national
// prefixes and carrier codes. Input with any non-ASCII byte (full-width
// digits, Arabic-Indic numerals) resolves to uf.Unknown: phonenumbers reads
// some of it, but no such phone can reach the debit. TestParseBR holds the
// port to phonenumbers over a large generated set (geo's tests import the
// library; the product does not).

// Brazil's metadata in phonenumbers v1.8.1 (TestBrazilMetadata checks each
// against the library's, so an upgrade that changes them fails the test).
const (
	// brIDD is Brazil's international (IDD) prefix pattern.
	brIDD = `00(?:1[245]|2[1-35]|31|4[13]|[56]5|99)`
	// brNationalPrefixForParsing is the trunk prefix 0 or 90, optionally
	// followed by a carrier code and the national number (group 2), which
	// brNationalPrefixTransform keeps.
	brNationalPrefixForParsing = `(?:0|90)(?:(1[245]|2[1-35]|31|4[13]|[56]5|99)(\d{10,11}))?`
	brNationalPrefixTransform  = "$2"
	// brGeneralDesc is the shape of any Brazilian national number.
	brGeneralDesc = `[1-467]\d{9,10}|55[0-46-9]\d{8}|[34]\d{7}|55\d{7,8}|(?:5[0-46-9]|[89]\d)\d{7,9}`
	// brMinLength and brMaxLength are the general description's possible
	// lengths, 8 to 11 with none missing and none local-only.
	brMinLength, brMaxLength = 8, 11
)

// callingCodes lists every country calling code phonenumbers knows (checked
// by TestCallingCodes): where the country code is read from the number, the
// first 1-3 digits that form one of these are it.
const callingCodes = " 1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 " +
	"211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 " +
	"260 261 262 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 380 381 382 383 385 386 387 389 " +
	"420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 " +
	"800 808 850 852 853 855 856 870 878 880 881 882 883 886 888 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 979 992 993 994 995 996 998 "

// The library's parsing patterns, verbatim (as its regexps print them), and
// the limits that go with them.
const (
	validStartChar    = `[+＋\p{Nd}]`
	unwantedEndChar   = `[[\P{N}&&\P{L}]&&[^#]]+$` // Go reads no class intersection here: it all but never matches, as in the library
	secondNumberStart = `[\\/] *x`
	plusChars         = `[+＋]+`
	capturingDigit    = `(\p{Nd})`
	validAlphaPhone   = `^(?:.*?[A-Za-z]){3}.*$`
	extnForParsing    = ";ext=(\\p{Nd}{1,20})|[ \u00a0\\t,]*(?:e?xt(?:ensi(?:o\u0301?|\u00F3))?n?|\uFF45?\uFF58\uFF54\uFF4E?|\u0434\u043E\u0431|anexo)[:\\.．]?[ \u00a0\\t,-]*(\\p{Nd}{1,20})#?|" +
		"[ \u00a0\\t,]*(?:[xｘ#＃~～]|int|ｉｎｔ)[:\\.．]?[ \u00a0\\t,-]*(\\p{Nd}{1,9})#?|[- ]+(\\p{Nd}{1,6})#|" +
		"[ \u00a0\\t]*(?:,{2}|;)[:\\.．]?[ \u00a0\\t,-]*(\\p{Nd}{1,15})#?|[ \u00a0\\t]*(?:,)+[:\\.．]?[ \u00a0\\t,-]*(\\p{Nd}{1,9})#?"
	extn            = `(?i)(?:` + extnForParsing + `)$`
	punctuation     = "-x‐-―−ー－-／ \u00a0\u00ad\u200b\u2060\u3000()（）［］.\\[\\]/~⁓∼～*"
	validPhone      = `(?i)^(\p{Nd}{2}|[+＋]*(?:[` + punctuation + `]*\p{Nd}){3,}[` + punctuation + `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\p{Nd}]*(?:` + extnForParsing + `)?)$`
	alnum           = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\p{Nd}`
	rfcGlobalDigits = `^\+(\p{Nd}|[\-\.\(\)]?)*\p{Nd}(\p{Nd}|[\-\.\(\)]?)*$`
	rfcDomainName   = `^([` + alnum + `]+((\-)*[` + alnum + `])*\.)*[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]+((\-)*[` + alnum + `])*\.?$`

	rfcPhoneContext = ";phone-context="
	rfcPrefix       = "tel:"
	rfcIsdn         = ";isub="
	maxInput        = 250
	minNSN, maxNSN  = 2, 17
)

// patterns are the compiled expressions, built the first time a phone
// needs the general path (never, for E.164 phones).
type patterns struct {
	validStart, unwantedEnd, secondNumber, plus, digit, alpha, extn, valid,
	rfcGlobal, rfcDomain, idd, nationalPrefix, generalDesc *regexp.Regexp
}

var compiled = sync.OnceValue(func() *patterns {
	return &patterns{
		validStart:     regexp.MustCompile(validStartChar),
		unwantedEnd:    regexp.MustCompile(unwantedEndChar),
		secondNumber:   regexp.MustCompile(secondNumberStart),
		plus:           regexp.MustCompile(plusChars),
		digit:          regexp.MustCompile(capturingDigit),
		alpha:          regexp.MustCompile(validAlphaPhone),
		extn:           regexp.MustCompile(extn),
		valid:          regexp.MustCompile(validPhone),
		rfcGlobal:      regexp.MustCompile(rfcGlobalDigits),
		rfcDomain:      regexp.MustCompile(rfcDomainName),
		idd:            regexp.MustCompile(brIDD),
		nationalPrefix: regexp.MustCompile(`^(?:` + brNationalPrefixForParsing + `)`),
		generalDesc:    regexp.MustCompile(`^(?:` + brGeneralDesc + `)$`),
	}
})

// parseBR is Parse(phone, "BR") reduced to its answer: the national
// significant number when the country calling code is 55, and false when
// it is another code or the parse fails. Each step names the library
// function it ports.
func parseBR(phone string) (nsn string, ok bool) {
	if len(phone) == 0 || len(phone) > maxInput {
		return "", false
	}
	for i := 0; i < len(phone); i++ {
		if phone[i] >= 0x80 {
			return "", false
		}
	}
	p := compiled()
	national, ok := p.buildNationalNumber(phone)
	if !ok || !p.viable(national) {
		return "", false
	}
	national = p.stripExtension(national)
	cc, nn, err := p.extractCountryCode(national)
	if err == errInvalidCC {
		ind := p.plus.FindStringIndex(national)
		if ind == nil {
			return "", false
		}
		if cc, nn, err = p.extractCountryCode(national[ind[1]:]); err != nil || cc == 0 {
			return "", false
		}
	} else if err != nil {
		return "", false
	}
	if cc == 0 {
		cc, nn = brazil, p.normalize(national)
	}
	if cc != brazil || len(nn) < minNSN {
		return "", false
	}
	// parseHelper: strip the national prefix and carrier code unless what is
	// left is too short (Brazil's lengths, 8 to 11, have no gap and none is
	// local-only; a too long result is kept, as the library keeps it).
	if stripped := p.stripNationalPrefix(nn); len(stripped) >= brMinLength {
		nn = stripped
	}
	if len(nn) < minNSN || len(nn) > maxNSN {
		return "", false
	}
	// GetNationalSignificantNumber: the digits, leading zeros kept.
	return nn, true
}

// brazil is Brazil's country calling code.
const brazil = 55

type parseError int

const (
	errInvalidCC parseError = iota + 1
	errTooShortAfterIDD
)

func (e parseError) Error() string { return "phone parse error" }

// buildNationalNumber ports buildNationalNumberForParsing.
func (p *patterns) buildNationalNumber(s string) (string, bool) {
	var out string
	iCtx := strings.Index(s, rfcPhoneContext)
	ctx := ""
	if iCtx >= 0 {
		start := iCtx + len(rfcPhoneContext)
		if start < len(s) {
			if end := strings.IndexByte(s[start:], ';'); end >= 0 {
				ctx = s[start : start+end]
			} else {
				ctx = s[start:]
			}
		}
		if ctx == "" || !(p.rfcGlobal.MatchString(ctx) || p.rfcDomain.MatchString(ctx)) {
			return "", false
		}
	}
	if iCtx > 0 {
		if ctx[0] == '+' {
			out = ctx
		}
		from := 0
		if i := strings.Index(s, rfcPrefix); i >= 0 && i < iCtx {
			from = i + len(rfcPrefix)
		}
		out += s[from:iCtx]
	} else {
		out = p.extractPossibleNumber(s)
	}
	if i := strings.Index(out, rfcIsdn); i > 0 {
		out = out[:i]
	}
	return out, true
}

// extractPossibleNumber ports the library's function of that name.
func (p *patterns) extractPossibleNumber(s string) string {
	loc := p.validStart.FindStringIndex(s)
	if loc == nil {
		return ""
	}
	s = s[loc[0]:]
	if loc := p.unwantedEnd.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	if loc := p.secondNumber.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	return s
}

// viable ports isViablePhoneNumber.
func (p *patterns) viable(s string) bool {
	return len(s) >= minNSN && p.valid.MatchString(s)
}

// stripExtension ports maybeStripExtension (the extension itself is not
// needed).
func (p *patterns) stripExtension(s string) string {
	loc := p.extn.FindStringIndex(s)
	if loc == nil || !p.viable(s[:loc[0]]) {
		return s
	}
	for _, g := range p.extn.FindStringSubmatch(s)[1:] {
		if g != "" {
			return s[:loc[0]]
		}
	}
	return s
}

// normalize ports normalize for ASCII: vanity letters become their keypad
// digits when there are at least three, else only the digits are kept.
func (p *patterns) normalize(s string) string {
	alpha := p.alpha.MatchString(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			b.WriteByte(c)
		case alpha && 'a' <= c && c <= 'z':
			b.WriteByte(keypad[c-'a'])
		case alpha && 'A' <= c && c <= 'Z':
			b.WriteByte(keypad[c-'A'])
		}
	}
	return b.String()
}

// keypad is the digit of each letter A-Z on a phone keypad.
const keypad = "22233344455566677778889999"

// extractCountryCode ports maybeExtractCountryCode with Brazil as the
// default region: the calling code (0 if the number has none) and the
// national number after it (set only when the code is not 0).
func (p *patterns) extractCountryCode(s string) (int, string, error) {
	if s == "" {
		return 0, "", nil
	}
	full, fromDefault := "", true
	// maybeStripInternationalPrefixAndNormalize
	if loc := p.plus.FindStringIndex(s); loc != nil && loc[0] == 0 {
		full, fromDefault = p.normalize(s[loc[1]:]), false
	} else {
		full = p.normalize(s)
		// parsePrefixAsIdd
		if loc := p.idd.FindStringIndex(full); loc != nil && loc[0] == 0 {
			if d := p.digit.FindString(full[loc[1]:]); d != "0" {
				full, fromDefault = full[loc[1]:], false
			}
		}
	}
	if !fromDefault {
		if len(full) <= minNSN {
			return 0, "", errTooShortAfterIDD
		}
		if full[0] != '0' {
			for i := 1; i <= 3 && i <= len(full); i++ {
				if strings.Contains(callingCodes, " "+full[:i]+" ") {
					return atoi(full[:i]), full[i:], nil
				}
			}
		}
		return 0, "", errInvalidCC
	}
	if strings.HasPrefix(full, "55") {
		national := p.stripNationalPrefix(full[2:])
		fullValid := p.generalDesc.MatchString(full)
		nationalValid := p.generalDesc.MatchString(national)
		if (!fullValid && nationalValid) || len(full) > brMaxLength {
			return brazil, national, nil
		}
	}
	return 0, "", nil
}

// stripNationalPrefix ports maybeStripNationalPrefixAndCarrierCode for
// Brazil: it returns s without its trunk prefix (and carrier code), or s
// unchanged when none applies or stripping would spoil a viable number.
func (p *patterns) stripNationalPrefix(s string) string {
	if s == "" {
		return s
	}
	m := p.nationalPrefix.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	viable := p.generalDesc.MatchString(s)
	if m[4] < 0 { // no national number captured: drop the prefix only
		if viable && !p.generalDesc.MatchString(s[m[1]:]) {
			return s
		}
		return s[m[1]:]
	}
	t := p.nationalPrefix.ReplaceAllString(s, brNationalPrefixTransform)
	if viable && !p.generalDesc.MatchString(t) {
		return s
	}
	return t
}

// atoi reads 1-3 ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
