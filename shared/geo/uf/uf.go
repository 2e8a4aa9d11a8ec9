// Package uf is Brazil's states (UF) and the area codes (DDD) that belong to
// each: the data of the Home's geoDistribution without any phone parsing.
// It is apart from package geo, which reads a DDD out of a phone number:
// the Home, the rollup and the store need the states, and only the debit
// needs the parsing (whose patterns geo compiles on first use).
package uf

import (
	"slices"
	"sync"
)

// Unknown is the state reported for a number with no Brazilian DDD: foreign,
// missing, unparsable, too short or too long, or with an area code not in
// use. geoDistribution groups such contacts under this key.
const Unknown = "unknown"

// states is the sorted set of UFs, computed once, on first use, because All
// is called by rollups and seeding tools that must not pay for the sort each
// time.
var states = sync.OnceValue(func() []string {
	var s []string
	for _, uf := range byDDD {
		if uf != "" {
			s = append(s, uf)
		}
	}
	slices.Sort(s)
	return slices.Compact(s)
})

// OfDDD maps an area code to its UF, or Unknown when it is out of range or
// not in use.
func OfDDD(ddd int) string {
	if ddd < 0 || ddd >= len(byDDD) || byDDD[ddd] == "" {
		return Unknown
	}
	return byDDD[ddd]
}

// All returns the 27 UFs (26 states and the Federal District), sorted, so
// that dashboards and tests can list every state including those with no
// interactions. The caller owns the returned slice.
func All() []string {
	return slices.Clone(states())
}

// DDDs returns every area code in use mapped to its UF, so seeding tools can
// generate phone numbers spread over all states. The caller owns the
// returned map.
func DDDs() map[int]string {
	m := make(map[int]string, 67)
	for ddd, uf := range byDDD {
		if uf != "" {
			m[ddd] = uf
		}
	}
	return m
}
