package ingest

import (
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/customercloud/home/shared/contract"
)

// Where event identities live, so that the same (source, id) with the same
// event time changes nothing when it comes again, while a contact's state
// stays bounded whatever its event rate (docs/DESIGN.md, "Event
// identities"):
//
//   - Marks: per SQS message group, the highest FIFO SequenceNumber applied
//     to the contact. SQS redelivers a message with its SequenceNumber, and
//     a group's messages are applied in that order, so a message at or
//     below the mark is already in the state. Exact, a few bytes, no read.
//   - Pending: the identities applied since the last spill, by the spill
//     period of their event time (SpillDays UTC days), at most a few dozen.
//   - Spilled: once Pending is worth spilling (SpillFrom), the store writes them
//     to spill items keyed by (contact, event period) and the state keeps only
//     SpilledMax, the latest event time among them. An event after
//     SpilledMax cannot have been spilled (a duplicate carries the same
//     event time), so only an event at or before it (a late event, a DLQ
//     redrive, a producer's resend) needs the spill items of its period:
//     the late-event path, one Query per (contact, period).

// Spilling policy. A write costs one unit per started KB of the item, and a
// spill costs a small PutItem per event period, so identities spill only
// when that keeps the state's writes at fewer units: once the stored state
// passes SpillBytes with at least SpillAt identities pending. MaxPending
// bounds them whatever the size (128 identities, 1 KB): a contact's state
// never holds more than MaxPending plus one write's events.
const (
	SpillAt    = 40
	SpillBytes = 900
	MaxPending = 128
)

// maxMarks bounds the message groups remembered per contact (a contact's
// events normally travel in one group).
const maxMarks = 4

// IDs are identities (8-byte prefixes of SHA-256(source, id),
// concatenated) of events whose time falls in one spill period.
type IDs struct {
	// Day is the event time's spill period (EventDay).
	Day int32 `json:"d"`
	// At is the processing Unix day of the latest identity added.
	At int32 `json:"a"`
	// Max is the latest event time among them (Unix ms).
	Max    int64  `json:"m"`
	Hashes []byte `json:"h"`
}

// Len is the number of identities.
func (b IDs) Len() int { return len(b.Hashes) / 8 }

// Mark is the highest FIFO SequenceNumber of one message group applied to
// the state.
type Mark struct {
	// Group is FNV-64a of the MessageGroupId (group ids hold contact ids:
	// personal data that the state need not repeat).
	Group uint64 `json:"g"`
	Seq   string `json:"s"`
	// Sent is the SentTimestamp (Unix ms) of the message at Seq: a
	// redelivery carries it unchanged, while a queue that numbers anew (an
	// emulator restarted, a queue recreated) sends later messages with
	// lower numbers but later timestamps, which the mark must not swallow.
	Sent int64 `json:"t,omitempty"`
	// At is the processing Unix day it was last raised.
	At int32 `json:"a"`
}

// IDSet is a set of identities read back from spill items.
type IDSet map[[8]byte]struct{}

// Has reports whether id is in the set.
func (s IDSet) Has(id [8]byte) bool {
	_, ok := s[id]
	return ok
}

// AddHashes adds concatenated 8-byte identities.
func (s IDSet) AddHashes(h []byte) {
	for i := 0; i+8 <= len(h); i += 8 {
		s[[8]byte(h[i:i+8])] = struct{}{}
	}
}

func unixDay(t time.Time) int32 { return int32(t.Unix() / 86400) }

// SpillDays is the span of event time one spill item covers. A spill
// writes one item per period its identities fall in, and a late event reads
// every item of its period: 4 days keep the writes of an ordinary contact,
// whose events spread over many days, to two or three items per spill,
// while a late event of a contact at 10,000 events a day reads about
// 1,000 items of 40 identities (≈ 360 KB, 90 RCU), rarely.
const SpillDays = 4

// EventDay is the spill period of an event time: its UTC Unix day divided
// by SpillDays (events since 2000, so never negative).
func EventDay(t time.Time) int32 {
	return int32(t.Unix() / 86400 / SpillDays)
}

// identities is what both contact and organization states remember.
type identities struct {
	// Legacy are identities bucketed by processing day, as states written
	// before spilling kept them; read until they age out, never added to.
	Legacy     []Seen `json:"n,omitempty"`
	Pending    []IDs  `json:"pi,omitempty"`
	SpilledMax int64  `json:"sx,omitempty"`
	Marks      []Mark `json:"q,omitempty"`
	// Spill holds the identities leaving the state in this write; the
	// store writes them to their spill items before the state. Never
	// stored in the state itself.
	Spill []IDs `json:"-"`
}

func groupHash(group string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(group))
	return h.Sum64()
}

// seqLess compares two decimal SequenceNumbers (up to 128 bits).
func seqLess(a, b string) bool {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func validSeq(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Delivered reports whether the message of group with FIFO SequenceNumber
// seq, sent at sent (Unix ms, 0 if unknown), was already applied: seq is at
// or below the group's mark, and it was not sent after the marked message.
func (s *identities) Delivered(group, seq string, sent int64) bool {
	if !validSeq(seq) || group == "" {
		return false
	}
	g := groupHash(group)
	for _, m := range s.Marks {
		if m.Group == g {
			return !seqLess(m.Seq, seq) && (sent == 0 || m.Sent == 0 || sent <= m.Sent)
		}
	}
	return false
}

// MarkDelivered raises group's mark to seq (a message applied or found
// already applied). Marks of groups idle for longer than SQS keeps a
// message are dropped, and so is the oldest beyond maxMarks.
func (s *identities) MarkDelivered(group, seq string, sent int64, now time.Time) {
	if !validSeq(seq) || group == "" {
		return
	}
	g, day := groupHash(group), unixDay(now)
	keep := unixDay(now.Add(-DedupeRetention))
	out := s.Marks[:0]
	found := false
	for _, m := range s.Marks {
		if m.Group == g {
			found = true
			if seqLess(m.Seq, seq) {
				m.Seq = seq
			}
			m.Sent, m.At = max(m.Sent, sent), day
		}
		if m.At >= keep {
			out = append(out, m)
		}
	}
	if !found {
		out = append(out, Mark{Group: g, Seq: seq, Sent: sent, At: day})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At > out[j].At })
	if len(out) > maxMarks {
		out = out[:maxMarks]
	}
	s.Marks = out
}

// NeedsSpilled reports whether deciding if ev is a duplicate needs the
// spill items of its day (the late-event path), and which day: its
// identity is not in the state and its time is not after SpilledMax.
func (s *identities) NeedsSpilled(ev contract.Event) (int32, bool) {
	if s.SpilledMax == 0 || ev.Time.UnixMilli() > s.SpilledMax {
		return 0, false
	}
	if s.known(identity(ev.Source, ev.ID), nil) {
		return 0, false
	}
	return EventDay(ev.Time), true
}

func (s *identities) known(id [8]byte, spilled IDSet) bool {
	if spilled.Has(id) || seenHas(s.Legacy, id) {
		return true
	}
	for _, b := range s.Pending {
		for i := 0; i+8 <= len(b.Hashes); i += 8 {
			if [8]byte(b.Hashes[i:i+8]) == id {
				return true
			}
		}
	}
	return false
}

// remember records an applied event's identity, forgetting what is past
// the retention (pending identities that were never spilled, legacy
// buckets).
func (s *identities) remember(id [8]byte, at time.Time, now time.Time) {
	keep := unixDay(now.Add(-DedupeRetention))
	legacy := s.Legacy[:0]
	for _, b := range s.Legacy {
		if b.Day >= keep {
			legacy = append(legacy, b)
		}
	}
	s.Legacy = legacy
	if len(s.Legacy) == 0 {
		s.Legacy = nil
	}
	pend := s.Pending[:0]
	for _, b := range s.Pending {
		if b.At >= keep {
			pend = append(pend, b)
		}
	}
	s.Pending = pend
	day, ms, today := EventDay(at), at.UnixMilli(), unixDay(now)
	for i := range s.Pending {
		if b := &s.Pending[i]; b.Day == day {
			b.Hashes = append(b.Hashes, id[:]...)
			b.At, b.Max = max(b.At, today), max(b.Max, ms)
			return
		}
	}
	s.Pending = append(s.Pending, IDs{Day: day, At: today, Max: ms, Hashes: append([]byte(nil), id[:]...)})
	sort.Slice(s.Pending, func(i, j int) bool { return s.Pending[i].Day < s.Pending[j].Day })
}

// PendingLen is the number of identities not yet spilled.
func (s *identities) PendingLen() int {
	n := 0
	for _, b := range s.Pending {
		n += b.Len()
	}
	return n
}

// SpillFrom moves to Spill the identities that were pending in read (the
// state as stored, before this write's events), if they are worth spilling:
// MaxPending of them, or SpillAt with the new state stored at more than
// SpillBytes (storedSize, as the store encodes it).
// Only stored identities spill: events of this write are not committed
// yet, and a spill item is written before the state, so a failed write
// leaves spill items that hold only identities already applied. The same
// stored state always spills the same items, so a retry rewrites them
// identically.
func (s *ContactState) SpillFrom(read *ContactState, storedSize int) {
	s.Spill = nil
	if n := read.PendingLen(); n >= MaxPending || (n >= SpillAt && storedSize > SpillBytes) {
		s.identities.spillFrom(&read.identities)
	}
}

func (s *identities) spillFrom(read *identities) {
	for _, rb := range read.Pending {
		s.Spill = append(s.Spill, IDs{Day: rb.Day, At: rb.At, Max: rb.Max, Hashes: append([]byte(nil), rb.Hashes...)})
		s.SpilledMax = max(s.SpilledMax, rb.Max)
		for i := range s.Pending {
			b := &s.Pending[i]
			if b.Day != rb.Day {
				continue
			}
			// The bucket as read is a prefix of the bucket now: this
			// write only appended to it.
			if len(b.Hashes) >= len(rb.Hashes) && string(b.Hashes[:len(rb.Hashes)]) == string(rb.Hashes) {
				b.Hashes = b.Hashes[len(rb.Hashes):]
			}
		}
	}
	out := s.Pending[:0]
	for _, b := range s.Pending {
		if len(b.Hashes) > 0 {
			out = append(out, b)
		}
	}
	s.Pending = out
	if len(s.Pending) == 0 {
		s.Pending = nil
	}
}

func (s identities) clone() identities {
	c := identities{SpilledMax: s.SpilledMax, Legacy: cloneSeen(s.Legacy)}
	for _, b := range s.Pending {
		c.Pending = append(c.Pending, IDs{Day: b.Day, At: b.At, Max: b.Max, Hashes: append([]byte(nil), b.Hashes...)})
	}
	c.Marks = append([]Mark(nil), s.Marks...)
	return c
}
