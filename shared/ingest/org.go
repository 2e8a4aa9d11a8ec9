package ingest

import (
	"slices"

	"github.com/customercloud/home/shared/contract"
)

// OrgState is what organization-scoped events build: users (seats in use),
// enabled channels and connected integrations, for the first steps.
type OrgState struct {
	Users        []string `json:"u,omitempty"`
	Channels     []string `json:"c,omitempty"`
	Integrations []string `json:"i,omitempty"`
	Seen         []Seen   `json:"n,omitempty"`
}

func addSorted(list []string, v string) []string {
	i, found := slices.BinarySearch(list, v)
	if found {
		return list
	}
	return slices.Insert(list, i, v)
}

func removeSorted(list []string, v string) []string {
	i, found := slices.BinarySearch(list, v)
	if !found {
		return list
	}
	return slices.Delete(list, i, i+1)
}

// Apply applies one valid organization-scoped event.
func (s *OrgState) Apply(ev contract.Event, c Context) Result {
	id := identity(ev.Source, ev.ID)
	if seenHas(s.Seen, id) {
		return Result{Duplicate: true}
	}
	s.Seen = seenAdd(s.Seen, id, c.Now)
	switch ev.Type {
	case contract.UserAdded:
		s.Users = addSorted(s.Users, ev.Data.UserID)
	case contract.UserRemoved:
		s.Users = removeSorted(s.Users, ev.Data.UserID)
	case contract.ChannelEnabled:
		s.Channels = addSorted(s.Channels, ev.Data.Channel)
	case contract.IntegrationConnected:
		s.Integrations = addSorted(s.Integrations, ev.Data.System)
	}
	return Result{}
}

// Clone is a deep copy, so a failed write leaves the state as read.
func (s OrgState) Clone() OrgState {
	return OrgState{Users: append([]string(nil), s.Users...), Channels: append([]string(nil), s.Channels...),
		Integrations: append([]string(nil), s.Integrations...), Seen: cloneSeen(s.Seen)}
}
