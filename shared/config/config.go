// Package config is the one way a constructor's Config says what is wrong
// with it. Every constructor of this project takes a Config whose
// Validate() names the fields that are missing or out of range, then
// New(cfg) returns the value or that error (openmeter's style); Validate
// is a Check of Rules, so the messages read the same everywhere
// ("debit: Store is required").
package config

import (
	"errors"
	"fmt"
	"time"
)

// Rule is one field's check: the field's name and what is wrong with it
// ("" when nothing is).
type Rule struct {
	field, problem string
}

// Required says the field must be set: set is false for a nil or empty
// field.
func Required(field string, set bool) Rule {
	if set {
		return Rule{}
	}
	return Rule{field, "is required"}
}

// NotNegative says a size, count or duration must not be below zero (zero
// is the constructor's default).
func NotNegative[N int | int32 | int64 | time.Duration](field string, n N) Rule {
	if n >= 0 {
		return Rule{}
	}
	return Rule{field, fmt.Sprintf("%v is negative", n)}
}

// Valid carries another check's error on the field (a nested Config or a
// schedule's own Validate).
func Valid(field string, err error) Rule {
	if err == nil {
		return Rule{}
	}
	return Rule{field, err.Error()}
}

// Check is every failed rule of pkg's Config, joined in the order given,
// or nil when all pass.
func Check(pkg string, rules ...Rule) error {
	var errs []error
	for _, r := range rules {
		if r.problem != "" {
			errs = append(errs, fmt.Errorf("%s: %s %s", pkg, r.field, r.problem))
		}
	}
	return errors.Join(errs...)
}

// Clock is now, or time.Now when the Config left it nil (tests set it).
func Clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
