// Package geo resolves a contact's Brazilian state (UF) from the DDD (area
// code) of their phone number. The Home page's geoDistribution metric counts
// interactions per state, and the phone is the only location signal the
// platform has for a contact, so this is the one place that knows how to read
// it. The states and their area codes are package uf; this package adds the
// phone parsing, only what reads phones (the debit) links it. It reads
// phones as nyaruka/phonenumbers does with default region BR (contacts
// imported from Brazilian CSVs arrive as bare digits), without linking that
// library: its package init decodes every region's metadata, 8–15 ms of each
// cold start (see parse.go).
package geo

import (
	"github.com/customercloud/home/shared/geo/uf"
)

// StateOf returns the UF ("SP", "RJ", ...) of a Brazilian phone number from
// its DDD, or uf.Unknown when the number is not Brazilian, cannot be parsed,
// does not have the 10 (landline) or 11 (mobile) national digits of a
// Brazilian number, or uses a DDD that is not in use.
//
// Numbers in the platform's canonical E.164 form ("+5511987654321", or a
// foreign "+14155552671") and the bare-digits form of CSV imports
// ("5511987654321") take a fast path that reads the DDD without allocating, because StateOf runs once per contact in
// the metrics rollup; anything else (spaces, punctuation, national form,
// trunk prefix 0) takes parse.go's port of phonenumbers' parse with default
// region BR. Both paths give phonenumbers' answer; tests hold them to it.
func StateOf(phone string) string {
	if uf, ok := fastState(phone); ok {
		return uf
	}
	return stateOfParsed(phone)
}

// stateOfParsed is the general path: parseBR handles formatting, national
// and international prefixes, so every spelling a customer or an import may
// use resolves the same way.
func stateOfParsed(phone string) string {
	nsn, ok := parseBR(phone)
	if !ok || (len(nsn) != 10 && len(nsn) != 11) {
		return uf.Unknown
	}
	return uf.OfDDD(int(nsn[0]-'0')*10 + int(nsn[1]-'0'))
}

// fastState answers without parsing for the two spellings the platform
// stores: "+" followed only by digits (E.164) and bare digits starting with
// 55 (CSV imports). It reports false for anything else so that StateOf falls
// back to the general path. It resolves:
//   - "+55" or "55" followed by exactly 10 or 11 digits, the first not 0:
//     phonenumbers reads these as country code 55 plus that national number
//     (a Brazilian national number has at most 11 digits, so a 12- or
//     13-digit string starting with 55 always carries the country code);
//   - "+" and digits not starting with 55: calling codes are prefix-free, so
//     the country is not Brazil.
func fastState(phone string) (string, bool) {
	s, intl := phone, false
	if len(s) > 0 && s[0] == '+' {
		s, intl = s[1:], true
	}
	if len(s) < 2 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	if s[0] != '5' || s[1] != '5' {
		if intl && s[0] != '0' {
			return uf.Unknown, true
		}
		return "", false
	}
	if (len(s) != 12 && len(s) != 13) || s[2] == '0' {
		return "", false
	}
	return uf.OfDDD(int(s[2]-'0')*10 + int(s[3]-'0')), true
}
